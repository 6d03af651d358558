/**
 * The interface every persistent store implements: the filesystem (mnimi
 * layout), Deno KV, Redis and SQLite.
 *
 * @module
 */

import type { SampleUsage, UsageRecord } from "../core/usage.ts";

/** Where one sequence lives: a model key and a prompt hash. */
export interface SequenceKey {
  /** The model key, e.g. `gpt-4o_1` (see `modelKey`). */
  readonly model: string;
  /** The SHA-256 hex digest of the UTF-8 prompt (see `promptHash`). */
  readonly hash: string;
}

/** One stored prompt, as listed by {@linkcode Store.prompts}. */
export interface PromptEntry {
  /** The SHA-256 hex digest of the UTF-8 prompt. */
  readonly hash: string;
  /** The prompt text, when the store recorded it (caches written by Python don't). */
  readonly prompt: string | undefined;
}

/**
 * Durable storage of sequences. Each (model key, prompt hash) holds samples
 * at indices 0, 1, 2, …; an index, once written, holds one value for ever,
 * across processes and machines.
 *
 * @example A store that keeps everything in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PromptEntry, SequenceKey, Store } from "./store.ts";
 *
 * class MemoryStore implements Store {
 *   readonly location = "memory";
 *   #data = new Map<string, { prompt?: string | undefined; samples: string[] }>();
 *   load(key: SequenceKey, from: number): Promise<string[]> {
 *     return Promise.resolve(this.#entry(key).samples.slice(from));
 *   }
 *   append(key: SequenceKey, from: number, samples: readonly string[], prompt?: string) {
 *     const entry = this.#entry(key);
 *     entry.prompt ??= prompt;
 *     entry.samples.push(...samples);
 *     return Promise.resolve(entry.samples.slice(from));
 *   }
 *   async *models(): AsyncIterableIterator<string> {
 *     yield* new Set([...this.#data.keys()].map((k) => k.split("\n")[0]!));
 *   }
 *   async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
 *     for (const [k, v] of this.#data) {
 *       const [m, hash] = k.split("\n");
 *       if (m === model) yield { hash: hash!, prompt: v.prompt };
 *     }
 *   }
 *   close(): Promise<void> {
 *     return Promise.resolve();
 *   }
 *   #entry(key: SequenceKey) {
 *     const k = `${key.model}\n${key.hash}`;
 *     let entry = this.#data.get(k);
 *     if (entry === undefined) this.#data.set(k, entry = { samples: [] });
 *     return entry;
 *   }
 * }
 *
 * const store = new MemoryStore();
 * const key = { model: "gpt-4o_1", hash: "ab" };
 * assert.equal((await store.append(key, 0, ["x", "y"], "p")).join(), "x,y");
 * assert.equal((await store.load(key, 1)).join(), "y");
 * ```
 */
export interface Store {
  /** Where the store is, for messages and displays (never a secret). */
  readonly location: string;
  /**
   * The samples stored at index `from` and after, in index order, up to the
   * first missing index.
   */
  load(key: SequenceKey, from: number): Promise<string[]>;
  /**
   * Stores `samples` at the first free indices at or after `from`, each index
   * claimed atomically (a lost race moves a sample to a later index, never
   * overwrites). Resolves to every sample now stored at `from` and after, in
   * index order, other writers' included.
   *
   * @param prompt The prompt text, recorded beside the samples for inspection.
   * @param usage What each sample cost to draw (`usage[k]` is `samples[k]`'s,
   * `undefined` where unknown): a store that keeps usage records it for the
   * indices the samples landed at (see {@linkcode Store.usage}); others
   * ignore it.
   */
  append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
    usage?: readonly (SampleUsage | undefined)[],
  ): Promise<string[]>;
  /**
   * Optional: stores `samples[k]` at exactly index `from + k`, where that
   * index is free, each index claimed atomically; an index already taken
   * keeps its sample (never overwritten). Resolves to what each of these
   * indices holds afterwards, in order: `samples[k]` where it was free, the
   * sample stored there before where it was not.
   *
   * This is how a cache over a cache (cache slicing, `Persistent(Persistent(m,
   * a), b)`) keeps `a`'s indices in `b` while several writers fill `b` at once:
   * {@linkcode Store.append} would move a sample to a later index. A store
   * without this method can be read by a slice but not written: `Persistent`
   * refuses to draw into it, before anything is paid for. A store whose
   * sequences have no gaps may refuse a `from` beyond its stored samples
   * (`RangeError`); `Persistent` never asks for one.
   *
   * @param prompt The prompt text, recorded beside the samples for inspection.
   * @param usage What each sample cost to draw (`usage[k]` is `samples[k]`'s):
   * recorded, by a store that keeps usage, for the indices placed now only.
   */
  place?(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
    usage?: readonly (SampleUsage | undefined)[],
  ): Promise<string[]>;
  /**
   * Optional: the usage records stored with the sequence's samples, in the
   * order they were stored (see `UsageRecord`); those that cover an index at
   * or after `from`, or all. A sequence stored without usage (by an older
   * version, the Python original) has none. A store without this method
   * keeps no usage.
   */
  usage?(key: SequenceKey, from?: number): Promise<UsageRecord[]>;
  /**
   * Every index that holds a sample, in increasing order, gaps included: what
   * {@linkcode Store.load} cannot see past a missing index. `copyStore` asks
   * for it so that it never writes into a sequence whose hidden samples
   * differ. A store whose sequences cannot have gaps leaves it out.
   */
  indices?(key: SequenceKey): Promise<number[]>;
  /** Every model key in the store. */
  models(): AsyncIterableIterator<string>;
  /** Every prompt stored under `model`. */
  prompts(model: string): AsyncIterableIterator<PromptEntry>;
  /** Releases connections and handles. */
  close(): Promise<void>;
  /**
   * Optional: resolves when the store exists and can be read (`"read"`), or
   * can also be written (`"write"`, which may create a new store, e.g. its
   * folder); rejects with an error that says what is wrong and what to do
   * (the flag to add, a folder that does not exist or is read-only).
   * `Persistent` calls it with `"write"` once, before its first draw, so that
   * no sample is paid for that cannot be kept, and with `"read"` before it
   * reports a replication miss. A store without it is assumed usable.
   */
  checkAccess?(mode: "read" | "write"): Promise<void>;
}
