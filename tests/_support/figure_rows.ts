// Reads figure text the way displays write it: the values of one row of a
// view's figures, and whether a text shows exactly what the one formatter
// (core/figure_text.ts) makes of some figures.

import assert from "node:assert/strict";
import { figureRows } from "../../core/figure_text.ts";
import type { Figures } from "../../core/figures.ts";

/** The cells after `label` on its row of a view's text (columns are 2+ spaces apart). */
export function figureRow(text: string, label: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${label}  `));
  assert.ok(line !== undefined, `no row "${label}" in:\n${text}`);
  return line.slice(label.length).trim().split(/ {2,}/);
}

/**
 * Asserts that `text` has a row for each figure of `columns` (one column of
 * values each), headed and rounded as the formatter does it.
 */
export function assertFigureRows(text: string, columns: readonly Partial<Figures>[]): void {
  const rows = figureRows(columns);
  assert.ok(rows.length > 0, "no figures to look for");
  for (const row of rows) {
    const values = [...row.values];
    while (values.at(-1) === "") values.pop(); // a text row ends at its last value
    assert.deepEqual(figureRow(text, row.heading), values, `the row "${row.heading}"`);
  }
}
