/**
 * `chunk`: the items of a stream in arrays of a given size.
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
import { assertCount } from "../internal/validate.ts";

/**
 * The items of a stream in arrays of `size` (the last one shorter when the
 * stream ends first).
 *
 * @example Grade samples five at a time
 * ```ts
 * import assert from "node:assert/strict";
 * import { chunk, collect } from "../mod.ts";
 *
 * async function* digits() {
 *   yield* [1, 2, 3, 4, 5, 6, 7];
 * }
 * assert.deepEqual(await collect(chunk(digits(), 3), 10), [[1, 2, 3], [4, 5, 6], [7]]);
 * ```
 *
 * @param source A stream.
 * @param size Items per array, a positive integer.
 * @returns The stream of arrays.
 */
export function chunk<T>(source: AsyncSource<T>, size: number): AsyncIterableIterator<T[]> {
  const it = iteratorOf(source, "chunk()");
  assertCount("size", size, "chunk()");
  return (async function* () {
    while (true) {
      const items: T[] = [];
      while (items.length < size) {
        const next = await it.next();
        if (next.done) {
          if (items.length > 0) yield items;
          return;
        }
        items.push(next.value);
      }
      yield items;
    }
  })();
}
