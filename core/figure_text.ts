/**
 * The one formatter of figures: each figure of {@linkcode Figures} a display
 * shows, with its label, its unit and its display rounding, as cells, rows
 * and lines of text. The core's plain display, the notebook views and the
 * command line all show figures through it; the numbers themselves keep
 * full precision.
 *
 * A new figure is a field of `Figures` (figures.ts) and one line in
 * `SHOWN` below.
 *
 * @module
 */

import type { SavedFigures } from "./cost.ts";
import type { Figures } from "./figures.ts";

/** The names of the figures that are numbers. */
type Numeric = {
  [K in keyof Figures]-?: NonNullable<Figures[K]> extends number ? K : never;
}[keyof Figures];

/** How one figure is shown. */
interface Shown {
  readonly name: Numeric;
  readonly label: string;
  /** Its unit, if it has one (or how to find it in the figures). */
  readonly unit?: string | ((figures: Partial<Figures>) => string);
  /** Its value as text, rounded for display. */
  readonly text: (value: number) => string;
}

/** The currency of a cost: the price's, `"USD"` when it names none. */
const currency = (figures: Partial<Figures>) => figures.currency ?? "USD";

/** The figures displays show, in the order they show them. */
const SHOWN: readonly Shown[] = [
  { name: "hits", label: "hits", text: count },
  { name: "misses", label: "misses", text: count },
  { name: "hitRate", label: "hit rate", unit: "%", text: (r) => (100 * r).toFixed(1) },
  { name: "waiting", label: "waiting for another process", unit: "samples", text: count },
  { name: "requests", label: "requests", text: count },
  { name: "retries", label: "retries", text: count },
  { name: "promptTokens", label: "prompt tokens", text: count },
  { name: "completionTokens", label: "completion tokens", text: count },
  { name: "cost", label: "cost", unit: currency, text: formatCost },
  { name: "queryTime", label: "query time", unit: "s", text: (s) => s.toFixed(2) },
];

/**
 * One figure as a display shows it: its label, unit and the value rounded
 * for display, beside the value itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FigureCell, figureCells } from "../notebooks/mod.ts";
 *
 * const [cost]: FigureCell[] = figureCells({ cost: 0.0030115499999999996, currency: "EUR" });
 * assert.deepEqual(cost, {
 *   name: "cost",
 *   label: "cost",
 *   unit: "EUR",
 *   heading: "cost (EUR)",
 *   value: 0.0030115499999999996,
 *   text: "0.00301",
 * });
 * ```
 */
export interface FigureCell {
  /** The field of `Figures` it shows, e.g. `promptTokens`. */
  readonly name: keyof Figures;
  /** What it counts, in words, e.g. `prompt tokens`. */
  readonly label: string;
  /** Its unit, e.g. `s` or the currency `USD`; `undefined` for a count. */
  readonly unit: string | undefined;
  /** The label with the unit, e.g. `query time (s)`: a row's or a column's heading. */
  readonly heading: string;
  /** The value, with every digit. */
  readonly value: number;
  /** The value rounded for display, without its unit, e.g. `1,200` or `0.00302`. */
  readonly text: string;
}

/**
 * The cells of the figures a display shows, in display order: only those
 * `figures` has (no cost without a price). Takes any part of
 * {@linkcode Figures}, e.g. a cache's `saved` figures with the currency.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureCells } from "../notebooks/mod.ts";
 *
 * const cells = figureCells({ hits: 1200, promptTokens: 35, cost: 12.3456, queryTime: 0.5 });
 * assert.deepEqual(
 *   cells.map((c) => [c.heading, c.text]),
 *   [["hits", "1,200"], ["prompt tokens", "35"], ["cost (USD)", "12.35"], ["query time (s)", "0.50"]],
 * );
 * assert.equal(cells[2]!.value, 12.3456); // full precision stays in the data
 * ```
 *
 * @param figures Figures, or some of them.
 * @returns One cell per figure shown.
 */
export function figureCells(figures: Partial<Figures>): FigureCell[] {
  return SHOWN.flatMap((shown) => {
    const value = figures[shown.name];
    if (typeof value !== "number") return [];
    const unit = typeof shown.unit === "function" ? shown.unit(figures) : shown.unit;
    const heading = unit === undefined ? shown.label : `${shown.label} (${unit})`;
    return [{
      name: shown.name,
      label: shown.label,
      unit,
      heading,
      value,
      text: shown.text(value),
    }];
  });
}

/**
 * Figures as lines of text, one per figure: its heading, then its value
 * rounded for display, aligned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatFigures } from "../notebooks/mod.ts";
 *
 * assert.equal(
 *   formatFigures({ hits: 3, promptTokens: 1200, queryTime: 0.5 }),
 *   "hits               3\nprompt tokens  1,200\nquery time (s)  0.50",
 * );
 * ```
 *
 * @param figures Figures, or some of them.
 * @returns The lines, joined by newlines.
 */
export function formatFigures(figures: Partial<Figures>): string {
  const cells = figureCells(figures);
  const width = Math.max(0, ...cells.map((c) => c.heading.length + 2 + c.text.length));
  return cells.map((c) => c.heading + c.text.padStart(width - c.heading.length)).join("\n");
}

/** One figure across several columns of figures (see {@linkcode figureRows}). */
export interface FigureRow {
  /** The field of `Figures` it shows. */
  readonly name: keyof Figures;
  /** Its label with its unit, e.g. `cost (USD)`. */
  readonly heading: string;
  /** Its value in each column, rounded for display; `""` where a column has none. */
  readonly values: readonly string[];
}

/**
 * Several columns of figures (e.g. since created, since last shown, what
 * the cache saved) as rows, one per figure some column has, in display
 * order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { figureRows } from "./figure_text.ts";
 *
 * const rows = figureRows([{ hits: 3, cost: 0.5 }, { requests: 2, cost: 0.25 }]);
 * assert.deepEqual(rows.map((r) => [r.heading, ...r.values]), [
 *   ["hits", "3", ""],
 *   ["requests", "", "2"],
 *   ["cost (USD)", "0.500", "0.250"],
 * ]);
 * ```
 *
 * @param columns The figures of each column.
 * @returns One row per figure shown.
 */
export function figureRows(columns: readonly Partial<Figures>[]): FigureRow[] {
  const cells = columns.map(figureCells);
  return SHOWN.flatMap(({ name }) => {
    const row = cells.map((column) => column.find((cell) => cell.name === name));
    const first = row.find((cell) => cell !== undefined);
    if (first === undefined) return [];
    return [{ name, heading: first.heading, values: row.map((cell) => cell?.text ?? "") }];
  });
}

/**
 * What a cache saved, in words, for the note under the figures: how many
 * samples the hits were, and how many of them carry no usage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedNote } from "./figure_text.ts";
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
 * A whole number with thousands separators.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { count } from "./figure_text.ts";
 *
 * assert.equal(count(1234567), "1,234,567");
 * ```
 */
export function count(n: number): string {
  return n.toLocaleString("en-US", { maximumFractionDigits: 0 });
}

/**
 * A cost with a sensible precision: cents from 1 up, three significant
 * digits below (costs of single prompts are fractions of a cent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCost } from "./figure_text.ts";
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
