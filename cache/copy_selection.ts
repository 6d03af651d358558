/**
 * Which sequences `copyStore` copies: every sequence of the source, those
 * the model and prompt filters select, or the slices run manifests name
 * (each sequence from index 0 up to the last index a run served).
 *
 * @module
 */

import { assertSequenceKey } from "./sequence_key.ts";
import { type Manifest, parseManifest } from "./_manifest_json.ts";
import type { SequenceKey, Store } from "./store.ts";

/** One sequence to copy. */
export interface Work {
  readonly key: SequenceKey;
  readonly prompt: string | undefined;
  /** How many samples from index 0 to copy (a manifest's slice); all when absent. */
  readonly slice?: number;
}

/** What selects the sequences: see `CopyOptions`. */
export interface Selection {
  readonly models?: readonly string[] | undefined;
  readonly hashes?: readonly string[] | undefined;
  readonly manifest?: Manifest | readonly Manifest[] | undefined;
}

/**
 * The sequences of `from` that `selection` selects, keys checked (as every
 * store checks keys), with the prompt texts `from` recorded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { selectSequences } from "./copy_selection.ts";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * await store.append({ model: "a_1", hash: promptHash("hi") }, { from: 0, samples: ["x"], prompt: "hi" });
 * await store.append({ model: "b_1", hash: promptHash("hi") }, { from: 0, samples: ["y"], prompt: "hi" });
 * const work = await selectSequences(store, { models: ["b_1"] });
 * assert.deepEqual(work.map((w) => [w.key.model, w.prompt]), [["b_1", "hi"]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function selectSequences(from: Store, selection: Selection): Promise<Work[]> {
  const models = selection.models === undefined ? undefined : new Set(selection.models);
  const hashes = selection.hashes === undefined ? undefined : new Set(selection.hashes);
  if (selection.manifest !== undefined) {
    return await manifestSequences(from, selection.manifest, models, hashes);
  }
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

/**
 * Thrown when the source of a copy holds fewer samples of a sequence than a
 * run manifest names (a store other than the one the run used, or one that
 * lost samples), before anything is copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ShortSourceError } from "./copy_selection.ts";
 *
 * const error = new ShortSourceError({ model: "m_1", hash: "ab" }, 3, 1, "cache");
 * assert(error instanceof RangeError);
 * assert.match(error.message, /names 3 sample\(s\) of m_1 ab, but cache holds 1 there/);
 * ```
 */
export class ShortSourceError extends RangeError {
  /**
   * @param key The sequence.
   * @param named How many samples the manifest names.
   * @param held How many the source holds.
   * @param location The source.
   */
  constructor(key: SequenceKey, named: number, held: number, location: string) {
    super(
      `the manifest names ${named} sample(s) of ${key.model} ${key.hash}, but ${location} ` +
        `holds ${held} there: copy from the store the run used`,
    );
    this.name = "ShortSourceError";
  }
}

/**
 * The sequences the manifests name, with the prompt texts `from` recorded;
 * throws {@linkcode ShortSourceError} when `from` lacks a sample of them.
 */
async function manifestSequences(
  from: Store,
  manifest: Manifest | readonly Manifest[],
  models: Set<string> | undefined,
  hashes: Set<string> | undefined,
): Promise<Work[]> {
  const manifests = [manifest].flat().map(parseManifest);
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
  for (const { key, slice } of work) await assertHolds(from, key, slice!);
  return work;
}

/** Throws unless `from` holds `count` samples of `key` from index 0. */
async function assertHolds(from: Store, key: SequenceKey, count: number): Promise<void> {
  if ((await from.load(key, count - 1)).length > 0) return;
  throw new ShortSourceError(key, count, (await from.load(key, 0)).length, from.location);
}

/**
 * For each sequence kept in a store, how many samples from index 0 the
 * manifests name: up to the last index served (a store's reader stops at the
 * first missing index, so a slice is always a prefix). Entries of caches in
 * memory are left out: their indices are not a store's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseManifest } from "./manifest.ts";
 * import { slicesOf } from "./copy_selection.ts";
 *
 * const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * const m = parseManifest({
 *   format: "llm-cache run manifest",
 *   version: 1,
 *   sequences: [{ model: "m_1", hash, store: "cache", served: [[0, 2], [5, 5]] }],
 * });
 * assert.equal(slicesOf([m]).get("m_1")!.get(hash), 6);
 * ```
 *
 * @returns Model key → prompt hash → count.
 * @throws {TypeError} When the manifests list sequences, none of them in a store.
 */
export function slicesOf(manifests: readonly Manifest[]): Map<string, Map<string, number>> {
  const slices = new Map<string, Map<string, number>>();
  let inMemory = 0;
  for (const { sequences } of manifests) {
    for (const entry of sequences) {
      if (entry.store === null || entry.store === undefined) {
        inMemory++;
        continue;
      }
      const last = entry.served.at(-1)?.[1];
      if (last === undefined) continue;
      let hashes = slices.get(entry.model);
      if (hashes === undefined) slices.set(entry.model, hashes = new Map());
      hashes.set(entry.hash, Math.max(hashes.get(entry.hash) ?? 0, last + 1));
    }
  }
  if (slices.size === 0 && inMemory > 0) {
    throw new TypeError(
      `the manifest lists ${inMemory} sequence(s), all of caches in memory (Repeatable), whose ` +
        `indices are not a store's: write the manifest of a stack with a Persistent cache`,
    );
  }
  return slices;
}
