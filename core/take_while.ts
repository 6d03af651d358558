/**
 * `takeWhile`: the items of a stream up to the first that fails a test.
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
 * The items of a stream up to the first one that fails `predicate`. That
 * item is read to be tested, so the stream continues after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, takeWhile } from "../mod.ts";
 *
 * async function* scores() {
 *   yield* [0.9, 0.8, 0.3, 0.95];
 * }
 * assert.deepEqual(await collect(takeWhile(scores(), (s) => s > 0.5), 10), [0.9, 0.8]);
 * ```
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index; it may be async.
 * @returns The stream of items before the first that fails.
 */
export function takeWhile<T, S extends T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => item is S,
): AsyncIterableIterator<S>;
/**
 * The items of a stream up to the first one that fails `predicate` (see the
 * type-guard overload).
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index; it may be async.
 * @returns The stream of items before the first that fails.
 */
export function takeWhile<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
): AsyncIterableIterator<T>;
export function takeWhile<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
): AsyncIterableIterator<T> {
  const it = iteratorOf(source, "takeWhile()");
  assertFunction("predicate", predicate, "takeWhile()");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done || !(await predicate(next.value, index))) return;
      yield next.value;
    }
  })();
}
