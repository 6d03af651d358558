/**
 * The answer chart: how often each distinct answer occurs among samples.
 *
 * @module
 */

import { describe } from "../core/_validate.ts";
import { CAPTION, container, escapeHtml, type MimeBundle, MUTED, preview, View } from "./html.ts";

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
   * Maps a sample to the answer it counts as, e.g. the number in "I choose 42.".
   * @default {(s) => s.trim()}
   */
  answer?: (sample: string) => string;
  /**
   * The correct answer, as `answer` returns it (e.g. `"155"`): its bar is
   * marked (green, `✓ expected`) and always shown, with a count of 0 when no
   * sample gave it, and the caption says how many samples did.
   * @default {undefined}
   */
  expected?: string;
}

/** One bar: a distinct answer and how often it occurs. */
export interface AnswerCount {
  /** The answer (or `other (k answers)` for the shared bar). */
  readonly answer: string;
  /** How many samples gave it. */
  readonly count: number;
}

/**
 * An SVG bar chart of how often each distinct answer occurs, most frequent
 * first (ties in the order the answers first appeared), with the expected
 * answer marked when it is given. Text uses the
 * theme's colour and bars a mid-tone blue, so the chart reads in light and
 * dark themes; the SVG sits inside `text/html` because nbconvert's HTML drops
 * `image/svg+xml` outputs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerChart } from "./mod.ts";
 *
 * const chart = answerChart(["42", "I choose 42.", "7"], {
 *   answer: (s) => s.match(/\d+/)?.[0] ?? s,
 * });
 * assert(chart.counts[0]!.answer === "42" && chart.counts[0]!.count === 2);
 * assert(chart.bundle()["text/html"].includes("<svg"));
 * ```
 *
 * @example Marking the correct answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { answerChart } from "./mod.ts";
 *
 * const chart = answerChart(["10", "30", "10", "40"], { expected: "30" });
 * assert.equal(chart.expected, "30");
 * assert.match(String(chart), /^30 │█+ 1 ✓ expected$/m);
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
  for (const sample of samples) {
    const key = answer(sample);
    tally.set(key, (tally.get(key) ?? 0) + 1);
    total++;
  }
  // A stable sort keeps first-seen order among equal counts.
  const sorted = [...tally].map(([a, c]) => ({ answer: a, count: c }))
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
      answer: `other (${rest.length} answers)`,
      count: rest.reduce((s, r) => s + r.count, 0),
    });
  }
  return new AnswerChart(title, counts, total, tally.size, rest.length > 0, expected);
}

const BAR = "#4c8bd6";
const EXPECTED_BAR = "#2e8b57";
const EXPECTED_MARK = "✓ expected";
const OTHER_BAR = "#9aa0a6";
const ROW = 20;
const LABEL_WIDTH = 150;
const BAR_WIDTH = 320;

/**
 * A bar chart of answer frequencies; see {@linkcode answerChart}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AnswerChart } from "./mod.ts";
 *
 * const chart = new AnswerChart("Votes", [{ answer: "yes", count: 3 }, { answer: "no", count: 1 }], 4, 2);
 * assert.equal(String(chart).split("\n")[2], " no │██████████ 1");
 * ```
 */
export class AnswerChart extends View {
  /** The title. */
  readonly title: string;
  /** The bars, most frequent first. */
  readonly counts: readonly AnswerCount[];
  /** How many samples were counted. */
  readonly total: number;
  /** How many distinct answers there are. */
  readonly distinct: number;
  /** The expected answer, whose bar is marked; undefined when none was given. */
  readonly expected: string | undefined;
  #other: boolean;

  /**
   * Makes the view from figures already gathered.
   *
   * @param title The title.
   * @param counts The bars, most frequent first.
   * @param total How many samples were counted.
   * @param distinct How many distinct answers there are.
   * @param other Whether the last bar sums the answers without a bar of their own.
   * @param expected The expected answer, whose bar is marked.
   */
  constructor(
    title: string,
    counts: readonly AnswerCount[],
    total: number,
    distinct: number,
    other = false,
    expected?: string,
  ) {
    super();
    this.title = title;
    this.counts = counts;
    this.total = total;
    this.distinct = distinct;
    this.expected = expected;
    this.#other = other;
  }

