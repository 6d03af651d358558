/**
 * `unique`: the items of a stream whose key has not been seen before.
 *
 * Like every combinator it is lazy (nothing is read before it is asked for)
 * and never closes the stream it reads: closing its result, or breaking out
 * of a `for await` over it, stops it, and the stream continues where it
 * stopped. Concurrent `next()` calls resolve in call order.
 *
 * @module
 */

import type { AsyncSource } from "./async_source.ts";
import { iteratorOf } from "./_reader.ts";
import { assertFunction } from "../internal/validate.ts";

/**
 * The items of a stream whose key has not been seen before: distinct
 * answers. Keys are compared as `Map` keys are (SameValueZero), so a key
 * should be a string or a number. Over an endless stream with few distinct
 * answers, asking for one more than there are waits for ever: bound the
 * stream first, e.g. `unique(take(stream, 20))`.
 *
 * @example Distinct answers, ignoring case and spaces
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, unique } from "../mod.ts";
 *
 * async function* answers() {
 *   yield* ["Paris", " paris", "Lyon", "PARIS "];
 * }
 * const distinct = unique(answers(), (a) => a.trim().toLowerCase());
 * assert.deepEqual(await collect(distinct, 10), ["Paris", "Lyon"]);
 * ```
 *
 * @param source A stream.
 * @param key What makes two items the same (by default, the item itself).
 * @returns The stream of first items of each key.
 */
export function unique<T, K = T>(
  source: AsyncSource<T>,
  key: (item: T) => K = (item) => item as unknown as K,
): AsyncIterableIterator<T> {
  const it = iteratorOf(source, "unique()");
  assertFunction("key", key, "unique()");
  const seen = new Set<K>();
  return (async function* () {
    while (true) {
      const next = await it.next();
      if (next.done) return;
      const k = key(next.value);
      if (seen.has(k)) continue;
      seen.add(k);
      yield next.value;
    }
  })();
}
