/**
 * `queryRetry`: sample until a response parses and passes validation.
 *
 * @module
 */

import { Independent } from "../core/independent.ts";
import type { Model } from "../core/model.ts";
import { assertCount, assertFunction, assertPrompt, describe } from "../internal/validate.ts";
import { assertSpec } from "./_spec.ts";
import { parseAwaiting, schemaValue, validateAwaited } from "./_schema.ts";
import { excerptAt, formatIssues } from "./_text.ts";
import type { Attempt, FailedAttempt } from "./attempt.ts";
import { LLMOutputError } from "./llm_output_error.ts";
import { parse } from "./parse.ts";
import { ParseError } from "./parse_error.ts";
import type { OutputSpec } from "./spec.ts";
import { isStandardSchema, type StandardSchemaV1 } from "./standard_schema.ts";

/**
 * A check of a parsed value: `false` or a thrown error fails the attempt
 * (the error's message is the reason), `true` or nothing passes it. It also
 * gets the raw response.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Validator } from "../mod.ts";
 *
 * const isInteger: Validator<string> = (answer) => /^\d+$/.test(answer);
 * assert.equal(isInteger("155", "<answer>155</answer>"), true);
 * ```
 *
 * @typeParam T The parsed value.
 */
export type Validator<T> = (
  value: T,
  response: string,
) => boolean | void | PromiseLike<boolean | void>;

/**
 * Options of {@linkcode queryRetry}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { QueryRetryOptions } from "../mod.ts";
 *
 * const options: QueryRetryOptions<string> = { retries: 3, validate: (s) => s !== "" };
 * assert.equal(options.retries, 3);
 * ```
 *
 * @typeParam T The value the spec parses to.
 */
export interface QueryRetryOptions<T> {
  /**
   * How many attempts in all, as in the Python original (`retries: 3` draws
   * at most three responses).
   * @default {1}
   */
  retries?: number;
  /**
   * A check of the parsed value ({@linkcode Validator}), or a Standard
   * Schema it must pass, whose output becomes the result.
   */
  validate?: Validator<T> | StandardSchemaV1<T, unknown>;
  /**
   * Samples fetched per miss, as in `model.sample(prompt, batch)`: with 3,
   * the first miss asks for three responses in one request, and the next
   * attempts read them (a `Persistent` cache stores all three).
   * @default {1}
   */
  batch?: number;
  /** Called after each attempt, passed or failed, e.g. to collect them for `showAttempts`. */
  onAttempt?: (attempt: Attempt) => void;
}

/**
 * Samples `prompt` until a response parses with `spec` and passes
 * `validate`, and returns the parsed value; after the last attempt it throws
 * {@linkcode LLMOutputError}, listing every attempt's failure.
 *
 * Attempts draw through `new Independent(model)`, as the Python original's
 * `query_retry` does: over a `Persistent` (or `Repeatable`) cache each call
 * reads the sequence from its first item, so a rerun replays exactly the same
 * attempts without a request; over an `Independent` model a call continues
 * where the previous one stopped.
 *
 * Only bad output is retried: an error of the model itself (a
 * `ProviderError`, a `ReplicationCacheMiss`, a budget) is thrown at once, and
 * so is any error of a spec other than a `ParseError`. A value nested too
 * deeply for a schema (in `json(schema)` or `validate`: a recursive schema
 * that runs out of stack) is bad output: its attempt fails.
 *
 * @example A validator, and the attempts it rejected
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Attempt, BufferedModel, queryRetry, tag } from "../mod.ts";
 *
 * class Scripted extends BufferedModel {
 *   #replies = ["Around 150.", "<answer>2 h 35 min</answer>", "<answer>155</answer>"];
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(this.#replies.splice(0, n));
 *   }
 * }
 *
 * const attempts: Attempt[] = [];
 * const minutes = await queryRetry(
 *   new Scripted("scripted", 1),
 *   "How many minutes from 14:35 to 17:10? Answer in <answer> tags.",
 *   tag("answer"),
 *   { retries: 3, validate: (s) => /^\d+$/.test(s), onAttempt: (a) => attempts.push(a) },
 * );
 * assert.equal(minutes, "155");
 * assert.deepEqual(attempts.map((a) => a.ok ? "ok" : a.stage), ["parse", "validate", "ok"]);
 * ```
 *
 * @example A Standard Schema as validate: its output is the result
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, queryRetry, type StandardSchemaV1, tag } from "../mod.ts";
 *
 * class Fixed extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill("<n> 7 </n>"));
 *   }
 * }
 * const integer: StandardSchemaV1<string, number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (v) =>
 *       /^\s*\d+\s*$/.test(String(v)) ? { value: Number(v) } : { issues: [{ message: "not an integer" }] },
 *   },
 * };
 * const n: number = await queryRetry(new Fixed("fixed", 1), "A digit in <n> tags.", tag("n"), {
 *   validate: integer,
 * });
 * assert.equal(n, 7);
 * ```
 *
 * @param model The model to sample; it is read through `Independent`.
 * @param prompt The prompt.
 * @param spec What a response must hold: a spec, or a Standard Schema for the whole text.
 * @param options Attempts, validation, batch size and a per-attempt callback.
 * @returns The first value that parses and passes validation.
 * @throws {LLMOutputError} When every attempt fails.
 */
