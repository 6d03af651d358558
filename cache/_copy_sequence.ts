/**
 * Copying one sequence for `copyStore`: the samples the target lacks are
 * written at their source indices, with what they cost to draw and what
 * their replies hold beyond their texts (`Store.replies`); samples it
 * already holds, also past a gap, are compared, and a sequence where they
 * differ is left alone and reported as conflicts.
 *
 * @module
 */

import { metaOf, type ReplyMeta } from "../core/reply.ts";
import { usageAt } from "../core/usage_records.ts";
import { ShortSourceError, type Work } from "./copy_selection.ts";
import type { SequenceKey, Store } from "./store.ts";

/** A target index that already holds a different value than the source's. */
export interface CopyConflict {
  /** The model key. */
  readonly model: string;
  /** The prompt hash. */
  readonly hash: string;
  /** The index where the values differ. */
  readonly index: number;
  /** The source's value at `index`. */
  readonly source: string;
  /** The target's value at `index`. */
  readonly target: string;
}

/** What copies have done so far, added to by {@linkcode copySequence} (a `CopyResult`). */
export interface Tally {
  copied: number;
  present: number;
  conflicts: CopyConflict[];
}

/**
 * Copies one sequence from `from` to `to` and adds what it did to `result`:
 * samples written, samples already there, conflicts (a sequence with any is
 * not written at all, except where another writer raced it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copySequence } from "./_copy_sequence.ts";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const [a, b] = [new FsStore(`${dir}/a`), new FsStore(`${dir}/b`)];
 * const key = { model: "m_1", hash: promptHash("hi") };
 * await a.append(key, { from: 0, samples: ["x", "y"], prompt: "hi" });
 * await b.append(key, { from: 0, samples: ["x"], prompt: "hi" });
 * const result = { copied: 0, present: 0, conflicts: [] };
 * await copySequence(a, b, { key, prompt: "hi" }, result);
 * assert.deepEqual(result, { copied: 1, present: 1, conflicts: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function copySequence(
  from: Store,
  to: Store,
  item: Work,
  result: Tally,
): Promise<void> {
  const { key, prompt, slice } = item;
  const [stored, target] = await Promise.all([from.load(key, 0), to.load(key, 0)]);
  // Checked before the copy; a source that lost samples since is refused too.
  if (slice !== undefined && stored.length < slice) {
    throw new ShortSourceError(key, slice, stored.length, from.location);
  }
  const source = slice === undefined ? stored : stored.slice(0, slice);
  const hidden = await hiddenSamples(to, key, target.length, source.length);
  const conflicts = differences(key, source, target, 0);
  for (const [index, value] of hidden) {
    if (value !== source[index]) {
      conflicts.push({ ...key, index, source: source[index]!, target: value });
    }
  }
  if (conflicts.length > 0) {
    result.conflicts.push(...conflicts);
    return;
  }
  result.present += Math.min(source.length, target.length) + hidden.size;
  // What the samples cost to draw, and what their replies hold, goes with them.
  const usage = target.length < source.length && from.usage !== undefined
    ? usageAt(await from.usage(key, target.length), 0, source.length)
    : undefined;
  const meta = target.length < source.length
    ? await metaFrom(from, key, target.length, source)
    : undefined;
  // Each run of free indices is written where it belongs, around hidden samples.
  for (let start = target.length; start < source.length;) {
    let end = start;
    while (end < source.length && !hidden.has(end)) end++;
    if (end > start) {
      const missing = source.slice(start, end);
      const stored = await to.append(key, {
        from: start,
        samples: missing,
        prompt,
        usage: usage?.slice(start, end),
        meta: meta?.slice(start, end),
      });
      // Another writer may have claimed these indices since the target was read.
      const raced = differences(key, missing, stored, start);
      result.conflicts.push(...raced);
      result.copied += missing.length - raced.length;
    }
    start = end + 1;
  }
}

/**
 * What the replies of `source` (the samples of `store` from index 0) hold
 * beyond their texts, by index, from `start` on; `undefined` when the store
 * keeps no metadata. A reply whose text is not the source's (written since
 * it was read) gives none.
 */
async function metaFrom(
  store: Store,
  key: SequenceKey,
  start: number,
  source: readonly string[],
): Promise<(ReplyMeta | undefined)[] | undefined> {
  if (store.replies === undefined) return undefined;
  const replies = await store.replies(key, start);
  const meta = new Array<ReplyMeta | undefined>(source.length).fill(undefined);
  replies.forEach((reply, k) => {
    if (start + k < source.length && reply.text === source[start + k]) {
      meta[start + k] = metaOf(reply);
    }
  });
  return meta;
}

/**
 * The samples `store` holds past a gap at `visible`, below `below`, by index:
 * `load` stops at the gap, so only {@linkcode Store.indices} shows them.
 */
async function hiddenSamples(
  store: Store,
  key: SequenceKey,
  visible: number,
  below: number,
): Promise<Map<number, string>> {
  const hidden = new Map<number, string>();
  if (visible >= below || store.indices === undefined) return hidden;
  for (const index of await store.indices(key)) {
    if (index <= visible || index >= below || hidden.has(index)) continue;
    const run = await store.load(key, index);
    run.forEach((value, k) => {
      if (index + k < below) hidden.set(index + k, value);
    });
  }
  return hidden;
}

function differences(
  key: SequenceKey,
  source: readonly string[],
  target: readonly string[],
  offset: number,
): CopyConflict[] {
  const out: CopyConflict[] = [];
  const n = Math.min(source.length, target.length);
  for (let i = 0; i < n; i++) {
    if (source[i] !== target[i]) {
      out.push({ ...key, index: offset + i, source: source[i]!, target: target[i]! });
    }
  }
  return out;
}
