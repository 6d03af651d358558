/**
 * Helpers for async iterators, which the runtime lacks: `first`, `take`
 * (lazy, like Python's `islice`) and `collect`.
 *
 * @module
 */

import { assertLength } from "./validate.ts";

/** Anything `for await` can read, or an iterator itself. */
export type AsyncSource<T> = AsyncIterable<T> | AsyncIterator<T>;

/**
 * The first item of a stream; the stream is closed afterwards.
 *
 * @example
 * ```ts
 * import { first } from "./mod.ts";
 *
 * async function* numbers() {
 *   yield "92";
 *   yield "747";
 * }
 * console.assert(await first(numbers()) === "92");
 * ```
 *
 * @param source A stream of items.
 * @returns Its first item.
 * @throws {RangeError} If the stream is empty.
 */
export async function first<T = string>(source: AsyncSource<T>): Promise<T> {
  const it = iteratorOf(source);
  const result = await it.next();
  await it.return?.();
  if (result.done) {
    throw new RangeError("first() got an empty stream: nothing to return");
  }
  return result.value;
}

/**
 * The first `n` items of a stream, lazily: nothing is read before it is
 * asked for, and the stream is closed after the n-th item.
 *
 * @example Four requests of 10 for 40 samples in batches of 20
 * ```ts
 * import { BufferedModel, take } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   requests = 0;
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     this.requests++;
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Counter("gpt-4o", 1, { maxBatch: 10 });
 * let count = 0;
 * for await (const _ of take(model.sample("prompt", 20), 40)) count++;
 * console.assert(count === 40 && model.requests === 4);
 * ```
 *
 * @param source A stream of items.
 * @param n How many items to yield, a non-negative integer.
 * @returns A stream of at most `n` items.
 */
export function take<T = string>(
  source: AsyncSource<T>,
  n: number,
): AsyncIterableIterator<T> {
  assertLength("n", n);
  return new Take(iteratorOf(source), n);
}

/**
 * The first `n` items of a stream, in an array.
 *
 * @example
 * ```ts
 * import { collect } from "./mod.ts";
 *
 * async function* letters() {
 *   yield* ["a", "b", "c"];
 * }
 * console.assert((await collect(letters(), 2)).join() === "a,b");
 * ```
 *
 * @param source A stream of items.
 * @param n How many items to read, a non-negative integer.
 * @returns The items, fewer than `n` only if the stream ended first.
 */
export async function collect<T = string>(
  source: AsyncSource<T>,
  n: number,
): Promise<T[]> {
  const items: T[] = [];
  for await (const item of take(source, n)) items.push(item);
  return items;
}

function iteratorOf<T>(source: AsyncSource<T>): AsyncIterator<T> {
  if (typeof source === "object" && source !== null) {
    if (Symbol.asyncIterator in source) return source[Symbol.asyncIterator]();
    if (typeof (source as AsyncIterator<T>).next === "function") {
      return source as AsyncIterator<T>;
    }
  }
  throw new TypeError(
    `expected an async iterable or iterator, got ${source === null ? "null" : typeof source}`,
  );
}

// A class rather than an async generator: take() sits in hot loops.
class Take<T> implements AsyncIterableIterator<T> {
  #it: AsyncIterator<T>;
  #left: number;

  constructor(it: AsyncIterator<T>, n: number) {
    this.#it = it;
    this.#left = n;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#left <= 0) {
      return Promise.resolve({ value: undefined, done: true });
    }
    if (--this.#left === 0) {
      return this.#it.next().then(async (result) => {
        await this.#it.return?.();
        return result;
      });
    }
    return this.#it.next();
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.#left > 0) {
      this.#left = 0;
      await this.#it.return?.();
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
