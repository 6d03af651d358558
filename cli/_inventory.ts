// What `ls` and `stats` report of each sequence: the store walk
// (cache/walk.ts) reduced to counts, with progress.

import type { Store } from "../cache/store.ts";
import { walkStore } from "../cache/walk.ts";
import type { UsageTally } from "../core/usage_shares.ts";

/** One stored sequence and what it holds. */
export interface SequenceInfo {
  /** The model key. */
  readonly model: string;
  /** The prompt hash. */
  readonly hash: string;
  /** The prompt text, when the store recorded it. */
  readonly prompt: string | undefined;
  /** Samples from index 0 up to the first gap. */
  readonly samples: number;
  /** Their UTF-8 size. */
  readonly bytes: number;
  /** What they cost to draw, when asked for and the store keeps usage. */
  readonly usage?: UsageTally | undefined;
}

/** What {@linkcode inventory} reads, and whom it tells. */
export interface InventoryOptions {
  /** Only this model key's sequences. @default {every model key} */
  readonly model?: string | undefined;
  /** Called after each sequence with how many were read, for progress. @default {none} */
  readonly onEach?: ((done: number) => void) | undefined;
  /** Also read what the samples cost to draw. @default {false} */
  readonly usage?: boolean | undefined;
}

/**
 * Every sequence of `store` (only `model`'s when given), in the walk's order,
 * with what its samples cost to draw when `usage` is asked for; `onEach` is
 * called after each, for progress.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "../cache/fs_store.ts";
 * import { inventory } from "./_inventory.ts";
 *
 * const found = await inventory(new FsStore("tests/fixtures/mnimi-cache"), { model: "gpt-4o_1" });
 * assert.equal(found.length, 6);
 * assert.equal(found.reduce((n, s) => n + s.samples, 0), 24);
 * ```
 */
export async function inventory(
  store: Store,
  { model, onEach, usage = false }: InventoryOptions = {},
): Promise<SequenceInfo[]> {
  const out: SequenceInfo[] = [];
  for await (const s of walkStore(store, { ...(model === undefined ? {} : { model }), usage })) {
    out.push({
      model: s.model,
      hash: s.hash,
      prompt: s.prompt,
      samples: s.samples.length,
      bytes: s.bytes,
      usage: s.usage,
    });
    onEach?.(out.length);
  }
  return out;
}
