/**
 * `zip`: tuples of the next item of each of several streams.
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
  const its = sources.map((s, i) => iteratorOf(s, `zip() stream ${i}`));
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
