/**
 * Figures as text for the notebook views: a stack's figures as labelled,
 * numeric rows (each with its unit), costs and seconds with a sensible
 * precision.
 *
 * @module
 */

import type { SavedFigures } from "../core/cost.ts";
import type { StackFigures } from "./stack_figures.ts";

/** One row of figures: its label (with the unit) and a value per column, `""` where none. */
export interface FigureRow {
  /** What the row counts, with its unit, e.g. `cost (USD)`. */
  readonly label: string;
  /** The values, formatted, one per column. */
  readonly values: readonly string[];
}

/**
 * A stack's figures as rows, one per figure, with a column per snapshot
 * (e.g. since created, since last shown) and, when given, one for what the
 * cache saved; the cost row only when some column has a cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureRows } from "./_figure_text.ts";
 *
 * const f = { hits: 3, misses: 1, fresh: 1, requests: 1, retries: 0, promptTokens: 1200 };
 * const rows = figureRows([{ ...f, completionTokens: 4, queryTime: 0.5, cost: 0.0030115499999999996, currency: "EUR" }]);
 * assert.deepEqual(rows.map((r) => r.label), [
 *   "hits", "misses", "requests", "retries", "prompt tokens", "completion tokens", "cost (EUR)", "query time (s)",
 * ]);
 * assert.deepEqual(rows.map((r) => r.values[0]), ["3", "1", "1", "0", "1,200", "4", "0.00301", "0.50"]);
 * ```
 */
export function figureRows(
  columns: readonly StackFigures[],
  saved?: SavedFigures,
): FigureRow[] {
  const all: (StackFigures | SavedFigures)[] = saved === undefined ? [...columns] : [
    ...columns,
    saved,
  ];
  const isSaved = (f: StackFigures | SavedFigures): f is SavedFigures => f === saved;
  const row = (label: string, value: (f: StackFigures | SavedFigures) => string) => ({
    label,
    values: all.map(value),
  });
  const served = (name: "hits" | "misses") => (f: StackFigures | SavedFigures) =>
    isSaved(f) ? "" : count((f as StackFigures)[name]);
  const currency = columns.find((c) => c.currency !== undefined)?.currency ?? "USD";
  const withCost = all.some((f) => f.cost !== undefined);
  return [
    row("hits", served("hits")),
    row("misses", served("misses")),
    row("requests", (f) => count(f.requests)),
    row("retries", (f) => isSaved(f) ? "" : count((f as StackFigures).retries)),
    row("prompt tokens", (f) => count(f.promptTokens)),
    row("completion tokens", (f) => count(f.completionTokens)),
    ...(withCost
      ? [row(`cost (${currency})`, (f) => f.cost === undefined ? "" : formatCost(f.cost))]
      : []),
    row("query time (s)", (f) => f.queryTime.toFixed(2)),
  ];
}

/**
 * A whole number with thousands separators.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./_figure_text.ts";
 *
 * assert.equal(count(1234567), "1,234,567");
 * ```
 */
export function count(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/**
 * What a cache saved, in words, for the note under the figures: how many
 * samples the hits were, and how many of them carry no usage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedNote } from "./_figure_text.ts";
 *
 * const figures = { requests: 1, promptTokens: 35, completionTokens: 10, queryTime: 0.8 };
 * assert.equal(
 *   savedNote({ samples: 10, unknown: 2, ...figures }, 14),
 *   "saved: what the 10 samples behind the 14 hits cost when they were drawn " +
 *     "(a sample served twice is saved once; 2 of unknown usage, not counted)",
 * );
 * ```
 */
export function savedNote(saved: SavedFigures, hits: number): string {
  const samples = `${saved.samples} sample${saved.samples === 1 ? "" : "s"}`;
  const unknown = saved.unknown === 0
    ? ""
    : `; ${saved.unknown === saved.samples ? "all" : saved.unknown} of unknown usage, not counted`;
  return `saved: what the ${samples} behind the ${hits} hit${hits === 1 ? "" : "s"} cost when ` +
    `they were drawn (a sample served twice is saved once${unknown})`;
}

/**
 * A cost with a sensible precision: cents from 1 up, three significant
 * digits below (costs of single prompts are fractions of a cent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCost } from "./_figure_text.ts";
 *
 * assert.equal(formatCost(12.3456), "12.35");
 * assert.equal(formatCost(0.0123456), "0.0123");
 * assert.equal(formatCost(0.000105), "0.000105");
 * assert.equal(formatCost(0), "0");
 * ```
 */
export function formatCost(cost: number): string {
  if (cost === 0) return "0";
  if (Math.abs(cost) >= 1) return cost.toFixed(2);
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(Math.abs(cost))));
  return cost.toFixed(decimals);
}

/**
 * Seconds with a sensible precision: hundredths below ten seconds, tenths above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seconds } from "./_figure_text.ts";
 *
 * assert.equal(seconds(0.123), "0.12 s");
 * assert.equal(seconds(42.25), "42.3 s");
 * ```
 */
export function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/**
 * A duration for people: seconds below a minute, then `m:ss`, then `h:mm:ss`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { duration } from "./_figure_text.ts";
 *
 * assert.equal(duration(4.2), "4 s");
 * assert.equal(duration(75), "1:15");
 * assert.equal(duration(3725), "1:02:05");
 * ```
 */
export function duration(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h === 0 ? `${m}:${two(sec)}` : `${h}:${two(m)}:${two(sec)}`;
}
