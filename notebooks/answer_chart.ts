/**
 * The answer chart: how often each distinct answer occurs among samples.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  type MimeBundle,
  MUTED,
  preview,
  table,
  View,
} from "./html.ts";
import { NEUTRAL, SWATCH } from "./_palette.ts";

/** Options of {@linkcode answerChart}. */
export interface AnswerChartOptions {
  /**
   * A title above the chart.
   * @default {"Answers"}
   */
  title?: string;
  /**
   * How many distinct answers get their own bar; the rest share one "other" bar.
   * @default {20}
   */
  top?: number;
  /**
   * Maps a sample to the answer it counts as, e.g. the number in "I choose
   * 42."; `undefined` or `""` counts as no answer (its own grey bar, last).
   * @default {(s) => s.trim()}
   */
  answer?: (sample: string) => string | undefined;
  /**
   * The correct answer, as `answer` returns it (e.g. `"155"`): its bar is
   * marked (green, `✓ expected`) and always shown, with a count of 0 when no
   * sample gave it, and the caption says how many samples did.
   * @default {undefined}
   */
  expected?: string;
}

/** One bar: a distinct answer and how many samples gave it. */
export interface AnswerCount {
  /** The answer, or the bar's label (`12 other answers`, `no answer`). */
  readonly answer: string;
  /** How many samples gave it. */
  readonly count: number;
  /**
   * `answer` for one answer, `other` for the bar that sums the answers
   * without a bar of their own, `none` for the samples without an answer.
   * @default {"answer"}
   */
  readonly kind?: "answer" | "other" | "none";
}

/**
 * A bar chart of how often each distinct answer occurs, most frequent first
 * (ties in the order the answers first appeared), each bar with its count
 * and share of the samples; answers tied for the most are marked `= tie`,
 * the expected answer (when given) `✓ expected`, and samples without an
 * answer get a grey bar of their own, last. In HTML the chart is a table
 * (answer, samples, share, bar), which stays readable where styles are
 * stripped; `image/svg+xml` is the same chart as a standalone image with its
 * own title, background and label colours.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerChart } from "./mod.ts";
 *
 * const chart = answerChart(["42", "I choose 42.", "7", "no idea"], {
 *   answer: (s) => s.match(/\d+/)?.[0],
 * });
 * assert.deepEqual(chart.counts.map((c) => [c.answer, c.count]), [["42", 2], ["7", 1], ["no answer", 1]]);
 * assert.match(String(chart), /^ +42 │█+ 2 \(50%\)$/m);
 * assert.match(chart.bundle()["text/html"], /<table/);
 * ```
 *
 * @example Marking the correct answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerChart } from "./mod.ts";
 *
 * const chart = answerChart(["10", "30", "10", "40"], { expected: "30" });
 * assert.equal(chart.expected, "30");
 * assert.match(String(chart), /^ +30 │█+ 1 \(25%\) ✓ expected$/m);
 * assert.match(String(chart), /expected 30: 1 of 4 \(25%\)$/);
 * ```
 *
 * @param samples The samples to count.
 * @param options Title, number of bars, how a sample maps to an answer, and
 * the expected answer.
 * @returns The chart.
 */
