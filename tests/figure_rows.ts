// Reads the model view's text: the values of one row of its figures table.

import assert from "node:assert/strict";

/** The cells after `label` on its row of a view's text (columns are 2+ spaces apart). */
export function figureRow(text: string, label: string): string[] {
  const line = text.split("\n").find((l) => l.startsWith(`${label}  `));
  assert.ok(line !== undefined, `no row "${label}" in:\n${text}`);
  return line.slice(label.length).trim().split(/ {2,}/);
}
