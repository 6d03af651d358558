// Walks a store sequence by sequence, as `stats` and `ls` report it.

import { comparePrompts, naturalCompare } from "../cache/_prompt_order.ts";
import type { Store } from "../cache/store.ts";

/** One stored sequence and what it holds. */
export interface SequenceInfo {
  readonly model: string;
  readonly hash: string;
  readonly prompt: string | undefined;
  /** Samples from index 0 up to the first gap. */
  readonly samples: number;
  /** Their UTF-8 size. */
  readonly bytes: number;
}

const encoder = new TextEncoder();

/**
 * The UTF-8 size of `text`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { utf8Length } from "./_inventory.ts";
 *
 * assert.equal(utf8Length("é🌍"), 6);
 * ```
 */
export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * Every sequence of `store` (only `model`'s when given), models and prompts
 * in natural order (`item 2` before `item 12`; prompts without a recorded
 * text last, by hash); `onEach` is called after each, for progress.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "../cache/fs_store.ts";
 * import { inventory } from "./_inventory.ts";
 *
 * const found = await inventory(new FsStore("tests/fixtures/mnimi-cache"), "gpt-4o_1");
 * assert.equal(found.length, 6);
 * assert.equal(found.reduce((n, s) => n + s.samples, 0), 24);
 * ```
 */
export async function inventory(
  store: Store,
  model?: string,
  onEach?: (done: number) => void,
): Promise<SequenceInfo[]> {
  const models = model === undefined
    ? (await Array.fromAsync(store.models())).sort(naturalCompare)
    : [model];
  const out: SequenceInfo[] = [];
  for (const m of models) {
    const prompts = (await Array.fromAsync(store.prompts(m))).sort(comparePrompts);
    for (const { hash, prompt } of prompts) {
      const samples = await store.load({ model: m, hash }, 0);
      const bytes = samples.reduce((sum, s) => sum + utf8Length(s), 0);
      out.push({ model: m, hash, prompt, samples: samples.length, bytes });
      onEach?.(out.length);
    }
  }
  return out;
}