export function answerChart(
  samples: Iterable<string>,
  options: AnswerChartOptions = {},
): AnswerChart {
  const { title = "Answers", top = 20, answer = (s: string) => s.trim(), expected } = options;
  if (expected !== undefined && typeof expected !== "string") {
    throw new TypeError(
      `answerChart: expected must be a string (an answer as the answer function returns it), ` +
        `got ${describe(expected)}; pass e.g. String(${describe(expected)})`,
    );
  }
  const tally = new Map<string, number>();
  let total = 0;
  let none = 0;
  for (const sample of samples) {
    const key = answer(sample);
    if (key === undefined || key === "") none++;
    else tally.set(key, (tally.get(key) ?? 0) + 1);
    total++;
  }
  // A stable sort keeps first-seen order among equal counts.
  const sorted: AnswerCount[] = [...tally].map(([a, c]) => ({ answer: a, count: c }))
    .sort((a, b) => b.count - a.count);
  const counts = sorted.slice(0, Math.max(1, top));
  const rest = sorted.slice(counts.length);
  // The expected answer keeps a bar of its own, however rare.
  if (expected !== undefined && !counts.some((c) => c.answer === expected)) {
    const at = rest.findIndex((c) => c.answer === expected);
    counts.push(at < 0 ? { answer: expected, count: 0 } : rest.splice(at, 1)[0]!);
  }
  if (rest.length > 0) {
    counts.push({
      answer: `${rest.length} other answer${rest.length === 1 ? "" : "s"}`,
      count: rest.reduce((s, r) => s + r.count, 0),
      kind: "other",
    });
  }
  if (none > 0) counts.push({ answer: "no answer", count: none, kind: "none" });
  return new AnswerChart(title, counts, total, tally.size, expected);
}

const EXPECTED_MARK = `${SWATCH.pass.mark} expected`;
const TIE_MARK = "= tie";
// The standalone SVG: monospaced text, so that widths are known before rendering.
const ROW = 20;
const CHAR = 7.6;
const FONT = 12;
const BAR_WIDTH = 300;
const LABEL_CHARS = 28;
const INK = "#222222";

/**
 * A bar chart of answer frequencies; see {@linkcode answerChart}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AnswerChart } from "./mod.ts";
 *
 * const chart = new AnswerChart("Votes", [{ answer: "yes", count: 3 }, { answer: "no", count: 1 }], 4, 2);
 * assert.equal(String(chart).split("\n")[3], "    no │██████████ 1 (25%)");
 * ```
 */
export class AnswerChart extends View {
  /** The title. */
  readonly title: string;
  /** The bars, most frequent first; "other" and "no answer" last. */
  readonly counts: readonly AnswerCount[];
  /** How many samples were counted. */
  readonly total: number;
  /** How many distinct answers there are (samples without an answer aside). */
  readonly distinct: number;
  /** The expected answer, whose bar is marked; undefined when none was given. */
  readonly expected: string | undefined;

  /**
   * Makes the view from figures already gathered.
   *
   * @param title The title.
   * @param counts The bars, most frequent first.
   * @param total How many samples were counted.
   * @param distinct How many distinct answers there are.
   * @param expected The expected answer, whose bar is marked.
   */
  constructor(
    title: string,
    counts: readonly AnswerCount[],
    total: number,
    distinct: number,
    expected?: string,
  ) {
    super();
    this.title = title;
    this.counts = counts;
    this.total = total;
    this.distinct = distinct;
    this.expected = expected;
  }

  /**
   * The answers tied for the most samples (two or more), or none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * assert.deepEqual(answerChart(["10", "30", "30", "10", "40"]).ties, ["10", "30"]);
   * assert.deepEqual(answerChart(["10", "30", "30"]).ties, []);
   * ```
   */
  get ties(): string[] {
    const answers = this.counts.filter((c) => (c.kind ?? "answer") === "answer");
    const most = Math.max(0, ...answers.map((c) => c.count));
    const tied = answers.filter((c) => c.count === most && most > 0).map((c) => c.answer);
    return tied.length > 1 ? tied : [];
  }