export function queryRetry<T, U>(
  model: Model,
  prompt: string,
  spec: OutputSpec<T>,
  options: QueryRetryOptions<T> & { validate: StandardSchemaV1<T, U> },
): Promise<U>;
/**
 * Samples `prompt` until a response parses with `spec` and passes
 * `validate` (see the first overload).
 *
 * @param model The model to sample; it is read through `Independent`.
 * @param prompt The prompt.
 * @param spec What a response must hold: a spec, or a Standard Schema for the whole text.
 * @param options Attempts, validation, batch size and a per-attempt callback.
 * @returns The first value that parses and passes validation.
 * @throws {LLMOutputError} When every attempt fails.
 */
export function queryRetry<T>(
  model: Model,
  prompt: string,
  spec: OutputSpec<T>,
  options?: QueryRetryOptions<T> & { validate?: Validator<T> },
): Promise<T>;
export async function queryRetry<T>(
  model: Model,
  prompt: string,
  spec: OutputSpec<T>,
  options: QueryRetryOptions<T> = {},
): Promise<unknown> {
  const { retries = 1, validate, batch = 1, onAttempt } = options;
  const who = "queryRetry()";
  assertPrompt(prompt);
  assertCount("retries", retries, who);
  assertCount("batch", batch, who);
  if (!isStandardSchema(spec)) assertSpec(spec, who);
  if (validate !== undefined && typeof validate !== "function" && !isStandardSchema(validate)) {
    throw new TypeError(
      `${who}: validate must be a function or a Standard Schema, got ${describe(validate)}; ` +
        'pass e.g. (value) => value !== "", or a zod schema',
    );
  }
  if (onAttempt !== undefined) assertFunction("onAttempt", onAttempt, who);
  const failed: FailedAttempt[] = [];
  const stream = new Independent(model).sample(prompt, batch);
  try {
    for (let index = 0; index < retries; index++) {
      const next = await stream.next();
      if (next.done) {
        throw new RangeError(
          `${who} could not draw attempt ${index + 1}: the model's stream for the prompt ended ` +
            `after ${index} samples; sample from a model whose streams are endless, as every ` +
            "built-in model's are",
        );
      }
      const attempt = await judge(index, next.value, spec, validate);
      onAttempt?.(attempt);
      if (attempt.ok) return attempt.value;
      failed.push(attempt);
    }
  } finally {
    await stream.return?.();
  }
  throw new LLMOutputError(failed, {
    model: `${model.alias} @ ${model.temperature}`,
    prompt,
  });
}

/** Parses and validates one response. */
async function judge<T>(
  index: number,
  response: string,
  spec: OutputSpec<T>,
  validate: QueryRetryOptions<T>["validate"],
): Promise<Attempt> {
  const failed = (
    stage: FailedAttempt["stage"],
    reason: string,
    error: unknown,
    offset = 0,
  ): FailedAttempt => ({
    index,
    response,
    ok: false,
    stage,
    reason,
    excerpt: excerptAt(response, offset),
    error,
  });
  let value: unknown;
  try {
    value = isStandardSchema(spec)
      ? schemaValue(spec, response, await validateAwaited(spec, response))
      : await parseAwaiting(() => parse(spec, response));
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return failed("parse", error.message, error, error.offset);
  }
  if (validate === undefined) return { index, response, ok: true, value };
  if (isStandardSchema(validate)) {
    const result = await validateAwaited(validate, value);
    if (result.issues !== undefined) {
      return failed("validate", formatIssues(result.issues), undefined);
    }
    return { index, response, ok: true, value: result.value };
  }
  let verdict: unknown;
  try {
    verdict = await validate(value as T, response);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failed("validate", oneLine(message), error);
  }
  if (verdict === false) return failed("validate", "validate returned false", undefined);
  if (verdict !== true && verdict !== undefined) {
    throw new TypeError(
      `queryRetry(): validate must return true, false or nothing (or throw), got ` +
        `${describe(verdict)}; return a boolean, or throw an error that says what is wrong`,
    );
  }
  return { index, response, ok: true, value };
}

/** `message` with each run of white space that holds a line break made one space. */
function oneLine(message: string): string {
  // Not /\s*\n\s*/: it backtracks over every run of spaces that holds no line break.
  return message.replace(/\s+/g, (space) => space.includes("\n") ? " " : space);
}
