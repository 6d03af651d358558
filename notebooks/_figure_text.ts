/**
 * Figures as text for the notebook views: a stack's figures in one line,
 * what a cache saved, costs and seconds with a sensible precision.
 *
 * @module
 */

import type { SavedFigures } from "../core/cost.ts";
import type { StackFigures } from "./stack_figures.ts";

/**
 * A stack's figures in one line, as the model view shows them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stackSummary } from "./_figure_text.ts";
 *
 * const figures = { hits: 3, misses: 1, fresh: 1, requests: 1, retries: 0, promptTokens: 12 };
 * assert.equal(
 *   stackSummary({ ...figures, completionTokens: 4, queryTime: 0.5 }),
 *   "hits 3 · misses 1 · requests 1 · retries 0 · tokens 12 prompt / 4 completion · " +
 *     "query time 0.50 s",
 * );
 * ```
 */
export function stackSummary(f: StackFigures): string {
  return [
    `hits ${f.hits}`,
    `misses ${f.misses}`,
    `requests ${f.requests}`,
    `retries ${f.retries}`,
    `tokens ${f.promptTokens} prompt / ${f.completionTokens} completion`,
    ...(f.cost === undefined ? [] : [`cost ${formatCost(f.cost)}`]),
    `query time ${seconds(f.queryTime)}`,
    ...(f.saved === undefined || f.saved.samples === 0 ? [] : [`saved: ${savedSummary(f.saved)}`]),
  ].join(" · ");
}

/**
 * What the items served from the cache cost when drawn, in one line:
 * `100 samples, tokens 1400 prompt / 5200 completion, cost 0.0555, query time
 * 61.4 s`; samples stored without usage are named, never counted as free.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedSummary } from "./_figure_text.ts";
 *
 * const figures = { requests: 1, promptTokens: 35, completionTokens: 10, queryTime: 0.8 };
 * assert.equal(
 *   savedSummary({ samples: 10, unknown: 0, ...figures, cost: 0.000188 }),
 *   "10 samples, tokens 35 prompt / 10 completion, cost 0.000188, query time 0.80 s",
 * );
 * assert.equal(
 *   savedSummary({ samples: 12, unknown: 2, ...figures }),
 *   "12 samples (2 of unknown usage, not counted), tokens 35 prompt / 10 completion, " +
 *     "query time 0.80 s",
 * );
 * assert.equal(
 *   savedSummary({ ...figures, samples: 3, unknown: 3, promptTokens: 0, completionTokens: 0 }),
 *   "3 samples of unknown usage",
 * );
 * ```
 */
export function savedSummary(saved: SavedFigures): string {
  const samples = `${saved.samples} sample${saved.samples === 1 ? "" : "s"}`;
  if (saved.unknown === saved.samples) return `${samples} of unknown usage`;
  return [
    saved.unknown === 0 ? samples : `${samples} (${saved.unknown} of unknown usage, not counted)`,
    `tokens ${saved.promptTokens} prompt / ${saved.completionTokens} completion`,
    ...(saved.cost === undefined ? [] : [`cost ${formatCost(saved.cost)}`]),
    `query time ${seconds(saved.queryTime)}`,
  ].join(", ");
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
