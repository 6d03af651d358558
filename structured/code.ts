/**
 * `code()`: the content of a fenced Markdown code block.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import { fencedBlock } from "./_fence.ts";
import type { Match, Spec } from "./spec.ts";

/**
 * A spec for the content of the first fenced Markdown code block at or after
 * the position. It reads fences as the Python original does, and as
 * CommonMark does wherever the Python original would lose content.
 *
 * - **Opening fence**: three or more backticks anywhere in a line (as in the
 *   Python original), or three or more tildes at the start of a line (after
 *   spaces or tabs only). The rest of the line is the info string, whose first
 *   word is the language. A backtick fence whose line goes on with another
 *   backtick is inline code (three backticks, a word, three backticks), not
 *   a fence: the search goes on at the next line. A fence with no line after
 *   it is a ParseError.
 * - **Closing fence**: a run of the opening fence's character, at least as
 *   long as the opening fence (CommonMark), so a block fenced with four
 *   backticks or with tildes holds a block fenced with three whole. It ends
 *   at the first line holding only a closing fence (spaces or tabs may
 *   surround it; CommonMark); when there is none, at the first line that
 *   starts with one (the text after it on the line is not content; the
 *   Python original); when there is none either, at the first closing fence
 *   anywhere (one glued to the end of the last line). So a fence with text
 *   after it on its line, such as the opening fence of a block inside, closes
 *   a block only when no bare fence line follows. A block with no closing
 *   fence is a ParseError (CommonMark would run it to the end of the text; a
 *   response cut off in a block is bad output). A closing fence that is not
 *   alone on its line ends after as many characters as opened the block: the
 *   rest of its run may open the next block.
 * - **Content**: the lines between the fences, without the line break (`\n`
 *   or `\r\n`) before the closing fence's line, or up to a closing fence
 *   glued to the last line. When the opening fence is indented (only spaces
 *   or tabs before it on its line, as in a list item), each content line
 *   loses up to as many leading spaces or tabs (CommonMark).
 *
 * With `language`, blocks whose info string does not start with that word
 * (case-insensitively) are passed over, whole.
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
 * @example Nested blocks, glued fences, indentation
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse, repeat } from "../mod.ts";
 *
 * const [three, four] = ["`".repeat(3), "`".repeat(4)];
 * const readme = `${four}md\n${three}py\nx = 1\n${three}\n${four}`;
 * assert.equal(parse(code("md"), readme), `${three}py\nx = 1\n${three}`);
 * assert.deepEqual(parse(repeat(code()), `${three}a\nx${three}${three}b\ny${three}`), ["x", "y"]);
 * assert.equal(parse(code(), `1. Run:\n   ${three}sh\n   npm test\n   ${three}`), "npm test");
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
