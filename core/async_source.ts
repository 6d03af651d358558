/**
 * `AsyncSource`: what the stream helpers (`first`, `take`, `collect`) and the
 * combinators (`map`, `filter`, …) read.
 *
 * @module
 */

/**
 * Anything `for await` can read, or an iterator itself. An iterator (an
 * object with `next()`, such as every `model.sample()` stream) is read and
 * left open; any other iterable is opened anew by each call that reads it.
 *
 * @example A model's stream and an array's async iterable are both sources
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect } from "../mod.ts";
 * import type { AsyncSource } from "../core/engine.ts";
 *
 * async function* numbers() {
 *   yield* [1, 2, 3];
 * }
 * const stream: AsyncSource<number> = numbers();
 * assert.deepEqual(await collect(stream, 2), [1, 2]);
 * assert.deepEqual(await collect(stream, 2), [3]); // an iterator is left open
 * ```
 */
export type AsyncSource<T> = AsyncIterable<T> | AsyncIterator<T>;
