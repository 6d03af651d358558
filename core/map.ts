/**
 * `map`: each item of a stream passed through a function.
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
 * Each item of a stream passed through `fn`, one at a time, in order.
 *
 * @example Parse every sample
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, map } from "../mod.ts";
 *
 * async function* samples() {
 *   yield* ["<a>1</a>", "<a>2</a>"];
 * }
 * const numbers = map(samples(), (s) => Number(s.slice(3, -4)));
 * assert.deepEqual(await collect(numbers, 2), [1, 2]);
 * ```
 *
 * @param source A stream.
 * @param fn The function, given the item and its index in the stream; it may be async.
 * @returns The stream of results.
 */
export function map<T, U>(
  source: AsyncSource<T>,
  fn: (item: T, index: number) => U | PromiseLike<U>,
): AsyncIterableIterator<U> {
  const it = iteratorOf(source, "map()");
  assertFunction("fn", fn, "map()");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done) return;
      yield await fn(next.value, index);
    }
  })();
}
