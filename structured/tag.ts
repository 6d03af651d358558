/**
 * `tag(name)`: the text between `<name>` and `</name>`.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import { ParseError } from "./parse_error.ts";
import type { Match, Spec } from "./spec.ts";

/**
 * A spec for the text between `<name>` and the next `</name>`, the first
 * such pair at or after the position: text before the tag is skipped, the
 * content is returned exactly (no trimming), and tags do not nest.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, tag } from "../mod.ts";
 *
 * const text = "Let me think.\n<answer>42</answer>";
 * assert.equal(parse(tag("answer"), text), "42");
 * assert.throws(() => parse(tag("final"), text), /expected opening tag <final> at offset 0/);
 * ```
 *
 * @param name The tag name: not empty, no whitespace, `<`, `>` or `/`.
 * @returns The spec; it parses to a string.
 */
export function tag(name: string): Spec<string> {
  if (typeof name !== "string" || !/^[^\s<>/]+$/.test(name)) {
    throw new TypeError(
      `tag(): name must be a non-empty string without whitespace, "<", ">" or "/", ` +
        `got ${describe(name)}; pass the bare name, e.g. tag("answer") for <answer>…</answer>`,
    );
  }
  return new Tag(name);
}

class Tag implements Spec<string> {
  readonly expected: string;
  #open: string;
  #close: string;

  constructor(name: string) {
    this.#open = `<${name}>`;
    this.#close = `</${name}>`;
    this.expected = `${this.#open}…${this.#close}`;
  }

  match(text: string, from: number): Match<string> {
    const start = text.indexOf(this.#open, from);
    if (start === -1) {
      throw new ParseError(text, { expected: `opening tag ${this.#open}`, offset: from });
    }
    const contentStart = start + this.#open.length;
    const close = text.indexOf(this.#close, contentStart);
    if (close === -1) {
      throw new ParseError(text, {
        expected: `closing tag ${this.#close}`,
        offset: contentStart,
        detail: `the ${this.#open} at offset ${start} is never closed`,
      });
    }
    return { start, end: close + this.#close.length, value: text.slice(contentStart, close) };
  }
}