  /** The marks of a bar: expected, tied. */
  #marks(c: AnswerCount): string[] {
    const answer = (c.kind ?? "answer") === "answer";
    return [
      ...(answer && c.answer === this.expected ? [EXPECTED_MARK] : []),
      ...(answer && this.ties.includes(c.answer) ? [TIE_MARK] : []),
    ];
  }

  #share(count: number): string {
    return this.total === 0 ? "0%" : `${Math.round((count / this.total) * 100)}%`;
  }

  #fill(c: AnswerCount): string {
    if (c.kind === "other" || c.kind === "none") return NEUTRAL;
    return c.answer === this.expected ? SWATCH.pass.colour : SWATCH.count.colour;
  }

  /**
   * The chart as a standalone SVG image: its own title, a white background
   * and dark labels, so it reads the same on any page; every text fits
   * inside the image (long answers are cut with `…`, whole in a tooltip).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const svg = answerChart(["<b>", "<b>", "a"], { title: "Tags" }).svg();
   * assert(svg.startsWith("<svg") && svg.includes("<title>Tags</title>"));
   * assert(svg.includes("&lt;b&gt;: 2 samples (67%)") && !svg.includes("<b>"));
   * assert(!svg.includes("currentColor"));
   * ```
   */
  svg(): string {
    const max = Math.max(1, ...this.counts.map((c) => c.count));
    const labels = this.counts.map((c) => preview(c.answer, LABEL_CHARS));
    const values = this.counts.map((c) =>
      [`${c.count} (${this.#share(c.count)})`, ...this.#marks(c)].join(" ")
    );
    const labelWidth = Math.ceil(Math.max(6, ...labels.map(columns)) * CHAR) + 16;
    const valueWidth = Math.ceil(Math.max(8, ...values.map(columns)) * CHAR) + 12;
    const width = Math.max(labelWidth + BAR_WIDTH + valueWidth, columns(this.title) * 8 + 16);
    const top = 30;
    const height = top + this.counts.length * ROW + 34;
    const rows = this.counts.map((c, i) => {
      const y = top + i * ROW;
      const w = c.count === 0 ? 0 : Math.max(1, Math.round((c.count / max) * BAR_WIDTH));
      const strong = this.#marks(c).includes(EXPECTED_MARK) ? ' font-weight="bold"' : "";
      const italic = c.kind === "none" ? ' font-style="italic"' : "";
      const bar = w === 0 ? "" : `<rect x="${labelWidth}" y="${y + 3}" width="${w}" ` +
        `height="${ROW - 6}" rx="2" fill="${this.#fill(c)}"/>`;
      return `<g><title>${escapeHtml(c.answer)}: ${c.count} samples (${this.#share(c.count)})` +
        `</title><text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end"${strong}${italic}>` +
        `${escapeHtml(labels[i]!)}</text>${bar}<text x="${labelWidth + w + 6}" y="${y + 14}">` +
        `${escapeHtml(values[i]!)}</text></g>`;
    }).join("");
    const axis = top + this.counts.length * ROW + 4;
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="ui-monospace,DejaVu Sans Mono,monospace" ` +
      `font-size="${FONT}" fill="${INK}" role="img" aria-label="${escapeHtml(this.title)}">` +
      `<title>${escapeHtml(this.title)}</title>` +
      `<rect width="100%" height="100%" fill="#ffffff"/>` +
      `<text x="8" y="18" font-weight="bold" font-family="system-ui,sans-serif" font-size="13">` +
      `${escapeHtml(preview(this.title, Math.floor((width - 16) / 8)))}</text>${rows}` +
      `<line x1="${labelWidth}" y1="${top}" x2="${labelWidth}" y2="${axis}" stroke="#888888"/>` +
      `<line x1="${labelWidth}" y1="${axis}" x2="${labelWidth + BAR_WIDTH}" y2="${axis}" ` +
      `stroke="#888888"/><text x="${labelWidth}" y="${axis + 14}">0</text>` +
      `<text x="${labelWidth + BAR_WIDTH}" y="${axis + 14}" text-anchor="end">${max}</text>` +
      `<text x="${labelWidth + BAR_WIDTH / 2}" y="${axis + 26}" text-anchor="middle">` +
      `samples (of ${this.total})</text></svg>`;
  }

  /**
   * The view as `text/html` (a table with bars), `image/svg+xml` and
   * `text/plain`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const bundle = answerChart(["a", "b", "a"]).bundle();
   * assert.deepEqual(Object.keys(bundle).sort(), ["image/svg+xml", "text/html", "text/plain"]);
   * assert(bundle["text/plain"].endsWith("3 samples · 2 distinct answers"));
   * assert.match(bundle["text/html"], /<td align="right"[^>]*>67%<\/td>/);
   * ```
   */
  bundle(): MimeBundle {
    const caption = this.#caption();
    const max = Math.max(1, ...this.counts.map((c) => c.count));
    // Marks get a column of their own, so that a full-length bar leaves them room.
    const marked = this.counts.some((c) => this.#marks(c).length > 0);
    const rows = this.counts.map((c) => {
      const marks = this.#marks(c);
      const label = escapeHtml(c.kind === "none" ? "(no answer)" : preview(c.answer, 60));
      const style = marks.includes(EXPECTED_MARK)
        ? "font-weight:700"
        : c.kind === undefined || c.kind === "answer"
        ? ""
        : "font-style:italic";
      const width = c.count === 0 ? 0 : Math.max(0.5, (c.count / max) * 100);
      const bar = width === 0 ? "" : `<span style="display:inline-block;vertical-align:middle;` +
        `height:12px;width:${width.toFixed(1)}%;border-radius:2px;` +
        `background:${this.#fill(c)}"></span>`;
      return [
        `<div title="${escapeHtml(c.answer)}" style="white-space:nowrap;overflow:hidden;` +
        `text-overflow:ellipsis;${style}">${label}</div>`,
        String(c.count),
        this.#share(c.count),
        bar,
        // Each mark stays whole; two marks may take two lines.
        ...(marked
          ? [marks.map((m) => `<b style="white-space:nowrap">${escapeHtml(m)}</b>`).join(" ")]
          : []),
      ];
    });
    const html = `<div style="${CAPTION}">${escapeHtml(this.title)}</div>` +
      table(["answer", "samples", "share", "", ...(marked ? ["mark"] : [])], rows, {
        numeric: [false, true, true],
        widths: ["30%", "5.5em", "4.5em", "", ...(marked ? ["8em"] : [])],
      }) +
      `<div style="${MUTED}">${escapeHtml(caption)}</div>`;
    return {
      "text/html": container(html),
      "image/svg+xml": this.svg(),
      "text/plain": `${this.title}\n${this.#textBars()}\n${caption}`,
    };
  }

  #caption(): string {
    const none = this.counts.find((c) => c.kind === "none")?.count ?? 0;
    const ties = this.ties;
    const tie = ties.length === 0
      ? ""
      : ` · tie for the most: ${ties.map((t) => preview(t, 22)).join(" = ")}`;
    return `${this.total} samples · ${this.distinct} distinct answers` +
      (none === 0 ? "" : ` · ${none} without an answer`) + tie + this.#expectedCaption();
  }

  #expectedCaption(): string {
    if (this.expected === undefined) return "";
    const count = this.counts.find((c) => this.#marks(c).includes(EXPECTED_MARK))?.count ?? 0;
    const share = this.total === 0 ? "" : ` (${this.#share(count)})`;
    return ` · expected ${preview(this.expected, 22)}: ${count} of ${this.total}${share}`;
  }

  #textBars(): string {
    const max = Math.max(1, ...this.counts.map((c) => c.count));
    const labels = this.counts.map((c) =>
      c.kind === "none" ? "(no answer)" : preview(c.answer, 22)
    );
    const width = Math.max(6, ...labels.map((l) => [...l].length));
    const header = `${"answer".padStart(width)} │ samples (share)`;
    return [
      header,
      ...this.counts.map((c, i) => {
        const bar = c.count === 0 ? "" : "█".repeat(Math.max(1, Math.round(c.count / max * 30)));
        const marks = this.#marks(c);
        return `${labels[i]!.padStart(width)} │${bar} ${c.count} (${this.#share(c.count)})` +
          (marks.length === 0 ? "" : ` ${marks.join(" ")}`);
      }),
    ].join("\n");
  }
}

/** How many monospaced columns a text takes: wide (East Asian, emoji) characters take two. */
function columns(text: string): number {
  let n = 0;
  for (const c of text) n += c.codePointAt(0)! >= 0x1100 ? 2 : 1;
  return n;
}
