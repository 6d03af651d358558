/**
 * What one attempt of {@linkcode queryRetry} drew and made of it.
 *
 * @module
 */

import type { Prompt } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";

/**
 * An attempt whose response parsed and passed validation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PassedAttempt } from "../mod.ts";
 *
 * const attempt: PassedAttempt = { index: 1, response: "<a>1</a>", ok: true, value: "1" };
 * assert.ok(attempt.ok);
 * ```
 */
export interface PassedAttempt {
  /** The attempt's number, from 0. */
  readonly index: number;
  /** The model's response, exactly: the reply's text. */
  readonly response: string;
  /**
   * The whole reply (its tool calls, reasoning, finish reason), as
   * `queryRetry` drew it.
   * @default {undefined, for an attempt made by hand}
   */
  readonly reply?: Reply | undefined;
  /**
   * The prompt the attempt was drawn for: with `repair`, the chat that told
   * the model what was wrong with the attempts before.
   * @default {undefined, for an attempt made by hand}
   */
  readonly prompt?: Prompt | undefined;
  /** It passed. */
  readonly ok: true;
  /** The parsed (and, with a schema as `validate`, transformed) value. */
  readonly value: unknown;
}

/**
 * An attempt whose response failed to parse or to pass validation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FailedAttempt, LLMOutputError, queryRetry, tag } from "../mod.ts";
 * import { BufferedModel } from "../mod.ts";
 *
 * class Chatty extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill("It is 42."));
 *   }
 * }
 *
 * try {
 *   await queryRetry(new Chatty("chatty", 1), "Answer in <answer> tags.", tag("answer"));
 *   assert.fail("no attempt can pass");
 * } catch (error) {
 *   assert.ok(error instanceof LLMOutputError);
 *   const attempt: FailedAttempt = error.attempts[0]!;
 *   assert.equal(attempt.stage, "parse");
 *   assert.equal(attempt.excerpt, "It is 42.");
 * }
 * ```
 */
export interface FailedAttempt {
  /** The attempt's number, from 0. */
  readonly index: number;
  /** The model's response, exactly: the reply's text. */
  readonly response: string;
  /**
   * The whole reply (its tool calls, reasoning, finish reason), as
   * `queryRetry` drew it.
   * @default {undefined, for an attempt made by hand}
   */
  readonly reply?: Reply | undefined;
  /**
   * The prompt the attempt was drawn for: with `repair`, the chat that told
   * the model what was wrong with the attempts before.
   * @default {undefined, for an attempt made by hand}
   */
  readonly prompt?: Prompt | undefined;
  /** It failed. */
  readonly ok: false;
  /** What failed: parsing the response, or validating the parsed value. */
  readonly stage: "parse" | "validate";
  /** Why, on one line. */
  readonly reason: string;
  /**
   * Up to 40 characters of the response where it went wrong (from its start
   * for validation; of the call's arguments for a tool call's JSON).
   */
  readonly excerpt: string;
  /** The error behind the failure: a `ParseError`, what `validate` threw, or undefined. */
  readonly error: unknown;
}

/**
 * One attempt of {@linkcode queryRetry}: passed or failed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Attempt } from "../mod.ts";
 *
 * const attempts: Attempt[] = [];
 * attempts.push({ index: 0, response: "42", ok: true, value: 42 });
 * assert.equal(attempts.filter((a) => a.ok).length, 1);
 * ```
 */
export type Attempt = PassedAttempt | FailedAttempt;
