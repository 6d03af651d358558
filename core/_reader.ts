// Opening a stream for reading, one piece of code for the stream helpers
// (first, take, collect) and the combinators: an iterator is read as it is
// and left open; any other async iterable is opened by the reader, which then
// owns it (the helpers close what they open, the combinators leave it).

import type { AsyncSource } from "./async_source.ts";
import { describe } from "../internal/validate.ts";

/** An iterator to read, and whether the reader opened it (so it is the reader's to close). */
export type Reader<T> = [iterator: AsyncIterator<T>, owned: boolean];

/**
 * How to read `source`, checked now: the function returned opens it when it
 * is called, so that a lazy reader opens an iterable only when its first item
 * is asked for.
 *
 * @param source An iterator or an async iterable.
 * @param who The call that reads it, for the message, e.g. `take()`.
 */
export function readerOf<T>(source: AsyncSource<T>, who: string): () => Reader<T> {
  if (typeof source === "object" && source !== null) {
    if (typeof (source as AsyncIterator<T>).next === "function") {
      const it = source as AsyncIterator<T>;
      return () => [it, false];
    }
    if (Symbol.asyncIterator in source) {
      return () => [source[Symbol.asyncIterator](), true];
    }
  }
  throw new TypeError(
    `${who} expects an async iterable or iterator, got ${describe(source)}; ` +
      `pass a stream such as model.sample(prompt)`,
  );
}

/**
 * The iterator to read `source` through, opened now, for the combinators:
 * they never close what they read.
 */
export function iteratorOf<T>(source: AsyncSource<T>, who: string): AsyncIterator<T> {
  return readerOf(source, who)()[0];
}
