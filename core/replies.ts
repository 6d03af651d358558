/**
 * `repliesOf`: the whole replies of any model, built in or not.
 *
 * @module
 */

import type { Model } from "./model.ts";
import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";
import { repliesOfStream } from "./_sample_iterator.ts";

/**
 * The replies of `model` for `prompt`: its `replies()` when it has one
 * (every built-in model does), else its `sample()` texts, each a reply with
 * nothing more (`{ text, toolCalls: [] }`). Code that takes any `Model`
 * (one written before `replies` existed included) reads replies this way.
 *
 * @example A model of one's own without `replies`
 * ```ts
 * import assert from "node:assert/strict";
 * import { first, type Model, repliesOf } from "../mod.ts";
 *
 * const echo: Model = {
 *   name: "echo",
 *   temperature: 0,
 *   alias: "echo",
 *   maxBatch: 1,
 *   async *sample(prompt) {
 *     while (true) yield String(prompt);
 *   },
 *   totalQueryTime: () => 0,
 *   totalTokenCount: () => [0, 0],
 * };
 * assert.deepEqual(await first(repliesOf(echo, "hi")), { text: "hi", toolCalls: [] });
 * ```
 *
 * @param model Any model.
 * @param prompt The prompt: a string, or a chat.
 * @param batch As in `Model.sample`.
 * @returns An endless stream of replies, read as `sample()`'s stream is.
 */
export function repliesOf(
  model: Model,
  prompt: Prompt,
  batch?: number,
): AsyncIterableIterator<Reply> {
  if (typeof model.replies === "function") return model.replies(prompt, batch);
  return repliesOfStream(model, model.sample(prompt, batch));
}
