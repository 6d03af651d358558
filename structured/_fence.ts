// Fenced Markdown code blocks, as code() and json() find them (code() documents the rule).
//
// Every search runs on an index of the text's fence runs, built in one pass and kept for the
// text last parsed (repeat() and code(language) search one text many times). A block's search
// reads only the runs inside the block, and a kind of closing fence that does not occur again
// is known from the index at once, so a whole parse is linear in the text.

import { ParseError } from "./parse_error.ts";

/** A fenced block found in a text. */
export interface Block {
  /** Offset of the opening fence. */
  start: number;
  /** Offset just past the closing fence. */
  end: number;
  /** Offset of the first character of the content. */
  contentStart: number;
  /** The content: its lines without the opening fence's indentation, without the last line break. */
  content: string;
  /** The first word of the info string, lower-cased ("" when there is none). */
  language: string;
}

const BACKTICK = 0x60;
const NEWLINE = 0x0a;
/** The shortest fence. */
const FENCE = 3;
/** What follows a backtick fence on its line, up to a backtick or the line's end. */
const INFO = /[^`\n]*/y;
/** The first word of an info string. */
const WORD = /[^\S\n]*(\S*)/y;

/** A run begins its line: only spaces or tabs come before it. */
const LINE_START = 1;
/** A run ends its line: only spaces, tabs or a carriage return come after it. */
const LINE_END = 2;
/** The closing fences, in order of precedence: a line holding only a fence (CommonMark), a line
 * that starts with one (the Python original), a fence anywhere (one glued to the last line). */
const CLOSINGS = [LINE_START | LINE_END, LINE_START, 0] as const;

/**
 * The first fenced block at or after `from`, by the rule code() documents; `expected` names
 * the block in the error when there is none.
 */
export function fencedBlock(text: string, from: number, expected: string): Block {
  return fenceIndex(text).block(from, expected);
}

let last: FenceIndex | undefined;

function fenceIndex(text: string): FenceIndex {
  if (last?.text !== text) last = new FenceIndex(text);
  // An equal text in another string is compared character by character: keep the one asked
  // for, so that the next searches in it compare by reference.
  else last.text = text;
  return last;
}

/** The maximal runs of three or more backticks or tildes in a text. */
class FenceIndex {
  text: string;
  #starts: number[] = [];
  #ends: number[] = [];
  #chars: number[] = [];
  #flags: number[] = [];
  /** By char and closing kind: the longest such run from each run on (built when first asked). */
  #longest: Int32Array[] = [];
  /** The run #firstEndingAfter found last. */
  #near = 0;

  constructor(text: string) {
    this.text = text;
    // The next run of each kind, each looked for again only once passed.
    let backticks = text.indexOf("```");
    let tildes = text.indexOf("~~~");
    while (backticks !== -1 || tildes !== -1) {
      const start = tildes === -1 || (backticks !== -1 && backticks < tildes) ? backticks : tildes;
      const char = text.charCodeAt(start);
      let end = start + FENCE;
      while (text.charCodeAt(end) === char) end++;
      this.#starts.push(start);
      this.#ends.push(end);
      this.#chars.push(char);
      this.#flags.push(
        (lineStartBefore(text, start) === undefined ? 0 : LINE_START) |
          (lineEndAfter(text, end) ? LINE_END : 0),
      );
      if (char === BACKTICK) backticks = text.indexOf("```", end);
      else tildes = text.indexOf("~~~", end);
    }
  }

  block(from: number, expected: string): Block {
    const text = this.text;
    const open = this.#opening(from);
    if (open === undefined) throw new ParseError(text, { expected, offset: from });
    const { start, length, char, indent, newline } = open;
    const afterOpen = start + length;
    if (newline === -1) {
      throw new ParseError(text, {
        expected: "a newline after the opening code fence",
        offset: afterOpen,
        detail: `the code block at offset ${start} is unterminated`,
      });
    }
    const contentStart = newline + 1;
    const close = this.#closing(contentStart, char, length);
    if (close === undefined) {
      throw new ParseError(text, {
        expected: `a closing code fence ${fenceName(char, length)}`,
        offset: contentStart,
        detail: `the code block at offset ${start} is unterminated`,
      });
    }
    return {
      start,
      end: close.end,
      contentStart,
      content: dedent(text.slice(contentStart, close.contentEnd), indent),
      language: infoWord(text, afterOpen),
    };
  }

  /** The first opening fence at or after `from`, with the end of its line (-1 for none). */
  #opening(from: number) {
    const text = this.text;
    let i = this.#firstEndingAfter(from);
    while (i < this.#starts.length) {
      const start = Math.max(this.#starts[i]!, from);
      const length = this.#ends[i]! - start;
      const char = this.#chars[i]!;
      const lineStart = start === this.#starts[i] && (this.#flags[i]! & LINE_START) !== 0;
      i++;
      // Backtick fences open anywhere, as in the Python original; tildes only at a line's start.
      if (length < FENCE || (char !== BACKTICK && !lineStart)) continue;
      let newline;
      if (char === BACKTICK) {
        INFO.lastIndex = start + length;
        INFO.exec(text);
        newline = INFO.lastIndex === text.length ? -1 : INFO.lastIndex;
        // A backtick later on the line makes the run inline code (```x```), not a fence.
        if (newline !== -1 && text.charCodeAt(newline) === BACKTICK) {
          newline = text.indexOf("\n", newline);
          if (newline === -1) return undefined;
          i = this.#firstEndingAfter(newline);
          continue;
        }
      } else {
        newline = text.indexOf("\n", start + length);
      }
      const indent = lineStart ? start - lineStartBefore(text, start)! : 0;
      return { start, length, char, indent, newline };
    }
    return undefined;
  }

  /** The closing fence of a block whose content starts at `from`. */
  #closing(from: number, char: number, length: number) {
    const first = this.#firstEndingAfter(from);
    for (const kind of CLOSINGS) {
      if (this.#longestFrom(char, kind)[first]! < length) continue;
      let i = first;
      while (!this.#closes(i, char, length, kind)) i++;
      const start = this.#starts[i]!;
      if (kind === 0) return { contentEnd: start, end: start + length };
      const lineStart = lineStartBefore(this.text, start)!;
      return {
        contentEnd: lineStart === from ? from : lineBreakBefore(this.text, lineStart, from),
        // A line holding only the fence is closed by all of it; a fence with text after it,
        // by as many characters as opened the block: the rest may open the next block.
        end: kind === CLOSINGS[0] ? this.#ends[i]! : start + length,
      };
    }
    return undefined;
  }

  #closes(i: number, char: number, length: number, kind: number): boolean {
    return this.#chars[i] === char && this.#ends[i]! - this.#starts[i]! >= length &&
      (this.#flags[i]! & kind) === kind;
  }

  /** For each run i, the longest run of `char` of that kind from i on (0 past the last). */
  #longestFrom(char: number, kind: number): Int32Array {
    const key = (char === BACKTICK ? 0 : 4) + kind;
    let longest = this.#longest[key];
    if (longest === undefined) {
      longest = new Int32Array(this.#starts.length + 1);
      for (let i = this.#starts.length - 1; i >= 0; i--) {
        const own = this.#chars[i] === char && (this.#flags[i]! & kind) === kind
          ? this.#ends[i]! - this.#starts[i]!
          : 0;
        longest[i] = Math.max(own, longest[i + 1]!);
      }
      this.#longest[key] = longest;
    }
    return longest;
  }

  /** The first run that ends after `offset` (it may contain it). */
  #firstEndingAfter(offset: number): number {
    const ends = this.#ends;
    // Searches mostly go on a run or two after the last one: look there before bisecting.
    let low = this.#near > 0 && ends[this.#near - 1]! <= offset ? this.#near : 0;
    for (let step = 0; step < 2 && low < ends.length && ends[low]! <= offset; step++) low++;
    let high = low < ends.length && ends[low]! > offset ? low : ends.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (ends[middle]! > offset) high = middle;
      else low = middle + 1;
    }
    return this.#near = low;
  }
}

