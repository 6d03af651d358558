/**
 * The results table: an experiment's numbers (pass@k, majority votes,
 * bootstrap intervals) as a table that reads at a glance, in HTML and text.
 *
 * @module
 */

import type { Interval, MajorityResult } from "../analysis/mod.ts";
import { describe } from "../internal/validate.ts";
import { count } from "../core/figure_text.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  mark,
  type MimeBundle,
  MUTED,
  table,
  textTable,
  View,
} from "./html.ts";
import { SWATCH } from "./_palette.ts";

/**
 * What a cell of a {@linkcode resultsTable} can hold: a number, a
 * `bootstrapInterval` result, a `majority` result, a yes/no, text, or
 * nothing (`null`, `undefined`).
 */
export type ResultValue =
  | number
  | string
  | boolean
  | Interval
  | MajorityResult<unknown, unknown>
  | null
  | undefined;

/**
 * Options of {@linkcode resultsTable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resultsTable, type ResultsTableOptions } from "./mod.ts";
 *
 * const options: ResultsTableOptions = { title: "pass@k", digits: 3 };
 * assert.match(String(resultsTable([{ k: 1, "pass@k": 0.56666 }], options)), /^1 +0\.567$/m);
 * ```
 */
export interface ResultsTableOptions {
  /**
   * A title above the table.
   * @default {undefined}
   */
  title?: string;
  /**
   * Decimals of numbers that are not whole, and of intervals.
   * @default {2}
   */
  digits?: number;
  /**
   * The columns to show, in this order.
   * @default {every key of the rows, in the order they first appear}
   */
  columns?: readonly string[];
}

/**
 * A table of experiment results, one row per object (like `console.table`,
 * without its index column or quoted numbers). Each value is shown for what
 * it is: numbers rounded to `digits` decimals (whole numbers with thousands
 * separators) and right-aligned; a `bootstrapInterval` as `0.57 [0.49,
 * 0.65]`, its confidence in the header; a `majority` vote as its answer with
 * its votes (`155 (5 of 7 votes)`), ties as `10 = 30 (tie, 4 of 9 votes
 * each)`; yes/no as `✓ yes` and `✗ no`. The rows keep every value as given,
 * at full precision.
 *
 * @example pass@k per k, and intervals
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval, passAtK } from "../mod.ts";
 * import { resultsTable } from "./mod.ts";
 *
 * const view = resultsTable([1, 2, 5].map((k) => ({ k, "pass@k": passAtK(30, 17, k) })));
 * assert.match(String(view), /^k +pass@k\n-+ +-+\n1 +0\.57$/m);
 *
 * const scores = [1, 0, 1, 1, 0, 1, 0, 1];
 * const ci = resultsTable([{ metric: "accuracy", mean: bootstrapInterval(scores) }]);
 * assert.match(String(ci), /^metric +mean \(95% CI\)$/m);
 * assert.match(String(ci), /^accuracy +0\.63 \[0\.25, 0\.88\]$/m);
 * ```
 *
 * @example Majority votes with their counts and ties
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority } from "../mod.ts";
 * import { resultsTable } from "./mod.ts";
 *
 * const view = resultsTable([
 *   { problem: "train", vote: majority(["155", "155", "150"]), correct: true },
 *   { problem: "tank", vote: majority(["10", "30", "30", "10"]), correct: false },
 * ]);
 * assert.match(String(view), /^train +155 \(2 of 3 votes\) +✓ yes$/m);
 * assert.match(String(view), /^tank +10 = 30 \(tie, 2 of 4 votes each\) +✗ no$/m);
 * ```
 *
 * @param rows The results, one object per row.
 * @param options Title, decimals and columns.
 * @returns The view, which also holds the rows.
 * @throws {TypeError} When `rows` is not a list of objects.
 */
