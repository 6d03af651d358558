// What the samples views share: reading a stream's first items with where
// each came from, and the colours that mark it.

import type { Model } from "../core/model.ts";
import type { Prompt } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { repliesOf } from "../core/replies.ts";
import { servedFigures } from "../core/figures.ts";

/** Where a sample came from. */
export type SampleOrigin = "cache" | "fresh";

/** One sample of a `SamplesView` or a `SamplesTable`. */
export interface SampleRow {
  /** The sample's position in the stream read. */
  readonly index: number;
  /** The sample text. */
  readonly text: string;
  /**
   * The whole reply (its tool calls, reasoning, finish reason).
   * @default {undefined: a reply of the text and nothing more}
   */
  readonly reply?: Reply | undefined;
  /** `cache` if it was stored before the stack drew it, `fresh` if it is one of the stack's own draws. */
  readonly origin: SampleOrigin;
}

/**
 * The first `n` replies of `model` for `prompt` (`repliesOf`: the items of
 * `model.sample(prompt, batch)`, whole), each with where it came from: read
 * one at a time, an item is fresh when the outermost cache's misses grew
 * while it was read (every item is fresh without a cache).
 */
export async function readSamples(
  model: Model,
  prompt: Prompt,
  n: number,
  batch: number,
): Promise<SampleRow[]> {
  const rows: SampleRow[] = [];
  const it = repliesOf(model, prompt, batch);
  try {
    while (rows.length < n) {
      const misses = servedFigures(model)?.misses;
      const result = await it.next();
      if (result.done) break;
      const now = servedFigures(model)?.misses;
      const fresh = misses === undefined || now === undefined || now > misses;
      const reply = result.value;
      rows.push({ index: rows.length, text: reply.text, reply, origin: fresh ? "fresh" : "cache" });
    }
  } finally {
    await it.return?.();
  }
  return rows;
}
