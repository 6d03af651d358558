// The one formatter of figures (core/figure_text.ts): labels, units and
// display rounding, the same for the core's plain display, the notebook
// views and the command line. These are the only tests that spell figure
// text out; every other test reads it from the formatter.

import assert from "node:assert/strict";
import { figureRows } from "../../core/figure_text.ts";
import { figureCells, formatFigures } from "../../notebooks/mod.ts";

const FIGURES = {
  hits: 1234,
  misses: 1,
  fresh: 10,
  requests: 2,
  retries: 0,
  promptTokens: 1200,
  completionTokens: 4,
  cost: 0.0030115499999999996,
  currency: "EUR",
  queryTime: 12.3456,
};

Deno.test("figureCells: label, unit and display rounding per figure; the value keeps every digit", () => {
  const cells = figureCells(FIGURES);
  const byName = new Map(cells.map((c) => [c.name, c]));
  assert.deepEqual(byName.get("hits"), {
    name: "hits",
    label: "hits",
    unit: undefined,
    heading: "hits",
    value: 1234,
    text: "1,234",
  });
  assert.deepEqual(byName.get("cost"), {
    name: "cost",
    label: "cost",
    unit: "EUR",
    heading: "cost (EUR)",
    value: 0.0030115499999999996,
    text: "0.00301",
  });
  assert.deepEqual(
    [byName.get("queryTime")!.heading, byName.get("queryTime")!.text],
    ["query time (s)", "12.35"],
  );
  assert.equal(byName.get("promptTokens")!.heading, "prompt tokens");
  assert.ok(!byName.has("fresh" as never), "not a figure displays show");
  assert.ok(!cells.some((c) => c.name === ("currency" as never)), "the currency is a unit");
});

Deno.test("figureCells: the cost is in the price's currency, USD when it names none; no price, no cost", () => {
  const { currency: _, ...inDollars } = FIGURES;
  assert.equal(figureCells(inDollars).find((c) => c.name === "cost")!.heading, "cost (USD)");
  const { cost: __, ...free } = inDollars;
  assert.equal(figureCells(free).find((c) => c.name === "cost"), undefined, "never a made-up 0");
  assert.equal(figureCells({ cost: 0 })[0]!.text, "0", "a price, nothing spent: 0");
  assert.deepEqual(figureCells({}), []);
});

Deno.test("figureCells: a figure that is not a number (a broken model's) is left out", () => {
  const cells = figureCells({ hits: Number.NaN, misses: undefined as unknown as number });
  assert.deepEqual(cells.map((c) => c.text), ["NaN"], "NaN is a number: shown as it is");
  assert.equal(figureCells({ misses: "3" as unknown as number }).length, 0);
});

Deno.test("figureRows: a row per figure some column has, in display order, '' where a column has none", () => {
  const saved = { samples: 4, unknown: 0, requests: 1, promptTokens: 14, completionTokens: 4 };
  const rows = figureRows([FIGURES, { ...saved, cost: 0.5, currency: "EUR", queryTime: 1 }]);
  const names = figureCells(FIGURES).map((c) => c.name);
  assert.deepEqual(rows.map((r) => r.name), names, "the order of figureCells");
  const row = (name: string) => rows.find((r) => r.name === name)!;
  assert.deepEqual(row("hits").values, ["1,234", ""], "a cache's saved has no hits");
  assert.deepEqual(row("promptTokens").values, ["1,200", "14"]);
  assert.deepEqual(row("cost").values, ["0.00301", "0.500"]);
  assert.equal(row("cost").heading, "cost (EUR)");
  assert.ok(!rows.some((r) => r.name === ("samples" as never)), "samples is not a figure row");
});

Deno.test("formatFigures: one aligned line per cell, its heading then its text", () => {
  const text = formatFigures(FIGURES);
  const lines = text.split("\n");
  const cells = figureCells(FIGURES);
  assert.equal(lines.length, cells.length);
  cells.forEach((cell, i) => {
    assert.match(
      lines[i]!,
      new RegExp(`^${RegExp.escape(cell.heading)} {2,}${RegExp.escape(cell.text)}$`),
    );
  });
  assert.equal(new Set(lines.map((l) => l.length)).size, 1, "values right-aligned");
  assert.equal(formatFigures({}), "");
});

Deno.test("figureCells: the hit rate in percent, to a tenth", () => {
  const [cell] = figureCells({ hitRate: 2 / 3 });
  assert.deepEqual(
    [cell!.heading, cell!.unit, cell!.text, cell!.value],
    ["hit rate (%)", "%", "66.7", 2 / 3],
  );
  assert.equal(figureCells({ hitRate: 1 })[0]!.text, "100.0");
});
