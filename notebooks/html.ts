// What every view shares: the MIME bundle, HTML escaping, and styles that stay
// readable in light and dark notebook themes (colours inherit the theme's text
// colour; fills and borders are translucent greys or mid-tone hues).

import { JUPYTER_DISPLAY } from "../core/_display.ts";

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

/** Monospaced text that keeps its line breaks. */
export const MONO =
  "font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;" +
  "word-break:break-word;margin:0;padding:0;background:transparent;color:inherit;border:0";
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
/** A caption line above a table. */
export const CAPTION = "font-weight:600;margin:2px 0 4px";
/** Secondary text. */
export const MUTED = "opacity:.7";

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
  return `<div class="llm-cache" style="color:inherit;font-size:13px;line-height:1.4">${inner}</div>`;
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
 * const html = table(["a<b"], [["<i>1</i>"]]);
 * assert(html.includes(">a&lt;b</th>") && html.includes("><i>1</i></td>"));
 * ```
 */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const head = headers.map((h) => `<th style="${TH}">${escapeHtml(h)}</th>`).join("");
  const body = rows
    .map((cells) =>
      `<tr style="${TR}">${cells.map((c) => `<td style="${TD}">${c}</td>`).join("")}</tr>`
    )
    .join("");
  return `<table style="${TABLE}"><thead><tr style="${TR}">${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/**
 * A plain-text table with columns padded to their widest cell.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textTable } from "./html.ts";
 *
 * assert.equal(textTable(["n", "word"], [["1", "one"], ["10", "ten"]]), "n   word\n--  ----\n1   one\n10  ten");
 * ```
 */
export function textTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => [...(r[i] ?? "")].length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/**
 * The first line of `text`, cut to `max` characters (code points) with an
 * ellipsis, which also marks the lines left out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { preview } from "./html.ts";
 *
 * assert.equal(preview("short", 10), "short");
 * assert.equal(preview("🌍🌍🌍", 2), "🌍🌍…");
 * assert.equal(preview("one\ntwo", 10), "one…");
 * ```
 */
export function preview(text: string, max: number): string {
  const firstLine = text.split("\n", 1)[0] ?? "";
  const cut = [...firstLine];
  const more = cut.length > max || firstLine.length < text.length;
  return cut.slice(0, max).join("") + (more ? "…" : "");
}

/**
 * Monospaced text, folded behind its first line (at most `shown`
 * characters of it) when it is longer than `fold` characters or has more
 * than 3 lines.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { foldedText } from "./html.ts";
 *
 * assert(!foldedText("a<b", 10).includes("<details>"));
 * assert(foldedText("a<b", 10).includes("a&lt;b"));
 * assert(foldedText("1\n2\n3\n4", 100).startsWith("<details>"));
 * assert(foldedText("abcdefgh", 4, 3).includes("<code>abc…</code>"));
 * ```
 */
export function foldedText(text: string, fold: number, shown = 80): string {
  const long = text.length > fold || text.split("\n").length > 3;
  const full = `<pre style="${MONO}">${escapeHtml(text)}</pre>`;
  if (!long) return full;
  return `<details><summary style="cursor:pointer"><code>${
    escapeHtml(preview(text, shown))
  }</code> <span style="${MUTED}">(${text.length} chars)</span></summary>${full}</details>`;
}

/**
 * A small coloured label; `label` is escaped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pill } from "./html.ts";
 *
 * const html = pill("<ok>", "#2e8b57");
 * assert(html.includes("background:#2e8b57") && html.endsWith(">&lt;ok&gt;</span>"));
 * ```
 */
export function pill(label: string, colour: string): string {
  return `<span style="display:inline-block;padding:0 6px;border-radius:8px;font-size:11px;` +
    `color:#fff;background:${colour}">${escapeHtml(label)}</span>`;
}
