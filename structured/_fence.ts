// Fenced Markdown code blocks, as code() and json() find them.

import { ParseError } from "./parse_error.ts";

const FENCE = "```";

/** A fenced block found in a text. */
export interface Block {
  /** Offset of the opening fence. */
  start: number;
  /** Offset just past the closing fence. */
  end: number;
  /** Offset of the first character of the content. */
  contentStart: number;
  /** The content, without the newline before the closing fence. */
  content: string;
  /** The first word of the info string, lower-cased ("" when there is none). */
  language: string;
}

/**
 * The first fenced block at or after `from`. The info string is skipped; the
 * block ends at the next line that starts with a fence or, when there is
 * none, at the next fence anywhere (a closing fence at the very end of a
 * line). `expected` names the block in the error when there is none.
 */
export function fencedBlock(text: string, from: number, expected: string): Block {
  const start = text.indexOf(FENCE, from);
  if (start === -1) throw new ParseError(text, { expected, offset: from });
  const afterOpen = start + FENCE.length;
  const newline = text.indexOf("\n", afterOpen);
  if (newline === -1) {
    throw new ParseError(text, {
      expected: "a newline after the opening code fence",
      offset: afterOpen,
      detail: `the code block at offset ${start} is unterminated`,
    });
  }
  const contentStart = newline + 1;
  const language = text.slice(afterOpen, newline).trim().split(/\s/, 1)[0]!.toLowerCase();
  const block = (contentEnd: number, end: number): Block => ({
    start,
    end,
    contentStart,
    content: text.slice(contentStart, contentEnd),
    language,
  });
  // An empty block closes at once (the Python original would look past it).
  if (text.startsWith(FENCE, contentStart)) return block(contentStart, contentStart + FENCE.length);
  const closing = text.indexOf("\n" + FENCE, contentStart);
  if (closing !== -1) return block(closing, closing + 1 + FENCE.length);
  const bare = text.indexOf(FENCE, contentStart);
  if (bare !== -1) return block(bare, bare + FENCE.length);
  throw new ParseError(text, {
    expected: `a closing code fence ${FENCE}`,
    offset: contentStart,
    detail: `the code block at offset ${start} is unterminated`,
  });
}
