/**
 * `find`: the first item of a stream that passes a test, reading at most
 * `limit` items (the retry pattern in one call).
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
import { assertFunction, assertLengthOrInfinity } from "../internal/validate.ts";

/**
 * Options of {@linkcode find}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { find, type FindOptions } from "../mod.ts";
 *
 * async function* wrong() {
 *   while (true) yield "wrong";
 * }
 * const options: FindOptions = { limit: 3 };
 * assert.equal(await find(wrong(), (s) => s === "right", options), undefined);
 * ```
 */
export interface FindOptions {
  /**
   * Give up after reading this many items; a sample stream is endless, so
   * without a limit `find` waits for as long as nothing passes.
   * @default {Infinity}
   */
  limit?: number;
}

/**
 * The first item of a stream that satisfies `predicate`, reading at most
 * `limit` items: the retry pattern in one call. Over `new Independent(model)`
 * every item is a fresh attempt, and over a `Persistent` cache a rerun finds
 * the same item. The stream stays open: a second call continues after the
 * item found.
 *
 * @example Retry until an answer passes, at most five times
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, find, Independent } from "../mod.ts";
 *
 * class Guesser extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Independent(new Guesser("guesser", 1));
 * const even = (s: string) => Number(s) > 0 && Number(s) % 2 === 0;
 * assert.equal(await find(model.sample("a positive even number"), even, { limit: 5 }), "2");
 * assert.equal(await find(model.sample("x"), () => false, { limit: 3 }), undefined);
 * ```
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index; it may be async.
 * @param options How many items to read at most.
 * @returns The item, or `undefined` when none of the items read passes or the stream ends.
 */
export function find<T, S extends T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => item is S,
  options?: FindOptions,
): Promise<S | undefined>;
/**
 * The first item of a stream that satisfies `predicate` (see the type-guard overload).
 *
 * @param source A stream.
 * @param predicate The test, given the item and its index; it may be async.
 * @param options How many items to read at most.
 * @returns The item, or `undefined` when none of the items read passes or the stream ends.
 */
export function find<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
  options?: FindOptions,
): Promise<T | undefined>;
export async function find<T>(
  source: AsyncSource<T>,
  predicate: (item: T, index: number) => unknown,
  options: FindOptions = {},
): Promise<T | undefined> {
  const it = iteratorOf(source, "find()");
  assertFunction("predicate", predicate, "find()");
  const { limit = Infinity } = options;
  assertLengthOrInfinity("limit", limit, "find()");
  for (let index = 0; index < limit; index++) {
    const next = await it.next();
    if (next.done) return undefined;
    if (await predicate(next.value, index)) return next.value;
  }
  return undefined;
}
