// What every view shares: the MIME bundle, HTML escaping, and styles that stay
// readable in light and dark notebook themes (colours inherit the theme's text
// colour; fills and borders are translucent greys or mid-tone hues).

import { JUPYTER_DISPLAY } from "../core/display.ts";
import { type Meaning, SWATCH } from "./_palette.ts";

export { JUPYTER_DISPLAY };

/**
 * What a view renders to: HTML for notebooks, plain text for terminals and
 * for frontends that show no HTML.
 */
export interface MimeBundle {
  /** The rich rendering; every user-supplied text in it is escaped. */
  "text/html": string;
  /** A readable rendering without markup. */
  "text/plain": string;
  /** Extra renderings, e.g. `image/svg+xml`. */
  [mime: string]: string;
}

/**
 * The base of every view: renders itself when it is a cell's last value in
 * the Deno Jupyter kernel, and as plain text anywhere else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type MimeBundle, View } from "./mod.ts";
 *
 * class Hello extends View {
 *   bundle(): MimeBundle {
 *     return { "text/html": "<b>hello</b>", "text/plain": "hello" };
 *   }
 * }
 * assert.equal(String(new Hello()), "hello");
 * ```
 */
export abstract class View {
  /** The MIME bundle of this view. */
  abstract bundle(): MimeBundle;

  /**
   * Called by the Deno Jupyter kernel: the view's MIME bundle.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const chart = answerChart(["a"]);
   * const display = Symbol.for("Jupyter.display");
   * assert.deepEqual((chart as unknown as Record<symbol, () => unknown>)[display]!(), chart.bundle());
   * ```
   */
  [JUPYTER_DISPLAY](): MimeBundle {
    return this.bundle();
  }

  /**
   * The `text/plain` rendering.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const chart = answerChart(["a"], { title: "One" });
   * assert.equal(chart.toString(), chart.bundle()["text/plain"]);
   * assert(`${chart}`.startsWith("One\n"));
   * ```
   */
  toString(): string {
    return this.bundle()["text/plain"];
  }

  /**
   * What `console.log` prints in a terminal: the `text/plain` rendering.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const chart = answerChart(["a"], { title: "One" });
   * assert.equal(Deno.inspect(chart), chart.toString());
   * ```
   */
  [Symbol.for("Deno.customInspect")](): string {
    return this.toString();
  }
}

/**
 * Escapes text for HTML element content and attribute values.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { escapeHtml } from "./mod.ts";
 *
 * assert.equal(escapeHtml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
 * ```
 *
 * @param text Any text.
 * @returns The text with `& < > " '` replaced by entities.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Monospaced text that keeps its line breaks and wraps between words. */
export const MONO =
  "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;" +
  "overflow-wrap:break-word;margin:0;padding:0;background:transparent;color:inherit;border:0";
/** A table that inherits the theme's colours. */
export const TABLE =
  "border-collapse:collapse;font-size:13px;color:inherit;background:transparent;margin:4px 0";
// Notebook front ends stripe and highlight table rows in their own colours,
// which can clash with the other theme; rows stay transparent instead.
const TR = "background:transparent";
/** A header cell. */
export const TH = "text-align:left;padding:3px 8px;border-bottom:1px solid rgba(128,128,128,.5);" +
  "background:rgba(128,128,128,.12)";
/** A body cell. */
export const TD =
  "text-align:left;vertical-align:top;padding:3px 8px;border-bottom:1px solid rgba(128,128,128,.2)";
// Numbers line up on their last digit and never wrap away from their unit.
const NUMERIC = "text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums";
/** A caption line above a table. */
export const CAPTION = "font-weight:600;margin:2px 0 4px";
/** Secondary text. */
export const MUTED = "opacity:.75";

/**
 * Wraps view HTML in a container that inherits the theme's colours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { container } from "./html.ts";
 *
 * assert.match(container("<b>x</b>"), /^<div class="llm-cache" style="color:inherit;[^"]*"><b>x<\/b><\/div>$/);
 * ```
 */
export function container(inner: string): string {
  return `<div class="llm-cache" style="color:inherit;font-size:13px;line-height:1.4;` +
    `max-width:100%">${inner}</div>`;
}

