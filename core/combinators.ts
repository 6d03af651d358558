/**
 * Combinators for sample streams: `map`, `filter`, `find`, `takeWhile`,
 * `unique`, `zip`, `interleave` and `chunk`.
 *
 * Like `take`, they are lazy (nothing is read before it is asked for) and
 * they never close a stream they read: closing a combinator's stream, or
 * breaking out of a `for await` over it, stops the combinator, and the
 * stream it read continues where it stopped. Concurrent `next()` calls
 * resolve in call order.
 *
 * @module
 */

import type { AsyncSource } from "./iterators.ts";
import { assertCount, assertLength, describe } from "./_validate.ts";

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
  const it = iteratorOf(source, "map");
  assertFunction(fn, "map", "fn");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done) return;
      yield await fn(next.value, index);
    }
  })();
}

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
  const it = iteratorOf(source, "filter");
  assertFunction(predicate, "filter", "predicate");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done) return;
      if (await predicate(next.value, index)) yield next.value;
    }
  })();
}

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
  const it = iteratorOf(source, "find");
  assertFunction(predicate, "find", "predicate");
  const { limit = Infinity } = options;
  if (limit !== Infinity) assertLength("limit", limit);
  for (let index = 0; index < limit; index++) {
    const next = await it.next();
    if (next.done) return undefined;
    if (await predicate(next.value, index)) return next.value;
  }
  return undefined;
}

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
  const it = iteratorOf(source, "takeWhile");
  assertFunction(predicate, "takeWhile", "predicate");
  return (async function* () {
    for (let index = 0;; index++) {
      const next = await it.next();
      if (next.done || !(await predicate(next.value, index))) return;
      yield next.value;
    }
  })();
}

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
  const it = iteratorOf(source, "unique");
  assertFunction(key, "unique", "key");
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

/**
 * Tuples of the next item of each stream, read concurrently (so samples of
 * several models or prompts arrive in the time of the slowest). It ends when
 * any stream ends; the items the others gave for that last tuple are lost.
 *
 * @example Two models side by side
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, zip } from "../mod.ts";
 *
 * async function* a() {
 *   yield* ["a1", "a2", "a3"];
 * }
 * async function* b() {
 *   yield* [1, 2];
 * }
 * const pairs: [string, number][] = await collect(zip(a(), b()), 10);
 * assert.deepEqual(pairs, [["a1", 1], ["a2", 2]]);
 * ```
 *
 * @param sources The streams.
 * @returns The stream of tuples, one item of each stream.
 */
export function zip<const S extends readonly AsyncSource<unknown>[]>(
  ...sources: S
): AsyncIterableIterator<
  { -readonly [K in keyof S]: S[K] extends AsyncSource<infer T> ? T : never }
> {
  const its = sources.map((s, i) => iteratorOf(s, `zip (stream ${i})`));
  return (async function* () {
    if (its.length === 0) return;
    while (true) {
      const nexts = await Promise.all(its.map((it) => it.next()));
      if (nexts.some((n) => n.done)) return;
      yield nexts.map((n) => n.value) as {
        -readonly [K in keyof S]: S[K] extends AsyncSource<infer T> ? T : never;
      };
    }
  })();
}

/**
 * The items of several streams in turn: the first of each, then the second
 * of each, and so on; a stream that ends drops out and the others go on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect, interleave } from "../mod.ts";
 *
 * async function* a() {
 *   yield* ["a1", "a2", "a3"];
 * }
 * async function* b() {
 *   yield* ["b1"];
 * }
 * assert.deepEqual(await collect(interleave(a(), b()), 10), ["a1", "b1", "a2", "a3"]);
 * ```
 *
 * @param sources The streams.
 * @returns The stream of their items, in turn.
 */
export function interleave<const S extends readonly AsyncSource<unknown>[]>(
  ...sources: S
): AsyncIterableIterator<S[number] extends AsyncSource<infer T> ? T : never> {
  const its = sources.map((s, i) => iteratorOf(s, `interleave (stream ${i})`));
  return (async function* () {
    const live = [...its];
    let i = 0;
    while (live.length > 0) {
      const next = await live[i]!.next();
      if (next.done) {
        live.splice(i, 1);
      } else {
        yield next.value as S[number] extends AsyncSource<infer T> ? T : never;
        i++;
      }
      if (i >= live.length) i = 0;
    }
  })();
}

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
  const it = iteratorOf(source, "chunk");
  assertCount("size", size);
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

function iteratorOf<T>(source: AsyncSource<T>, where: string): AsyncIterator<T> {
  if (typeof source === "object" && source !== null) {
    if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
    if (typeof (source as AsyncIterator<T>).next === "function") return source as AsyncIterator<T>;
  }
  throw new TypeError(
    `${where} expects an async iterable or iterator (e.g. model.sample(prompt)), ` +
      `got ${describe(source)}`,
  );
}

function assertFunction(fn: unknown, where: string, name: string): void {
  if (typeof fn !== "function") {
    throw new TypeError(`${where}: ${name} must be a function, got ${describe(fn)}`);
  }
}
