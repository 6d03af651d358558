/**
 * Copies sequences from one store into another (filesystem, Deno KV, Redis,
 * SQLite, in any direction), index for index: the options, the result, the
 * conflict error, and the workers that copy several sequences at once.
 * Which sequences are copied is in copy_selection.ts, how one is copied in
 * _copy_sequence.ts.
 *
 * @module
 */

import { assertCount } from "../internal/validate.ts";
import type { CopyConflict } from "./_copy_sequence.ts";
import type { Manifest } from "./manifest.ts";
import type { SequenceKey, Store } from "./store.ts";

export type { CopyConflict } from "./_copy_sequence.ts";

/** Which sequences {@linkcode copyStore} copies, and how it reports progress. */
export interface CopyOptions {
  /**
   * Only these model keys.
   * @default {every model key}
   */
  models?: readonly string[];
  /**
   * Only these prompt hashes.
   * @default {every prompt}
   */
  hashes?: readonly string[];
  /**
   * Only the slice a run used: for each sequence a manifest lists in a store,
   * the samples from index 0 up to the last index served (see
   * `writeManifest`); several manifests copy the union. Combines with
   * `models` and `hashes`. A source that holds fewer samples than a manifest
   * names fails the copy with a RangeError before anything is written.
   * @default {every sample}
   */
  manifest?: Manifest | readonly Manifest[];
  /**
   * Called after each sequence (for a progress display).
   * @default {no callback}
   */
  onProgress?: (progress: CopyProgress) => void;
  /**
   * How many sequences are copied at once.
   * @default {8}
   */
  concurrency?: number;
}

/** How far a copy has come. */
export interface CopyProgress {
  /** Sequences handled so far. */
  readonly done: number;
  /** Sequences to handle in all. */
  readonly total: number;
  /** Samples written to the target so far. */
  readonly copied: number;
  /** The sequence just handled. */
  readonly key: SequenceKey;
}

/** What a copy did. */
export interface CopyResult {
  /** Sequences looked at (after filtering). */
  sequences: number;
  /** Samples written to the target. */
  copied: number;
  /** Samples the target already held, equal to the source's. */
  present: number;
  /** Indices where the target holds another value; those sequences were left alone. */
  conflicts: CopyConflict[];
}

/**
 * Thrown by {@linkcode copyStore} when the target already holds different
 * values at some indices. Everything else was copied; the conflicting
 * sequences were left as they were.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CopyConflictError } from "./copy.ts";
 *
 * const error = new CopyConflictError({
 *   sequences: 1,
 *   copied: 0,
 *   present: 0,
 *   conflicts: [{ model: "m_1", hash: "ab", index: 0, source: "x", target: "y" }],
 * }, "a", "b");
 * assert(error.message.includes("m_1"));
 * ```
 */
export class CopyConflictError extends Error {
  /** The differing indices. */
  readonly conflicts: readonly CopyConflict[];
  /** What the copy did besides. */
  readonly result: CopyResult;

  /**
   * Lists the conflicts (the first five) in the message.
   *
   * @param result The copy's result, conflicts included.
   * @param from The source's location.
   * @param to The target's location.
   */
  constructor(result: CopyResult, from: string, to: string) {
    const shown = result.conflicts.slice(0, 5)
      .map((c) => `${c.model} ${c.hash} index ${c.index}`).join("; ");
    const more = result.conflicts.length > 5 ? `; and ${result.conflicts.length - 5} more` : "";
    super(
      `${result.conflicts.length} index(es) of ${to} already hold other values than ` +
        `${from}: ${shown}${more}. Those sequences were not copied (nothing is ever ` +
        `overwritten); the rest was. Copy into an empty store, or leave them out with filters`,
    );
    this.name = "CopyConflictError";
    this.conflicts = result.conflicts;
    this.result = result;
  }
}

/**
 * Copies every sequence of `from` (or those the filters select) into `to`,
 * keeping each sample at its index, with the prompt text, what each sample
 * cost to draw (its stored usage) and what its reply holds beyond its text
 * (tool calls, reasoning, …; see `Store.replies`) beside it.
 *
 * Running it again is harmless: samples the target already holds are left
 * alone, and only missing ones are written, each at its source index. An
 * index of the target that holds a different value is never overwritten:
 * such sequences are not touched at all, and after copying the rest,
 * {@linkcode CopyConflictError} lists them. Samples the target holds past a
 * gap (which its readers do not see, see {@linkcode Store.indices}) count
 * too: equal ones are kept and the gap is filled, different ones are
 * conflicts.
 *
 * Every key is checked first (as every store checks keys), so a source that
 * holds a key no store accepts fails the copy before anything is written.
 * A sample that cannot be read (not valid UTF-8, a symbolic link in a cache
 * folder) stops the copy with an error naming it; the sequences copied
 * before it stay copied, and a rerun after the repair copies the rest.
 *
 * @example Copying a cache folder into another
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyStore } from "./copy.ts";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const a = new FsStore(`${dir}/a`);
 * const b = new FsStore(`${dir}/b`);
 * const key = { model: "gpt-4o_1", hash: promptHash("hi") };
 * await a.append(key, { from: 0, samples: ["x", "y"], prompt: "hi" });
 * const result = await copyStore(a, b);
 * assert.equal(result.copied, 2);
 * assert.equal((await b.load(key, 0)).join(), "x,y");
 * assert.equal((await copyStore(a, b)).copied, 0); // idempotent
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param from The store to read.
 * @param to The store to write.
 * @param options Filters and a progress callback.
 * @returns What was copied.
 * @throws {CopyConflictError} When `to` holds other values at some indices.
 * @throws {TypeError} When `from` holds a key no store accepts, or a sample
 * that is not valid UTF-8; or when `concurrency` is not a number.
 * @throws {RangeError} When `concurrency` is not a positive integer.
 */
export async function copyStore(
  from: Store,
  to: Store,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const concurrency = options.concurrency ?? 8;
  assertCount("concurrency", concurrency);
  // Loaded when asked for: a run that only samples never copies.
  const [{ selectSequences }, { copySequence }] = await Promise.all([
    import("./copy_selection.ts"),
    import("./_copy_sequence.ts"),
  ]);
  const work = await selectSequences(from, options);
  const result: CopyResult = { sequences: work.length, copied: 0, present: 0, conflicts: [] };
  let next = 0;
  let done = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < work.length) {
      const item = work[next++]!;
      try {
        await copySequence(from, to, item, result);
      } catch (error) {
        failed = true; // the other workers finish their sequence, then stop
        throw error;
      }
      options.onProgress?.({
        done: ++done,
        total: work.length,
        copied: result.copied,
        key: item.key,
      });
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, work.length) }, worker);
  // Wait for every worker, so that nothing writes after the copy has failed.
  const failure = (await Promise.allSettled(workers)).find((w) => w.status === "rejected");
  if (failure !== undefined) throw failure.reason;
  if (result.conflicts.length > 0) throw new CopyConflictError(result, from.location, to.location);
  return result;
}