export function resultsTable(
  rows: Iterable<Readonly<Record<string, ResultValue>>>,
  options: ResultsTableOptions = {},
): ResultsTable {
  if (typeof (rows as Iterable<unknown> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError(
      `resultsTable: rows must be a list of objects, got ${describe(rows)}; ` +
        `pass one object per row, e.g. [{ k: 1, "pass@k": 0.57 }]`,
    );
  }
  const list = [...rows];
  const bad = list.findIndex((r) => typeof r !== "object" || r === null || Array.isArray(r));
  if (bad >= 0) {
    throw new TypeError(
      `resultsTable: row ${bad} must be an object of column values, got ` +
        `${describe(list[bad])}; pass e.g. { k: 1, "pass@k": 0.57 }`,
    );
  }
  const { digits = 2, title, columns } = options;
  if (!Number.isInteger(digits) || digits < 0 || digits > 12) {
    throw new RangeError(
      `resultsTable: digits must be a whole number from 0 to 12, got ${describe(digits)}; ` +
        `pass e.g. 3`,
    );
  }
  const keys = columns ?? [...new Set(list.flatMap((r) => Object.keys(r)))];
  return new ResultsTable(list, keys, digits, title);
}

/**
 * A table of results; see {@linkcode resultsTable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ResultsTable } from "./mod.ts";
 *
 * const view = new ResultsTable([{ n: 1234, rate: 0.5 }], ["n", "rate"], 1, "Runs");
 * assert.equal(String(view), "Runs\n    n  rate\n-----  ----\n1,234   0.5");
 * ```
 */
export class ResultsTable extends View {
  /** The rows, with their values as given. */
  readonly rows: readonly Readonly<Record<string, ResultValue>>[];
  /** The columns shown, in order. */
  readonly columns: readonly string[];
  /** The title, if any. */
  readonly title: string | undefined;
  #digits: number;

  /**
   * Makes the view.
   *
   * @param rows The rows.
   * @param columns The columns shown, in order.
   * @param digits Decimals of numbers that are not whole, and of intervals.
   * @param title A title above the table.
   */
  constructor(
    rows: readonly Readonly<Record<string, ResultValue>>[],
    columns: readonly string[],
    digits = 2,
    title?: string,
  ) {
    super();
    this.rows = rows;
    this.columns = columns;
    this.#digits = digits;
    this.title = title;
  }

  /**
   * The view as `text/html` and `text/plain`: numbers and intervals
   * right-aligned, a note on the intervals' resampling under the table.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { resultsTable } from "./mod.ts";
   *
   * const html = resultsTable([{ "<k>": 5, ok: true }]).bundle()["text/html"];
   * assert(html.includes("&lt;k&gt;") && !html.includes("<k>"));
   * assert.match(html, /<td align="right"[^>]*>5<\/td>/);
   * assert.match(html, /✓<\/span> yes/);
   * ```
   */
  bundle(): MimeBundle {
    const values = this.rows.map((r) => this.columns.map((c) => r[c]));
    const numeric = this.columns.map((_, i) =>
      values.some((r) => r[i] !== undefined && r[i] !== null) &&
      values.every((r) => r[i] === undefined || r[i] === null || isNumeric(r[i]))
    );
    const headers = this.columns.map((c, i) => {
      const level = values.map((r) => r[i]).find(isInterval)?.confidence;
      return level === undefined ? c : `${c} (${Math.round(level * 100)}% CI)`;
    });
    const text = values.map((r) => r.map((v) => this.#format(v)));
    const html = values.map((r) =>
      r.map((v) =>
        typeof v === "boolean"
          ? `${mark(v ? "pass" : "fail")} ${v ? "yes" : "no"}`
          : escapeHtml(this.#format(v))
      )
    );
    const note = this.#note(values.flat());
    const caption = this.title === undefined
      ? ""
      : `<div style="${CAPTION}">${escapeHtml(this.title)}</div>`;
    return {
      "text/html": container(
        caption + table(headers, html, { numeric }) +
          (note === "" ? "" : `<div style="${MUTED}">${escapeHtml(note)}</div>`),
      ),
      "text/plain": [
        ...(this.title === undefined ? [] : [this.title]),
        textTable(headers, text, { numeric }),
        ...(note === "" ? [] : [note]),
      ].join("\n"),
    };
  }

  #number(n: number): string {
    if (Number.isNaN(n)) return "n/a";
    return Number.isInteger(n) ? count(n) : n.toFixed(this.#digits);
  }

  #format(value: ResultValue): string {
    if (value === undefined || value === null) return "—";
    if (typeof value === "number") return this.#number(value);
    if (typeof value === "boolean") {
      return `${SWATCH[value ? "pass" : "fail"].mark} ${value ? "yes" : "no"}`;
    }
    if (typeof value === "string") return value;
    if (isInterval(value)) {
      const f = (n: number) => n.toFixed(this.#digits);
      return `${f(value.estimate)} [${f(value.low)}, ${f(value.high)}]`;
    }
    if (isMajority(value)) return vote(value);
    return String(value);
  }

  /** How the intervals were computed, when the table has any. */
  #note(values: readonly ResultValue[]): string {
    const intervals = values.filter(isInterval);
    if (intervals.length === 0) return "";
    const resamples = [...new Set(intervals.map((i) => i.resamples))].map(count).join(" / ");
    return `[low, high]: percentile bootstrap interval, ${resamples} resamples`;
  }
}

function vote(result: MajorityResult<unknown, unknown>): string {
  const abstained = result.abstained === 0 ? "" : `, ${result.abstained} abstained`;
  const votes = `${result.count} of ${result.votes} vote${result.votes === 1 ? "" : "s"}`;
  return result.tied
    ? `${result.ties.map((t) => String(t.key)).join(" = ")} (tie, ${votes} each${abstained})`
    : `${String(result.key)} (${votes}${abstained})`;
}

function isInterval(value: unknown): value is Interval {
  const v = value as Partial<Interval> | null;
  return typeof v === "object" && v !== null && typeof v.estimate === "number" &&
    typeof v.low === "number" && typeof v.high === "number";
}

function isMajority(value: unknown): value is MajorityResult<unknown, unknown> {
  const v = value as Partial<MajorityResult<unknown, unknown>> | null;
  return typeof v === "object" && v !== null && typeof v.votes === "number" &&
    Array.isArray(v.ties) && typeof v.tied === "boolean";
}

function isNumeric(value: ResultValue): boolean {
  return typeof value === "number" || isInterval(value);
}
