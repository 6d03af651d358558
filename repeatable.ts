/**
 * `Repeatable`: every call of `sample(p)` replays the same sequence.
 *
 * @module
 */

import { CachedModel } from "./cached_model.ts";
import type { Model } from "./model.ts";

/**
 * An in-memory cache: the i-th item of every call's sequence for a prompt is
 * always the same value. Missing items are fresh, independent draws from the
 * inner model, so the items within one sequence stay independent of each
 * other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable, take } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("counter", 1));
 * const prompt = "Choose a number between 1 and 1000.";
 * assert.equal(await first(model.sample(prompt)), "0");
 * assert.equal(await first(model.sample(prompt)), "0"); // same result
 * const two: string[] = [];
 * for await (const s of take(model.sample(prompt), 2)) two.push(s);
 * assert.equal(two.join(), "0,1"); // independent within the sequence
 * ```
 */
export class Repeatable extends CachedModel {
  /**
   * Wraps `inner` in an in-memory cache.
   *
   * @param inner The model to draw fresh samples from.
   */
  constructor(inner: Model) {
    super(inner);
  }
}
