/**
 * `queryRetry`: sample until a response parses and passes validation.
 *
 * @module
 */

import { Independent } from "../core/independent.ts";
import type { Model } from "../core/model.ts";
import { assertPrompt, type Chat, type Prompt } from "../core/prompt.ts";
import { messageOf, type Reply } from "../core/reply.ts";
import { repliesOf } from "../core/replies.ts";
import { assertCount, assertFunction, describe } from "../internal/validate.ts";
import { assertSpec, isReplySpec } from "./_spec.ts";
import { parseAwaiting, schemaValue, validateAwaited } from "./_schema.ts";
import { excerptAt, formatIssues } from "./_text.ts";
import type { Attempt, FailedAttempt } from "./attempt.ts";
import { LLMOutputError } from "./llm_output_error.ts";
import { parse } from "./parse.ts";
import { ParseError } from "./parse_error.ts";
import type { OutputSpec, ReplySpec } from "./spec.ts";
import { isStandardSchema, type StandardSchemaV1 } from "./standard_schema.ts";

/**
 * A check of a parsed value: `false` or a thrown error fails the attempt
 * (the error's message is the reason), `true` or nothing passes it. It also
 * gets the raw response (the reply's text).
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
  /**
   * Tell the model what was wrong. After a failed attempt, the next one is
   * drawn for the conversation so far followed by the failed reply (an
   * assistant turn) and what was wrong with it: a user turn, or, when the
   * reply called tools, each call's result (a `tool` turn, as APIs require
   * after calls). `true` words it as
   * `Your reply could not be used: <reason>. Answer again, in the format
   * asked for.` (`The call could not be used: <reason>. Call the tool
   * again with valid arguments.` as a tool's result); a function gives the
   * words for a failed attempt. A string prompt is the chat of one user
   * message, the same prompt. Each follow-up is another prompt, drawn once
   * through the same `Independent` as the first: attempts stay independent
   * samples, and over a `Persistent` cache a rerun replays every one of them
   * without a request. `batch` must then be 1: each follow-up is asked once.
   * @default {false}
   */
  repair?: boolean | ((attempt: FailedAttempt) => string);
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
 * The prompt may be a chat, and the spec a {@linkcode ReplySpec}
 * (`json(schema, { from: "toolCall", name })`), which reads a tool call's
 * arguments: attempts are then drawn as whole replies (`repliesOf`), and
 * each attempt holds its reply.
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
 * @example Repair: a tool call's arguments, checked, and the model told what was wrong
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Attempt, BufferedModel, type Chat, json, type Prompt, queryRetry } from "../mod.ts";
 * import type { QueryResult } from "../core/engine.ts";
 *
 * // Answers with a call of "record": without the year at first, with it once told.
 * class Recorder extends BufferedModel {
 *   protected query(prompt: Prompt, n: number): Promise<QueryResult> {
 *     const told = typeof prompt !== "string" && prompt.messages.some((m) => m.role === "tool");
 *     const args = told ? '{"title":"Attention","year":2017}' : '{"title":"Attention"}';
 *     const samples = Array.from({ length: n }, () => ({
 *       text: "",
 *       toolCalls: [{ id: told ? "c2" : "c1", name: "record", arguments: args }],
 *     }));
 *     return Promise.resolve({ samples });
 *   }
 * }
 *
 * const chat: Chat = {
 *   tools: [{ name: "record", parameters: { type: "object" } }],
 *   messages: [{ role: "user", content: "Record the paper that introduced the Transformer." }],
 * };
 * const attempts: Attempt[] = [];
 * const paper = await queryRetry(new Recorder("recorder", 0), chat, json(undefined, { from: "toolCall", name: "record" }), {
 *   retries: 2,
 *   repair: true,
 *   validate: (value) => {
 *     if (typeof (value as { year?: unknown }).year !== "number") throw new Error("the year is missing");
 *   },
 *   onAttempt: (a) => attempts.push(a),
 * });
 * assert.deepEqual(paper, { title: "Attention", year: 2017 });
 * // The second attempt was asked with the first call and its result: what was wrong.
 * const asked = attempts[1]!.prompt as Chat;
 * assert.deepEqual(asked.messages.slice(1).map((m) => [m.role, m.content]), [
 *   ["assistant", ""],
 *   ["tool", "The call could not be used: the year is missing. Call the tool again with valid arguments."],
 * ]);
 * ```
 *
 * @param model The model to sample; it is read through `Independent`.
 * @param prompt The prompt: a string or a chat.
 * @param spec What a response must hold: a spec, a reply spec (a tool call's
 * JSON), or a Standard Schema for the whole text.
 * @param options Attempts, validation, batch size, repair and a per-attempt callback.
 * @returns The first value that parses and passes validation.
 * @throws {LLMOutputError} When every attempt fails.
 */
export function queryRetry<T, U>(
  model: Model,
  prompt: Prompt,
  spec: OutputSpec<T> | ReplySpec<T>,
  options: QueryRetryOptions<T> & { validate: StandardSchemaV1<T, U> },
): Promise<U>;
/**
 * Samples `prompt` until a response parses with `spec` and passes
 * `validate` (see the first overload).
 *
 * @param model The model to sample; it is read through `Independent`.
 * @param prompt The prompt: a string or a chat.
 * @param spec What a response must hold: a spec, a reply spec (a tool call's
 * JSON), or a Standard Schema for the whole text.
 * @param options Attempts, validation, batch size, repair and a per-attempt callback.
 * @returns The first value that parses and passes validation.
 * @throws {LLMOutputError} When every attempt fails.
 */
export function queryRetry<T>(
  model: Model,
  prompt: Prompt,
  spec: OutputSpec<T> | ReplySpec<T>,
  options?: QueryRetryOptions<T> & { validate?: Validator<T> },
): Promise<T>;
export async function queryRetry<T>(
  model: Model,
  prompt: Prompt,
  spec: OutputSpec<T> | ReplySpec<T>,
  options: QueryRetryOptions<T> = {},
): Promise<unknown> {
  const { retries = 1, validate, batch = 1, onAttempt, repair = false } = options;
  const who = "queryRetry()";
  assertPrompt(prompt);
  assertCount("retries", retries, who);
  assertCount("batch", batch, who);
  if (!isStandardSchema(spec) && !isReplySpec(spec)) assertSpec(spec, who);
  if (validate !== undefined && typeof validate !== "function" && !isStandardSchema(validate)) {
    throw new TypeError(
      `${who}: validate must be a function or a Standard Schema, got ${describe(validate)}; ` +
        'pass e.g. (value) => value !== "", or a zod schema',
    );
  }
  if (onAttempt !== undefined) assertFunction("onAttempt", onAttempt, who);
  assertRepair(repair, batch, who);
  const failed: FailedAttempt[] = [];
  const independent = new Independent(model);
  let asked = prompt;
  let stream = repliesOf(independent, asked, batch);
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
      const attempt = await judge({ index, prompt: asked, reply: next.value }, spec, validate);
      onAttempt?.(attempt);
      if (attempt.ok) return attempt.value;
      failed.push(attempt);
      if (repair !== false && index + 1 < retries) {
        await stream.return?.();
        asked = repaired(asked, attempt, repair);
        stream = repliesOf(independent, asked, 1);
      }
    }
  } finally {
    await stream.return?.();
  }
  throw new LLMOutputError(failed, {
    model: `${model.alias} @ ${model.temperature}`,
    prompt,
  });
}

function assertRepair(repair: unknown, batch: number, who: string): void {
  if (typeof repair !== "boolean" && typeof repair !== "function") {
    throw new TypeError(
      `${who}: repair must be true, false or a function of the failed attempt that returns ` +
        `what to tell the model, got ${describe(repair)}`,
    );
  }
  if (repair !== false && batch > 1) {
    throw new TypeError(
      `${who}: repair asks each follow-up once, so batch must be 1, got ${batch}: a batch would ` +
        "pay for samples of the first prompt that no attempt reads; drop batch, or repair",
    );
  }
}

/**
 * The prompt of the attempt after `attempt`: `asked` as a chat, then the
 * failed reply, then what was wrong with it (a user turn, or each call's
 * result).
 */
function repaired(
  asked: Prompt,
  attempt: FailedAttempt,
  repair: true | ((attempt: FailedAttempt) => string),
): Chat {
  const reply = attempt.reply!;
  const calls = reply.toolCalls;
  const words = repair === true
    ? calls.length === 0
      ? `Your reply could not be used: ${attempt.reason}. Answer again, in the format asked for.`
      : `The call could not be used: ${attempt.reason}. Call the tool again with valid arguments.`
    : repair(attempt);
  if (typeof words !== "string") {
    throw new TypeError(
      `queryRetry(): repair must return the text to tell the model, got ${describe(words)}`,
    );
  }
  const chat: Chat = typeof asked === "string"
    ? { messages: [{ role: "user", content: asked }] }
    : { ...asked, messages: [...asked.messages] };
  chat.messages.push(messageOf(reply));
  if (calls.length === 0) chat.messages.push({ role: "user", content: words });
  for (const call of calls) {
    chat.messages.push({ role: "tool", toolCallId: call.id, content: words });
  }
  return chat;
}

/** What an attempt was drawn for and what it drew. */
interface Drawn {
  readonly index: number;
  readonly prompt: Prompt;
  readonly reply: Reply;
}

/** Parses and validates one reply. */
async function judge<T>(
  drawn: Drawn,
  spec: OutputSpec<T> | ReplySpec<T>,
  validate: QueryRetryOptions<T>["validate"],
): Promise<Attempt> {
  const { reply } = drawn;
  const response = reply.text;
  const base = { ...drawn, response };
  const failed = (
    stage: FailedAttempt["stage"],
    reason: string,
    error: unknown,
    excerpt = excerptAt(response, 0),
  ): FailedAttempt => ({ ...base, ok: false, stage, reason, excerpt, error });
  let value: unknown;
  try {
    value = isReplySpec(spec)
      ? await parseAwaiting(() => spec.read(reply))
      : isStandardSchema(spec)
      ? schemaValue(spec, response, await validateAwaited(spec, response))
      : await parseAwaiting(() => parse(spec, response));
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    return failed("parse", error.message, error, error.excerpt);
  }
  if (validate === undefined) return { ...base, ok: true, value };
  if (isStandardSchema(validate)) {
    const result = await validateAwaited(validate, value);
    if (result.issues !== undefined) {
      return failed("validate", formatIssues(result.issues), undefined);
    }
    return { ...base, ok: true, value: result.value };
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
  return { ...base, ok: true, value };
}

/** `message` with each run of white space that holds a line break made one space. */
function oneLine(message: string): string {
  // Not /\s*\n\s*/: it backtracks over every run of spaces that holds no line break.
  return message.replace(/\s+/g, (space) => space.includes("\n") ? " " : space);
}
