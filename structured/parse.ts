/**
 * `parse(spec, text)`: a model's response, parsed by a spec.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import { assertSpec } from "./_spec.ts";
import { schemaValue, validateNow } from "./_schema.ts";
import type { OutputSpec, Spec } from "./spec.ts";
import { isStandardSchema } from "./standard_schema.ts";

/**
 * Parses `text` with `spec`, matching from the start of the text (text the
 * spec does not ask for, before, between or after its parts, is skipped). A
 * Standard Schema as the spec validates the whole text, a string.
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
 * @param spec What the text should hold.
 * @param text A model's response.
 * @returns The parsed value.
 * @throws {ParseError} When the text does not match.
 */
export function parse<T>(spec: OutputSpec<T>, text: string): T {
  if (typeof text !== "string") {
    throw new TypeError(
      `parse(): text must be a string, got ${describe(text)}; pass the model's response`,
    );
  }
  if (isStandardSchema(spec)) {
    return schemaValue(spec, text, validateNow(spec, text, "parse()", text));
  }
  assertSpec(spec, "parse()");
  return (spec as Spec<T>).match(text, 0).value;
}
