/**
 * Copies sequences from one store into another (filesystem, Deno KV, Redis,
 * in any direction), index for index.
 *
 * @module
 */

import { assertCount } from "../core/_validate.ts";
import { usageAt } from "../core/_usage.ts";
import { assertSequenceKey } from "./_key_path.ts";
import { type Manifest, parseManifest, slicesOf } from "./manifest.ts";
import type { SequenceKey, Store } from "./store.ts";

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
   * names stops the copy with an error.
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
 * keeping each sample at its index, with the prompt text and what each
 * sample cost to draw (its stored usage) beside it.
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
 * await a.append(key, 0, ["x", "y"], "hi");
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
  const work = await listSequences(from, options);
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

interface Work {
  readonly key: SequenceKey;
  readonly prompt: string | undefined;
  /** How many samples from index 0 to copy (a manifest's slice); all when absent. */
  readonly slice?: number;
}

async function listSequences(from: Store, options: CopyOptions): Promise<Work[]> {
  const models = options.models === undefined ? undefined : new Set(options.models);
  const hashes = options.hashes === undefined ? undefined : new Set(options.hashes);
  if (options.manifest !== undefined) return await manifestSequences(from, options, models, hashes);
  const work: Work[] = [];
  for await (const model of from.models()) {
    if (models !== undefined && !models.has(model)) continue;
    for await (const { hash, prompt } of from.prompts(model)) {
      if (hashes !== undefined && !hashes.has(hash)) continue;
      const key = { model, hash };
      assertSequenceKey(key);
      work.push({ key, prompt });
    }
  }
  return work;
}

/** The sequences the manifests name, with the prompt texts `from` recorded. */
async function manifestSequences(
  from: Store,
  options: CopyOptions,
  models: Set<string> | undefined,
  hashes: Set<string> | undefined,
): Promise<Work[]> {
  const manifests = [options.manifest!].flat().map(parseManifest);
  const work: Work[] = [];
  for (const [model, slices] of slicesOf(manifests)) {
    if (models !== undefined && !models.has(model)) continue;
    const prompts = new Map<string, string | undefined>();
    for await (const { hash, prompt } of from.prompts(model)) prompts.set(hash, prompt);
    for (const [hash, slice] of slices) {
      if (hashes === undefined || hashes.has(hash)) {
        work.push({ key: { model, hash }, prompt: prompts.get(hash), slice });
      }
    }
  }
  return work;
}

async function copySequence(from: Store, to: Store, item: Work, result: CopyResult) {
  const { key, prompt, slice } = item;
  const [stored, target] = await Promise.all([from.load(key, 0), to.load(key, 0)]);
  if (slice !== undefined && stored.length < slice) {
    throw new RangeError(
      `the manifest names ${slice} sample(s) of ${key.model} ${key.hash}, but ${from.location} ` +
        `holds ${stored.length} there: copy from the store the run used`,
    );
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
  // What the samples cost to draw goes with them.
  const usage = target.length < source.length && from.usage !== undefined
    ? usageAt(await from.usage(key, target.length), 0, source.length)
    : undefined;
  // Each run of free indices is written where it belongs, around hidden samples.
  for (let start = target.length; start < source.length;) {
    let end = start;
    while (end < source.length && !hidden.has(end)) end++;
    if (end > start) {
      const missing = source.slice(start, end);
      const stored = await to.append(key, start, missing, prompt, usage?.slice(start, end));
      // Another writer may have claimed these indices since the target was read.
      const raced = differences(key, missing, stored, start);
      result.conflicts.push(...raced);
      result.copied += missing.length - raced.length;
    }
    start = end + 1;
  }
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