  /** Whether bar `i` is the expected answer's (never the shared "other" bar). */
  #isExpected(i: number): boolean {
    if (this.#other && i === this.counts.length - 1) return false;
    return this.expected !== undefined && this.counts[i]?.answer === this.expected;
  }

  /**
   * The chart as a standalone SVG document.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const svg = answerChart(["<b>", "<b>", "a"], { title: "Tags" }).svg();
   * assert(svg.startsWith("<svg") && svg.includes('aria-label="Tags"'));
   * assert(svg.includes("&lt;b&gt;: 2") && !svg.includes("<b>"));
   * ```
   */
  svg(): string {
    const max = Math.max(1, ...this.counts.map((c) => c.count));
    const width = LABEL_WIDTH + BAR_WIDTH + (this.expected === undefined ? 60 : 130);
    const height = this.counts.length * ROW + 8;
    const rows = this.counts.map((c, i) => {
      const y = 4 + i * ROW;
      const w = c.count === 0 ? 0 : Math.max(1, Math.round((c.count / max) * BAR_WIDTH));
      const expected = this.#isExpected(i);
      const other = this.#other && i === this.counts.length - 1;
      const fill = expected ? EXPECTED_BAR : other ? OTHER_BAR : BAR;
      const label = escapeHtml(preview(c.answer, 22));
      const mark = expected ? ` ${EXPECTED_MARK}` : "";
      const bar = w === 0 ? "" : `<rect x="${LABEL_WIDTH}" y="${y + 2}" width="${w}" ` +
        `height="${ROW - 5}" rx="2" fill="${fill}"/>`;
      return `<g><title>${escapeHtml(c.answer)}: ${c.count}${mark}</title>` +
        `<text x="${LABEL_WIDTH - 6}" y="${y + 14}" text-anchor="end" fill="currentColor"` +
        `${expected ? ' font-weight="bold"' : ""}>${label}</text>${bar}` +
        `<text x="${LABEL_WIDTH + w + 5}" y="${y + 14}" fill="currentColor">` +
        `${c.count}${mark}</text></g>`;
    }).join("");
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
      `viewBox="0 0 ${width} ${height}" font-family="system-ui,sans-serif" font-size="12" ` +
      `role="img" aria-label="${escapeHtml(this.title)}">` +
      `<line x1="${LABEL_WIDTH}" y1="0" x2="${LABEL_WIDTH}" y2="${height}" ` +
      `stroke="currentColor" stroke-opacity=".4"/>${rows}</svg>`;
  }

  /**
   * The view as `text/html`, `image/svg+xml` and `text/plain`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { answerChart } from "./mod.ts";
   *
   * const bundle = answerChart(["a", "b", "a"]).bundle();
   * assert.deepEqual(Object.keys(bundle).sort(), ["image/svg+xml", "text/html", "text/plain"]);
   * assert(bundle["text/plain"].endsWith("3 samples · 2 distinct answers"));
   * ```
   */
  bundle(): MimeBundle {
    const caption = `${this.total} samples · ${this.distinct} distinct answers` +
      this.#expectedCaption();
    const svg = this.svg();
    const html = `<div style="${CAPTION}">${escapeHtml(this.title)}</div>${svg}` +
      `<div style="${MUTED}">${escapeHtml(caption)}</div>`;
    return {
      "text/html": container(html),
      "image/svg+xml": svg,
      "text/plain": `${this.title}\n${this.#textBars()}\n${caption}`,
    };
  }

  #expectedCaption(): string {
    if (this.expected === undefined) return "";
    const count = this.counts.find((_, i) => this.#isExpected(i))?.count ?? 0;
    const share = this.total === 0 ? "" : ` (${Math.round((count / this.total) * 100)}%)`;
    return ` · expected ${preview(this.expected, 22)}: ${count} of ${this.total}${share}`;
  }

  #textBars(): string {
    const max = Math.max(1, ...this.counts.map((c) => c.count));
    const labels = this.counts.map((c) => preview(c.answer, 22));
    const width = Math.max(0, ...labels.map((l) => [...l].length));
    return this.counts.map((c, i) => {
      const bar = c.count === 0 ? "" : "█".repeat(Math.max(1, Math.round(c.count / max * 30)));
      const mark = this.#isExpected(i) ? ` ${EXPECTED_MARK}` : "";
      return `${labels[i]!.padStart(width)} │${bar} ${c.count}${mark}`;
    }).join("\n");
  }
}
