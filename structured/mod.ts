/**
 * Structured output: declarative specs for what a model's response should
 * hold, a parser, and a retry loop that keeps statistical independence
 * honest.
 *
 * - specs: {@linkcode tag} (`<name>…</name>`), {@linkcode code} (a fenced
 *   Markdown block), {@linkcode json} (JSON, optionally checked by any
 *   Standard Schema: zod, valibot, arktype, …), {@linkcode repeat} (zero or
 *   more) and {@linkcode sequence} (one after another), with inferred
 *   result types;
 * - {@linkcode parse} applies a spec to a text, or throws a
 *   {@linkcode ParseError} saying what was expected, where, and what is
 *   there;
 * - {@linkcode queryRetry} samples through `Independent` until a response
 *   parses and passes a validator, and throws {@linkcode LLMOutputError}
 *   listing every attempt otherwise; the prompt may be a chat, a spec may
 *   read a tool call's arguments (`json(schema, { from: "toolCall" })`, a
 *   {@linkcode ReplySpec}), and `repair` tells the model what was wrong
 *   with each failed attempt. Over a `Persistent` cache a rerun replays
 *   exactly the same attempts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse, repeat, sequence, tag } from "./mod.ts";
 *
 * const fence = "`".repeat(3);
 * const reply =
 *   `<plan>print twice</plan>\n${fence}py\nprint(1)\n${fence}\n${fence}py\nprint(2)\n${fence}`;
 * const [plan, programs] = parse(sequence([tag("plan"), repeat(code())]), reply);
 * assert.equal(plan, "print twice");
 * assert.deepEqual(programs, ["print(1)", "print(2)"]);
 * ```
 *
 * @module
 */

export type { Match, OutputSpec, Parsed, ReplySpec, Spec } from "./spec.ts";
export { tag } from "./tag.ts";
export { code } from "./code.ts";
export { json, type JsonOptions } from "./json.ts";
export { repeat } from "./repeat.ts";
export { sequence, type SequenceValues } from "./sequence.ts";
export { parse } from "./parse.ts";
export { ParseError, type ParseErrorInit } from "./parse_error.ts";
export type { Attempt, FailedAttempt, PassedAttempt } from "./attempt.ts";
export { LLMOutputError, type LLMOutputErrorContext } from "./llm_output_error.ts";
export { queryRetry, type QueryRetryOptions, type Validator } from "./query_retry.ts";
export {
  type InferOutput,
  isStandardSchema,
  type StandardSchemaIssue,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaTypes,
  type StandardSchemaV1,
} from "./standard_schema.ts";