/** How a {@linkcode table} lays out its columns. */
export interface TableLayout {
  /**
   * Which columns hold numbers: right-aligned (also as the `align`
   * attribute, which sanitizers keep), never wrapped, digits of equal width.
   * @default {no column}
   */
  numeric?: readonly boolean[];
  /**
   * Column widths (CSS lengths, `""` for the rest): the table then spans its
   * container and its columns keep these widths however long the cells are.
   * @default {undefined, the widths follow the content}
   */
  widths?: readonly string[];
}

/**
 * A table from a header (escaped here) and cell HTML (escaped by the caller,
 * who may put markup in it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { table } from "./html.ts";
 *
 * const html = table(["a<b", "n"], [["<i>1</i>", "12"]], { numeric: [false, true] });
 * assert(html.includes(">a&lt;b</th>") && html.includes("><i>1</i></td>"));
 * assert.match(html, /<td align="right" style="[^"]*text-align:right[^"]*">12<\/td>/);
 * ```
 */
export function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  layout: TableLayout = {},
): string {
  const { numeric = [], widths } = layout;
  const cell = (tag: string, base: string, i: number, html: string) =>
    numeric[i] === true
      ? `<${tag} align="right" style="${base};${NUMERIC}">${html}</${tag}>`
      : `<${tag} style="${base}">${html}</${tag}>`;
  const head = headers.map((h, i) => cell("th", TH, i, escapeHtml(h))).join("");
  const body = rows
    .map((cells) => `<tr style="${TR}">${cells.map((c, i) => cell("td", TD, i, c)).join("")}</tr>`)
    .join("");
  const fixed = widths === undefined ? "" : ";table-layout:fixed;width:100%";
  const cols = widths === undefined
    ? ""
    : `<colgroup>${widths.map((w) => w === "" ? "<col>" : `<col style="width:${w}">`).join("")}` +
      `</colgroup>`;
  return `<table style="${TABLE}${fixed}">${cols}<thead><tr style="${TR}">${head}</tr></thead>` +
    `<tbody>${body}</tbody></table>`;
}

/**
 * A plain-text table with columns padded to their widest cell; numeric
 * columns are right-aligned, and a cell holding line breaks spans several
 * lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textTable } from "./html.ts";
 *
 * assert.equal(
 *   textTable(["n", "word"], [["1", "one"], ["10", "ten\nzehn"]], { numeric: [true] }),
 *   " n  word\n--  ----\n 1  one\n10  ten\n    zehn",
 * );
 * ```
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  layout: Pick<TableLayout, "numeric"> = {},
): string {
  const { numeric = [] } = layout;
  const lines = rows.flatMap((row) => {
    const split = headers.map((_, i) => (row[i] ?? "").split("\n"));
    const height = Math.max(1, ...split.map((c) => c.length));
    return Array.from({ length: height }, (_, l) => split.map((c) => c[l] ?? ""));
  });
  const all = [headers, ...lines];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const pad = (c: string, i: number) => {
    const fill = " ".repeat(widths[i]! - [...c].length);
    return numeric[i] === true ? fill + c : c + fill;
  };
  const line = (cells: readonly string[]) => cells.map(pad).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...lines.map(line)].join("\n");
}

/**
 * Text wrapped at word boundaries into lines of at most `width` characters
 * (a longer word is cut), for cells of a {@linkcode textTable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { wrap } from "./html.ts";
 *
 * assert.equal(wrap("expected opening tag <answer> at offset 0", 20), "expected opening tag\n<answer> at offset 0");
 * assert.equal(wrap("abcdefgh", 3), "abc\ndef\ngh");
 * ```
 */
export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      let rest = [...word];
      if (line !== "" && [...line].length + 1 + rest.length > width) {
        lines.push(line);
        line = "";
      }
      while (rest.length > width) {
        lines.push(rest.slice(0, width).join(""));
        rest = rest.slice(width);
      }
      line = line === "" ? rest.join("") : `${line} ${rest.join("")}`;
    }
    lines.push(line);
  }
  return lines.join("\n");
}

/**
 * The first line of `text` with content, cut to `max` characters (code
 * points) with an ellipsis, which also marks the lines left out. The fence
 * that opens a Markdown code block is no content: its language is shown in
 * brackets before the first line of code.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preview } from "./html.ts";
 *
 * assert.equal(preview("short", 10), "short");
 * assert.equal(preview("🌍🌍🌍", 2), "🌍🌍…");
 * assert.equal(preview("one\ntwo", 10), "one…");
 * assert.equal(preview("~~~js\nfunction f() {}\n~~~", 40), "[js] function f() {}…");
 * ```
 */
