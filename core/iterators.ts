/**
 * Helpers for async iterators, which the runtime lacks: `first` (like
 * Python's `next`), `take` (lazy, like Python's `islice`) and `collect`.
 *
 * None of them closes the stream it reads: a second call continues where the
 * first stopped. Only the stream's own `return()` (or a `for await` loop over
 * the stream itself that breaks) closes it. An iterable that is not an
 * iterator is opened anew by each call, which closes it when done.
 *
 * @module
 */

import type { AsyncSource } from "./async_source.ts";
import { type Reader, readerOf } from "./_reader.ts";
import { assertLength } from "../internal/validate.ts";

// What the helpers read; re-exported for the modules that import it from here.
export type { AsyncSource };

/**
 * The next item of a stream, like Python's `next()`: the stream stays open,
 * and the following call returns the item after it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { first } from "../mod.ts";
 *
 * async function* numbers() {
 *   yield "92";
 *   yield "747";
 * }
 * const stream = numbers();
 * assert.equal(await first(stream), "92");
 * assert.equal(await first(stream), "747"); // continues where the first call stopped
 * ```
 *
 * @param source A stream of items.
 * @returns Its next item.
 * @throws {RangeError} If the stream has ended (it was empty or all read, or
 * it was a generator that a `break` or `return()` closed).
 */
export async function first<T = string>(source: AsyncSource<T>): Promise<T> {
  const [it, owned] = readerOf(source, "first()")();
  let result: IteratorResult<T>;
  try {
    result = await it.next();
  } finally {
    if (owned) await it.return?.();
  }
  if (result.done) {
    throw new RangeError(
      "first() got a stream that has ended, so there is no item to return (it was empty or " +
        "read to its end, or a break or return() closed it); read a fresh stream, e.g. model.sample(prompt), " +
        "or use collect(stream, 1), which returns [] at the end",
    );
  }
  return result.value;
}

/**
 * The next `n` items of a stream, lazily, like Python's `islice`: nothing is
 * read before it is asked for, and the stream is left open, so that reading
 * it again continues after the n-th item. Breaking out of a `for await` loop
 * over `take(stream, n)` does not close `stream` either.
 *
 * @example Four requests of 10 for 40 samples in batches of 20
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, take } from "../mod.ts";
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
 * const stream = model.sample("prompt", 20);
 * let count = 0;
 * for await (const _ of take(stream, 40)) count++;
 * assert.equal(count, 40);
 * assert.equal(model.requests, 4);
 * assert.deepEqual(await collect(take(stream, 2), 5), ["40", "41"]); // still open
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
  assertLength("n", n, "take()");
  return new Take(readerOf(source, "take()"), n);
}

/**
 * The next `n` items of a stream, in an array; the stream is left open, so a
 * second call continues where the first stopped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { collect } from "../mod.ts";
 *
 * async function* letters() {
 *   yield* ["a", "b", "c"];
 * }
 * const stream = letters();
 * assert.deepEqual(await collect(stream, 2), ["a", "b"]);
 * assert.deepEqual(await collect(stream, 2), ["c"]); // the stream ended after "c"
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
  assertLength("n", n, "collect()");
  const items: T[] = [];
  for await (const item of new Take(readerOf(source, "collect()"), n)) items.push(item);
  return items;
}

// A class rather than an async generator: take() sits in hot loops.
class Take<T> implements AsyncIterableIterator<T> {
  #open: (() => Reader<T>) | undefined;
  #it: AsyncIterator<T> | undefined;
  #left: number;
  // Whether take() opened the iterator; one it was given belongs to the caller.
  #owned = false;

  constructor(open: () => Reader<T>, n: number) {
    this.#open = open;
    this.#left = n;
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#left <= 0) {
      return Promise.resolve({ value: undefined, done: true });
    }
    const it = this.#it ?? this.#start();
    if (--this.#left === 0 && this.#owned) {
      return it.next().then(async (result) => {
        await it.return?.();
        return result;
      });
    }
    return it.next();
  }

  async return(): Promise<IteratorResult<T>> {
    if (this.#left > 0) {
      this.#left = 0;
      if (this.#owned) await this.#it?.return?.();
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #start(): AsyncIterator<T> {
    const [it, owned] = this.#open!();
    this.#open = undefined;
    this.#it = it;
    this.#owned = owned;
    return it;
  }
}
