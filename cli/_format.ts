// Text output helpers: aligned tables, numbers, prompt previews. Byte sizes
// come from internal/format_bytes.ts, which the notebook views share; counts
// and figures from the core's formatter of figures.

import { chatOf, promptPreview } from "../core/prompt_preview.ts";

// Counts are written as every figure is (thousands separators): one formatter.
export { count } from "../core/figure_text.ts";

/**
 * The prompt's start on one line, quoted; a chat (its canonical text) by
 * what it holds and its first and last turns, unquoted; a note when the
 * text is unknown.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preview } from "./_format.ts";
 *
 * assert.equal(preview("a\nb"), '"a\\nb"');
 * assert.equal(preview("abcdef", 4), '"abc…"');
 * assert.equal(preview(undefined), "(prompt text not recorded)");
 * assert.equal(preview("\u202eabc"), '"\\u202eabc"');
 * assert.equal(
 *   preview('llm-cache chat v1\n{"messages":[{"content":"Hi","role":"user"}],"system":"S"}'),
 *   "(chat: system, 1 turn) user: Hi",
 * );
 * ```
 */
export function preview(prompt: string | undefined, width = 60): string {
  if (prompt === undefined) return "(prompt text not recorded)";
  if (chatOf(prompt) !== undefined) return visibleLine(promptPreview(prompt, width));
  const line = visibleLine(JSON.stringify(prompt).slice(1, -1));
  return `"${line.length > width ? line.slice(0, width - 1) + "…" : line}"`;
}

/**
 * `text` with terminal control characters escaped (`\x1b`, `\r`, `\x9b`),
 * and the invisible marks that reorder text (bidi overrides such as
 * `\u202e`), so that printing it cannot move the cursor, recolour or
 * retitle the terminal, or make a name read as another. Newlines and tabs
 * are kept unless `oneLine` (for a model key in a table). Everything the
 * command line prints that comes from a store or a path goes through it:
 * tables, samples and messages alike.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visible } from "./_format.ts";
 *
 * assert.equal(visible("red\x1b[31m\r\n"), "red\\x1b[31m\\r\n");
 * assert.equal(visible("\u009b2J txt.\u202eexe"), "\\x9b2J txt.\\u202eexe");
 * ```
 */
export function visible(text: string): string {
  return text.replace(CONTROL, (c) => ESCAPES[c] ?? escape(c));
}

/**
 * `text` as {@linkcode visible} shows it, on one line: line breaks and
 * tabs escaped too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { visibleLine } from "./_format.ts";
 *
 * assert.equal(visibleLine("a\tb\nc"), "a\\tb\\nc");
 * ```
 */
export function visibleLine(text: string): string {
  return text.replace(CONTROL_ONE_LINE, (c) => ESCAPES[c] ?? escape(c));
}

// C0 and C1 controls, DEL, and the bidi marks, embeddings, overrides and isolates.
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// deno-lint-ignore no-control-regex
const CONTROL_ONE_LINE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

function escape(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
}

const ESCAPES: Record<string, string> = { "\r": "\\r", "\n": "\\n", "\t": "\\t" };

/**
 * Rows as aligned columns; columns listed in `right` are right-aligned
 * (numbers). The last column is never padded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { table } from "./_format.ts";
 *
 * assert.equal(table([["a", "10"], ["bbb", "2"]], [1]), "a    10\nbbb   2\n");
 * ```
 */
export function table(rows: readonly (readonly string[])[], right: readonly number[] = []): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, [...cell].length));
  }
  return rows.map((row) =>
    row.map((cell, i) => {
      if (i === row.length - 1 && !right.includes(i)) return cell;
      const pad = " ".repeat(widths[i]! - [...cell].length);
      return right.includes(i) ? pad + cell : cell + pad;
    }).join("  ").trimEnd() + "\n"
  ).join("");
}

/**
 * `value` as indented JSON and a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json } from "./_format.ts";
 *
 * assert.equal(json({ a: 1 }), '{\n  "a": 1\n}\n');
 * ```
 */
export function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + "\n";
}