export function preview(text: string, max: number): string {
  const lines = text.split("\n");
  let at = lines.findIndex((l) => l.trim() !== "");
  if (at < 0) at = 0;
  let prefix = "";
  const fence = lines[at]!.trim().match(/^(```+|~~~+)\s*([\w+#.-]*)\s*$/);
  if (fence !== null && at + 1 < lines.length) {
    prefix = fence[2] === "" ? "[code] " : `[${fence[2]}] `;
    at++;
  }
  const line = prefix + lines[at]!.trim();
  const cut = [...line];
  const more = cut.length > max || lines.slice(at + 1).some((l) => l.trim() !== "");
  return cut.slice(0, max).join("") + (more ? "…" : "");
}

/**
 * Monospaced text, folded behind its first line (at most `shown`
 * characters of it, on one line) when it is longer than `fold` characters
 * or has more than 3 lines; `open` shows it unfolded at first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldedText } from "./html.ts";
 *
 * assert(!foldedText("a<b", 10).includes("<details"));
 * assert(foldedText("a<b", 10).includes("a&lt;b"));
 * assert(foldedText("1\n2\n3\n4", 100).startsWith("<details>"));
 * assert(foldedText("abcdefgh", 4, 3).includes(">abc…</code>"));
 * assert(foldedText("abcdefgh", 4, 3).includes("8\u00a0chars"));
 * assert(foldedText("abcdefgh", 4, 3, true).startsWith("<details open>"));
 * ```
 */
export function foldedText(text: string, fold: number, shown = 80, open = false): string {
  const long = text.length > fold || text.split("\n").length > 3;
  const full = `<pre style="${MONO}">${escapeHtml(text)}</pre>`;
  if (!long) return full;
  // The summary stays on one line: the preview is cut to the cell's width.
  return `<details${open ? " open" : ""}><summary style="cursor:pointer;white-space:nowrap;` +
    `overflow:hidden;text-overflow:ellipsis"><code style="${MONO};white-space:pre">` +
    `${escapeHtml(preview(text, shown))}</code> <span style="${MUTED}">` +
    `(${[...text].length}\u00a0chars)</span></summary>${full}</details>`;
}

/**
 * A small coloured label: the meaning's mark and `label` (escaped), on its
 * meaning's colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pill } from "./html.ts";
 *
 * const html = pill("<ok>", "pass");
 * assert(html.includes("background:#228833") && html.endsWith(">✓ &lt;ok&gt;</span>"));
 * ```
 */
export function pill(label: string, meaning: Meaning): string {
  const { colour, ink, mark } = SWATCH[meaning];
  return `<span style="display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;` +
    `white-space:nowrap;color:${ink};background:${colour}">${
      escapeHtml(mark === "" ? label : `${mark} ${label}`)
    }</span>`;
}

/**
 * A meaning's mark in its colour, e.g. before a sample from the cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mark } from "./html.ts";
 *
 * assert.match(mark("fresh"), /^<span title="fresh" [^>]*>\*<\/span>$/);
 * ```
 */
export function mark(meaning: Meaning): string {
  const { colour, mark, label } = SWATCH[meaning];
  return `<span title="${escapeHtml(label)}" style="color:${colour};font-weight:700">` +
    `${escapeHtml(mark)}</span>`;
}

/**
 * A legend on one line: each item's mark in its colour and its words,
 * unbreakable, the items separated by spaces.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { legend } from "./html.ts";
 *
 * const html = legend(["cache", "fresh"]);
 * assert(html.startsWith("<span data-legend") && !html.includes("<div"));
 * assert.equal(html.replace(/<[^>]+>/g, ""), "↺\u00a0from cache   *\u00a0fresh");
 * ```
 */
export function legend(meanings: readonly Meaning[]): string {
  const items = meanings.map((m) =>
    `<span data-legend-item style="white-space:nowrap">${mark(m)}\u00a0${
      escapeHtml(SWATCH[m].label)
    }</span>`
  );
  return `<span data-legend style="white-space:nowrap">${items.join("   ")}</span>`;
}
