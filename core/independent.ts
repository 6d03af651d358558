/**
 * `Independent`: no two calls of `sample(p)` share an item.
 *
 * @module
 */

import { Decorator } from "./decorator.ts";
import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";
import { promptKey, promptToSend } from "./_prompt_key.ts";
import { SampleIterator } from "./_sample_iterator.ts";
import { feedOf } from "./_source.ts";
import type { Reader } from "./_pull.ts";
import { assertCount } from "../internal/validate.ts";

/**
 * Every call of `sample(p)` continues where the previous call for `p`
 * stopped: one shared cursor per prompt over the inner model's sequence, so
 * concurrent and successive streams never receive the same item and skip
 * none. Over a provider it behaves as the provider itself, and
 * `Independent(Independent(m))` behaves as `Independent(m)`.
 *
 * @example Independent over Repeatable still reads the cached values
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Independent, Repeatable } from "../mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const repeatable = new Repeatable(new Counter("counter", 1));
 * await first(repeatable.sample("p")); // "0" is now cached
 * const model = new Independent(repeatable);
 * assert.equal(await first(model.sample("p")), "0");
 * assert.equal(await first(model.sample("p")), "1");
 * ```
 */
export class Independent extends Decorator {
  #readers = new Map<string, Reader>();

  /**
   * A stream that continues the prompt's shared cursor.
   *
   * @param prompt The prompt: a string, or a chat (one cursor per canonical
   * text, see `promptText`).
   * @param batch How many samples a miss fetches at once.
   */
  sample(prompt: Prompt, batch = 1): AsyncIterableIterator<string> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator(this.#reader(key, prompt, batch), batch);
  }

  /**
   * The replies of the prompt's shared cursor: each position goes to one
   * caller, whether it reads texts or replies, so that no two calls of
   * `sample` or `replies` share an item. Over a cache, agent episodes that
   * ask one chat are independent draws, and a rerun replays every
   * trajectory; episodes whose conversations are identical up to a step are
   * interchangeable there, so which of them gets which continuation follows
   * the order in which they ask (the set of trajectories is the same).
   *
   * @param prompt The prompt: a string, or a chat.
   * @param batch How many samples a miss fetches at once.
   */
  override replies(prompt: Prompt, batch = 1): AsyncIterableIterator<Reply> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator<Reply>(this.#reader(key, prompt, batch), batch, true);
  }

  /** The prompt's shared cursor: what the inner model's stream reads, found on first use. */
  #reader(key: string, prompt: Prompt, batch: number): Reader {
    let reader = this.#readers.get(key);
    if (reader === undefined) {
      reader = feedOf(this.inner, promptToSend(prompt), batch).reader();
      this.#readers.set(key, reader);
    }
    return reader;
  }
}
