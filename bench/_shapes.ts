// What every measure shares, whichever checkout of the library it drives:
// the shapes, the 1 KB samples and their prompts, and timing helpers. No
// import, so that a child driving another checkout loads nothing of this one.

/** Prompts × samples: 10,000 samples of 1 KB each. */
export const SHAPES: readonly [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
export const ALIAS = "bench";
export const KEY = `${ALIAS}_1`;

/** The prompt of index `p`. */
export const prompt = (p: number): string => `prompt ${p}`;
/** 1 KB, different for every prompt and index. */
export const sample = (p: number, i: number): string => `${p}:${i}:`.padEnd(1024, "x");

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
