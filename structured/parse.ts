/**
 * `parse(spec, text)`: a model's response, parsed by a spec.
 *
 * @module
 */

import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { assertSpec, isReplySpec } from "./_spec.ts";
import { schemaValue, validateNow } from "./_schema.ts";
import type { OutputSpec, ReplySpec, Spec } from "./spec.ts";
import { isStandardSchema } from "./standard_schema.ts";

/**
 * Parses a response with `spec`, matching from the start of the text (text
 * the spec does not ask for, before, between or after its parts, is
 * skipped). A Standard Schema as the spec validates the whole text, a
 * string. A whole `Reply` is parsed by its text, except by a
 * {@linkcode ReplySpec} (`json(schema, { from: "toolCall" })`), which reads
 * what it needs of the reply (its tool calls).
 *
 * @example The Python original's example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse, sequence, tag } from "../mod.ts";
 *
 * const fence = "`".repeat(3);
 * const reply = "Some preface\n<analysis>reasoning...</analysis>\nchatter\n" +
 *   `<final>answer</final>\n${fence}python\nprint("hi")\ntail text\n${fence}\n`;
 * const [analysis, final, program] = parse(sequence([tag("analysis"), tag("final"), code()]), reply);
 * assert.equal(analysis, "reasoning...");
 * assert.equal(final, "answer");
 * assert.equal(program, 'print("hi")\ntail text');
 * ```
 *
 * @example Errors say what was expected, where, and what is there
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, ParseError, tag } from "../mod.ts";
 *
 * assert.throws(
 *   () => parse(tag("answer"), "<answer>42"),
 *   (e) => e instanceof ParseError && e.offset === 8 && e.expected === "closing tag </answer>",
 * );
 * ```
 *
 * @example A reply, whole: its text, or its tool calls
 * ```ts
 * import assert from "node:assert/strict";
 * import { json, parse, type Reply, tag } from "../mod.ts";
 *
 * const reply: Reply = {
 *   text: "<answer>4</answer>",
 *   toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }],
 * };
 * assert.equal(parse(tag("answer"), reply), "4");
 * assert.deepEqual(parse(json(undefined, { from: "toolCall", name: "add" }), reply), { a: 2, b: 2 });
 * ```
 *
 * @param spec What the text (or, for a reply spec, the reply) should hold.
 * @param response A model's response: its text, or the whole reply (a spec
 * of the text parses the reply's text).
 * @returns The parsed value.
 * @throws {ParseError} When the response does not match.
 * @throws {TypeError} When a reply spec gets a text, which holds no tool calls.
 */
export function parse<T>(spec: OutputSpec<T> | ReplySpec<T>, response: string | Reply): T {
  const reply = typeof response === "string" ? undefined : asReply(response);
  if (isReplySpec(spec)) {
    if (reply === undefined) {
      throw new TypeError(
        `parse(): ${spec.expected} is read from a whole reply, got its text; pass the reply ` +
          "(from model.replies(prompt), or repliesOf(model, prompt))",
      );
    }
    return spec.read(reply) as T;
  }
  const text = reply?.text ?? response as string;
  if (isStandardSchema(spec)) {
    return schemaValue(spec, text, validateNow(spec, text, "parse()", text));
  }
  assertSpec(spec, "parse()");
  return (spec as Spec<T>).match(text, 0).value;
}

/** `value` as a reply, or a TypeError that says what to pass. */
function asReply(value: unknown): Reply {
  const reply = value as Partial<Reply> | null;
  if (
    typeof reply === "object" && reply !== null && typeof reply.text === "string" &&
    Array.isArray(reply.toolCalls)
  ) return reply as Reply;
  throw new TypeError(
    `parse(): text must be a string, got ${describe(value)} (or a whole reply, ` +
      "{ text, toolCalls }); pass the model's response",
  );
}
