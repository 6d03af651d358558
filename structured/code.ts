/**
 * `code()`: the content of a fenced Markdown code block.
 *
 * @module
 */

import { describe } from "../core/_validate.ts";
import { fencedBlock } from "./_fence.ts";
import type { Match, Spec } from "./spec.ts";

/**
 * A spec for the content of the first fenced Markdown code block at or after
 * the position. The info string after the opening fence (such as `python`) is
 * skipped; the block ends at the next line that starts with a fence, or, when
 * there is none, at the next fence anywhere (so a closing fence at the very
 * end without a newline is accepted). The content excludes the newline before
 * the closing fence.
 *
 * With `language`, blocks whose info string does not start with that word
 * (case-insensitively) are passed over.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse } from "../mod.ts";
 *
 * const fence = "`".repeat(3);
 * const reply =
 *   `Here it is:\n${fence}python\nprint('hi')\n${fence}\nand the test:\n${fence}sh\npytest\n${fence}`;
 * assert.equal(parse(code(), reply), "print('hi')");
 * assert.equal(parse(code("sh"), reply), "pytest");
 * ```
 *
 * @param language Only blocks in this language, e.g. `"python"`.
 * @returns The spec; it parses to a string.
 */
export function code(language?: string): Spec<string> {
  if (language !== undefined && (typeof language !== "string" || !/^\S+$/.test(language))) {
    throw new TypeError(
      `code(): language must be one word, got ${describe(language)}; ` +
        `pass e.g. "python", or nothing to take a block in any language`,
    );
  }
  return new Code(language?.toLowerCase());
}

class Code implements Spec<string> {
  readonly expected: string;
  #language: string | undefined;

  constructor(language: string | undefined) {
    this.#language = language;
    this.expected = `a \`\`\`${language ?? ""} code block`;
  }

  match(text: string, from: number): Match<string> {
    let at = from;
    while (true) {
      const block = fencedBlock(text, at, this.expected);
      if (this.#language === undefined || block.language === this.#language) {
        return { start: block.start, end: block.end, value: block.content };
      }
      at = block.end;
    }
  }
}
