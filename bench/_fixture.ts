// What the benchmark report's measures share: the shapes, 1 KB samples, a
// model that draws them at once, and timing helpers.

import { BufferedModel } from "../mod.ts";

/** Prompts × samples: 10,000 samples of 1 KB each. */
export const SHAPES: readonly [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
export const ALIAS = "bench";
export const KEY = `${ALIAS}_1`;

export const prompt = (p: number): string => `prompt ${p}`;
/** 1 KB, different for every prompt and index. */
export const sample = (p: number, i: number): string => `${p}:${i}:`.padEnd(1024, "x");

/** Draws 1 KB samples at once: what a store costs, with no network in the way. */
export class KiloModel extends BufferedModel {
  #next = new Map<string, number>();

  constructor(maxBatch = 1) {
    super(ALIAS, 1, { maxBatch });
  }

  protected query(text: string, n: number): Promise<string[]> {
    const p = Number(text.slice("prompt ".length));
    const start = this.#next.get(text) ?? 0;
    this.#next.set(text, start + n);
    return Promise.resolve(Array.from({ length: n }, (_, k) => sample(p, start + k)));
  }
}

/** Seconds `run` takes. */
export async function seconds(run: () => unknown): Promise<number> {
  const start = performance.now();
  await run();
  return (performance.now() - start) / 1000;
}

/** The median of `values`. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
