/**
 * `LLMOutputError`: no attempt gave usable output.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import type { Prompt } from "../core/prompt.ts";
import { chatOf, promptPreview } from "../core/prompt_preview.ts";
import type { FailedAttempt } from "./attempt.ts";

/**
 * Where the failed attempts came from, for the message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LLMOutputError, type LLMOutputErrorContext } from "../mod.ts";
 *
 * const context: LLMOutputErrorContext = { model: "gpt-4o @ 1", prompt: "Say yes." };
 * const error = new LLMOutputError([{
 *   index: 0,
 *   response: "No.",
 *   ok: false,
 *   stage: "validate",
 *   reason: "validate returned false",
 *   excerpt: "No.",
 *   error: undefined,
 * }], context);
 * assert.match(error.message, /^no valid output in 1 attempt \(model gpt-4o @ 1, prompt "Say yes\."\)/);
 * ```
 */
export interface LLMOutputErrorContext {
  /** The model, e.g. `gpt-4o @ 1`. */
  model?: string;
  /**
   * The prompt; the message shows a string's first 40 characters, a chat's
   * preview (what it holds, its first and last turns).
   */
  prompt?: Prompt;
}

const LISTED = 10;

/**
 * Every attempt of {@linkcode queryRetry} failed to parse or to pass
 * validation. The message lists each attempt's reason (the first ten when
 * there are more); {@linkcode LLMOutputError.attempts} holds them all, and
 * `cause` is the last attempt's error.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, LLMOutputError, queryRetry, tag } from "../mod.ts";
 *
 * class Vague extends BufferedModel {
 *   #replies = ["I am not sure.", "<answer>maybe</answer>"];
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(this.#replies.splice(0, n));
 *   }
 * }
 *
 * const failure = await queryRetry(new Vague("vague", 1), "Yes or no?", tag("answer"), {
 *   retries: 2,
 *   validate: (answer) => answer === "yes" || answer === "no",
 * }).catch((error) => error);
 * assert.ok(failure instanceof LLMOutputError);
 * assert.deepEqual(failure.attempts.map((a) => a.stage), ["parse", "validate"]);
 * assert.match(failure.message, /attempt 1 \(validate\): validate returned false/);
 * ```
 */
export class LLMOutputError extends Error {
  /** Every failed attempt, in order. */
  readonly attempts: readonly FailedAttempt[];

  /**
   * Makes the error from the failed attempts.
   *
   * @param attempts The attempts, in order (at least one).
   * @param context The model and prompt, for the message.
   */
  constructor(attempts: readonly FailedAttempt[], context: LLMOutputErrorContext = {}) {
    const about = [
      context.model === undefined ? "" : `model ${context.model}`,
      context.prompt === undefined ? "" : `prompt ${promptShown(context.prompt)}`,
    ].filter((s) => s !== "").join(", ");
    const count = attempts.length === 1 ? "1 attempt" : `${attempts.length} attempts`;
    const shown = attempts.length > LISTED ? attempts.slice(0, LISTED - 1) : attempts;
    const lines = shown.map((a) =>
      `  attempt ${a.index} (${a.stage}): ${a.reason}` +
      (a.stage === "validate" ? ` (response: ${JSON.stringify(a.excerpt)})` : "")
    );
    if (shown.length < attempts.length) {
      lines.push(`  … and ${attempts.length - shown.length} more (error.attempts holds them all)`);
    }
    super(
      `no valid output in ${count}${about === "" ? "" : ` (${about})`}:\n${lines.join("\n")}\n` +
        "Ask for the format more plainly in the prompt, or allow more attempts (retries).",
      { cause: attempts.at(-1)?.error },
    );
    this.name = "LLMOutputError";
    this.attempts = attempts;
  }
}

/** A prompt in the message: a string quoted (its start), a chat by its preview. */
function promptShown(prompt: Prompt): string {
  if (typeof prompt === "string") return describe(prompt);
  return chatOf(prompt) === undefined
    ? describe(promptPreview(prompt, Infinity))
    : promptPreview(prompt, 80);
}
