/**
 * `interleave`: the items of several streams in turn.
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
  const its = sources.map((s, i) => iteratorOf(s, `interleave() stream ${i}`));
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