/** Where the line of `offset` starts, when only spaces or tabs come before `offset` on it. */
function lineStartBefore(text: string, offset: number): number | undefined {
  let i = offset;
  while (i > 0 && isBlank(text.charCodeAt(i - 1))) i--;
  return i === 0 || text.charCodeAt(i - 1) === NEWLINE ? i : undefined;
}

/** Whether only spaces, tabs or a carriage return follow `offset` on its line. */
function lineEndAfter(text: string, offset: number): boolean {
  let i = offset;
  while (i < text.length && (isBlank(text.charCodeAt(i)) || text.charCodeAt(i) === 0x0d)) i++;
  return i === text.length || text.charCodeAt(i) === NEWLINE;
}

/** The offset of the line break (`\n` or `\r\n`) that ends the line before `lineStart`. */
function lineBreakBefore(text: string, lineStart: number, from: number): number {
  const newline = lineStart - 1;
  return newline > from && text.charCodeAt(newline - 1) === 0x0d ? newline - 1 : newline;
}

function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Each line of `content` without up to `indent` leading spaces or tabs. */
function dedent(content: string, indent: number): string {
  if (indent === 0) return content;
  return content.split("\n").map((line) => {
    let i = 0;
    while (i < indent && i < line.length && isBlank(line.charCodeAt(i))) i++;
    return line.slice(i);
  }).join("\n");
}

/** The first word of the info string at `offset`, lower-cased. */
function infoWord(text: string, offset: number): string {
  WORD.lastIndex = offset;
  return WORD.exec(text)![1]!.toLowerCase();
}

/** A fence as error messages name it: the fence itself, or its length when it is long. */
function fenceName(char: number, length: number): string {
  const fence = String.fromCharCode(char);
  if (length <= 8) return fence.repeat(length);
  return `of ${length} ${char === BACKTICK ? "backticks" : "tildes"}`;
}
