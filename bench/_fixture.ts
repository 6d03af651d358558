// What the benchmark report's measures share: the shapes, 1 KB samples, a
// model that draws them at once, and timing helpers.

import { BufferedModel, type Reply } from "../mod.ts";

/** Prompts × samples: 10,000 samples of 1 KB each. */
export const SHAPES: readonly [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
export const ALIAS = "bench";
export const KEY = `${ALIAS}_1`;

export const prompt = (p: number): string => `prompt ${p}`;
/** 1 KB, different for every prompt and index. */
export const sample = (p: number, i: number): string => `${p}:${i}:`.padEnd(1024, "x");

/**
 * Draws 1 KB samples at once: what a store costs, with no network in the
 * way; with `replies`, each as a reply with what a provider's usually holds
 * beyond its text (its finish reason and the model that answered).
 */
export class KiloModel extends BufferedModel {
  #next = new Map<string, number>();
  #replies: boolean;

  constructor(maxBatch = 1, replies = false) {
    super(ALIAS, 1, { maxBatch });
    this.#replies = replies;
  }

  protected query(text: string, n: number): Promise<string[] | Reply[]> {
    const p = Number(text.slice("prompt ".length));
    const start = this.#next.get(text) ?? 0;
    this.#next.set(text, start + n);
    const texts = Array.from({ length: n }, (_, k) => sample(p, start + k));
    if (!this.#replies) return Promise.resolve(texts);
    return Promise.resolve(
      texts.map((text) => ({ text, toolCalls: [], finishReason: "stop", model: "bench-2025-01" })),
    );
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
