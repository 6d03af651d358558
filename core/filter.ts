/**
 * `filter`: the items of a stream that pass a test.
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
 * The items of a stream that satisfy `predicate`.
 *
 * @example Keep the answers that parse
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, filter } from "../mod.ts";
 *
 * async function* samples() {
 *   yield* ["42", "I don't know", "41"];
 * }
 * const numeric = filter(samples(), (s) => /^\d+$/.test(s));
 * assert.deepEqual(await collect(numeric, 2), ["42", "41"]);
 * ```
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index in the stream; it may be async.
 * @returns The stream of items that pass.
 */
export function filter<T, S extends T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => item is S,
): AsyncIterableIterator<S>;
/**
 * The items of a stream that satisfy `predicate` (see the type-guard overload).
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index in the stream; it may be async.
 * @returns The stream of items that pass.
 */
export function filter<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
): AsyncIterableIterator<T>;
export function filter<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
): AsyncIterableIterator<T> {
  const it = iteratorOf(source, "filter()");
  assertFunction("predicate", predicate, "filter()");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done) return;
      if (await predicate(next.value, index)) yield next.value;
    }
  })();
}
