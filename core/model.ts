/**
 * The one interface every model, provider and cache decorator implements.
 *
 * @module
 */

import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";

/**
 * A language model seen as an endless stream of samples per prompt (its
 * replies, whole, through `replies`).
 *
 * What a *call* of {@linkcode Model.sample} means depends on the model: a
 * provider draws fresh samples, `Repeatable` and `Persistent` replay one
 * sequence, `Independent` continues where the previous call stopped.
 *
 * @example Implementing a model by hand
 * ```ts
 * import assert from "node:assert/strict";
 * import { first, type Model } from "../mod.ts";
 *
 * class Echo implements Model {
 *   readonly name = "echo";
 *   readonly temperature = 0;
 *   readonly alias = "echo";
 *   readonly maxBatch = 1;
 *   async *sample(prompt: string): AsyncIterableIterator<string> {
 *     while (true) yield prompt;
 *   }
 *   totalQueryTime(): number {
 *     return 0;
 *   }
 *   totalTokenCount(): [number, number] {
 *     return [0, 0];
 *   }
 * }
 *
 * assert.equal(await first(new Echo().sample("hi")), "hi");
 * ```
 */
export interface Model {
  /** The provider's model name, sent in requests. */
  readonly name: string;
  /** Sampling temperature. */
  readonly temperature: number;
  /** The name used in cache keys; defaults to {@linkcode Model.name}. */
  readonly alias: string;
  /** The largest number of samples one request may ask for. */
  readonly maxBatch: number;
  /**
   * Generation options other than temperature that change the output (system
   * prompt, max tokens, stop, seed, …). They become part of the cache key, so
   * that two configurations never share a sequence. Absent or empty means
   * none, and the key is exactly the Python original's.
   */
  readonly keyOptions?: Readonly<Record<string, unknown>> | undefined;
  /**
   * An endless stream of samples for `prompt`. Reading it with `first`,
   * `take` or `collect` leaves it open, so a second read continues where the
   * first stopped; its `return()` (or a `break` out of a `for await` over it)
   * closes it, and a built-in model's stream then throws when read again.
   *
   * @param prompt The prompt: a string, or a chat (a string is the same
   * prompt as a chat of one user message holding it).
   * @param batch How many samples to fetch per miss; a hint for efficiency
   * that never changes which value sits at which index.
   */
  sample(prompt: Prompt, batch?: number): AsyncIterableIterator<string>;
  /**
   * Optional: the same stream as {@linkcode Model.sample}, of whole replies:
   * the i-th reply is the i-th sample (its `text`), with what else the
   * model answered (tool calls, reasoning, the finish reason, …). Every
   * built-in model has it; a model without it is read through `sample()`,
   * each text a reply with nothing more (`repliesOf` does so). A model
   * above reads a model through it when it has one.
   *
   * @param prompt The prompt: a string, or a chat.
   * @param batch As in {@linkcode Model.sample}.
   */
  replies?(prompt: Prompt, batch?: number): AsyncIterableIterator<Reply>;
  /** Seconds spent waiting for the provider, summed over requests. */
  totalQueryTime(): number;
  /** Tokens used so far, as `[prompt, completion]`. */
  totalTokenCount(): [number, number];
}
