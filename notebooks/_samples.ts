// What the samples views share: reading a stream's first items with where
// each came from, and the colours that mark it.

import type { Model } from "../core/model.ts";
import { servedFigures } from "../core/figures.ts";

/** Where a sample came from. */
export type SampleOrigin = "cache" | "fresh";

/** One sample of a `SamplesView` or a `SamplesTable`. */
export interface SampleRow {
  /** The sample's position in the stream read. */
  readonly index: number;
  /** The sample text. */
  readonly text: string;
  /** `cache` if it was stored before the stack drew it, `fresh` if it is one of the stack's own draws. */
  readonly origin: SampleOrigin;
}

/**
 * The first `n` items of `model.sample(prompt, batch)`, each with where it
 * came from: read one at a time, an item is fresh when the outermost cache's
 * misses grew while it was read (every item is fresh without a cache).
 */
export async function readSamples(
  model: Model,
  prompt: string,
  n: number,
  batch: number,
): Promise<SampleRow[]> {
  const rows: SampleRow[] = [];
  const it = model.sample(prompt, batch);
  try {
    while (rows.length < n) {
      const misses = servedFigures(model)?.misses;
      const result = await it.next();
      if (result.done) break;
      const now = servedFigures(model)?.misses;
      const fresh = misses === undefined || now === undefined || now > misses;
      rows.push({ index: rows.length, text: result.value, origin: fresh ? "fresh" : "cache" });
    }
  } finally {
    await it.return?.();
  }
  return rows;
}
