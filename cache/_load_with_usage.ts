// How `Persistent` loads a sequence with its usage: a built-in store hands
// its usage records over with the samples, in the same round trip (Deno KV,
// Redis, SQLite), or a reader of them that reads them later, when a figure,
// a manifest or a cache above first asks what the samples cost (the folder
// store: its usage file is a file of its own, which a replay that shows no
// figure never opens). Any other store is asked for its usage at once, since
// only it could say when it can be read.

import type { StoredSamples } from "../core/repeatable_options.ts";
import type { SequenceKey, Store } from "./store.ts";

/**
 * The optional method of the built-in stores: the samples of `key` from
 * `from` on, as `Store.load` reads them, with their usage records (or a
 * reader of them) as `StoredSamples.records`.
 */
export const loadWithUsage: unique symbol = Symbol.for("llm-cache.loadWithUsage");

/** A store with {@linkcode loadWithUsage}. */
export interface LoadsWithUsage {
  [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples>;
}

/** The samples of `key` in `store` from `from` on, with their usage where the store keeps it. */
export async function loadSamples(
  store: Store,
  key: SequenceKey,
  from: number,
): Promise<StoredSamples> {
  const own = (store as Store & Partial<LoadsWithUsage>)[loadWithUsage];
  if (own !== undefined) return await own.call(store, key, from);
  return await withUsage(store, key, from, await store.load(key, from));
}

/** `samples`, stored in `store` at `from` and after, with their usage records, read now. */
export async function withUsage(
  store: Store,
  key: SequenceKey,
  from: number,
  samples: readonly string[],
): Promise<StoredSamples> {
  if (samples.length === 0 || store.usage === undefined) return { samples };
  return { samples, records: await store.usage(key, from) };
}
