/**
 * `ParseError`: a text does not have the shape a spec asks for.
 *
 * @module
 */

import type { StandardSchemaIssue } from "./standard_schema.ts";
import { excerptAt, formatIssues } from "./_text.ts";

/**
 * What a {@linkcode ParseError} is made from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ParseError, type ParseErrorInit } from "../mod.ts";
 *
 * const init: ParseErrorInit = { expected: "a number", offset: 4 };
 * assert.equal(new ParseError("Answer: none", init).excerpt, "er: none");
 * ```
 */
export interface ParseErrorInit {
  /** What was expected, e.g. `closing tag </answer>`. */
  expected: string;
  /** Where, as a UTF-16 offset into the text (what `String.prototype.slice` counts). */
  offset: number;
  /** Why it is not there, when more can be said than "not found". */
  detail?: string;
  /** The problems a Standard Schema found in the value there. */
  issues?: readonly StandardSchemaIssue[];
}

/**
 * A text does not match a spec. The message names what was expected, the
 * offset where it was looked for, and a short excerpt of the text there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, ParseError, tag } from "../mod.ts";
 *
 * try {
 *   parse(tag("answer"), "The answer is 42.");
 *   assert.fail("parse should throw");
 * } catch (error) {
 *   assert.ok(error instanceof ParseError);
 *   assert.equal(error.expected, "opening tag <answer>");
 *   assert.equal(error.offset, 0);
 *   assert.equal(error.excerpt, "The answer is 42.");
 * }
 * ```
 */
export class ParseError extends Error {
  /** What was expected, e.g. `opening tag <answer>`. */
  readonly expected: string;
  /** The UTF-16 offset into the text where it was looked for. */
  readonly offset: number;
  /** Up to 40 characters of the text from the offset (`…` when cut). */
  readonly excerpt: string;
  /** The problems a Standard Schema found, when one rejected the value. */
  readonly issues: readonly StandardSchemaIssue[] | undefined;

  /**
   * Makes the error for a failed match in `text`.
   *
   * @param text The text that was parsed.
   * @param init What was expected, where and why.
   */
  constructor(text: string, init: ParseErrorInit) {
    const excerpt = excerptAt(text, init.offset);
    const there = excerpt === ""
      ? "at the end of the text"
      : `text there: ${JSON.stringify(excerpt)}`;
    const why = init.detail ?? (init.issues === undefined ? "" : formatIssues(init.issues));
    super(`expected ${init.expected} at offset ${init.offset}${why ? `: ${why}` : ""} (${there})`);
    this.name = "ParseError";
    this.expected = init.expected;
    this.offset = init.offset;
    this.excerpt = excerpt;
    this.issues = init.issues;
  }
}
