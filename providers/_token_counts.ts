// The token counts of an answer, as far as the server reported them. A count
// the server left out is unknown, never 0: a sample stored with a made-up 0
// would be replayed as free.

import type { QueryResult } from "../core/buffered_model.ts";
import type { TokenUsage } from "../core/usage.ts";

/** What an answer says it used: the split when known, else the total when known. */
export type TokenCounts = Pick<QueryResult, "usage" | "totalTokens">;

/**
 * The counts of `prompt`, `completion` and `total` tokens as a server gave
 * them (each a number, or anything else when absent or malformed): the
 * split when two of the three are known (the third follows), the total
 * alone when it is all there is, nothing when neither can be had.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tokenCounts } from "./_token_counts.ts";
 *
 * assert.deepEqual(tokenCounts(10, 5, undefined), { usage: { promptTokens: 10, completionTokens: 5 } });
 * assert.deepEqual(tokenCounts(10, undefined, 30), { usage: { promptTokens: 10, completionTokens: 20 } });
 * assert.deepEqual(tokenCounts(undefined, undefined, 30), { totalTokens: 30 });
 * assert.deepEqual(tokenCounts(10, undefined, undefined), {});
 * ```
 */
export function tokenCounts(prompt: unknown, completion: unknown, total: unknown): TokenCounts {
  const [p, c, t] = [count(prompt), count(completion), count(total)];
  if (p !== undefined && c !== undefined) return split(p, c);
  if (p !== undefined && t !== undefined && t >= p) return split(p, t - p);
  if (c !== undefined && t !== undefined && t >= c) return split(t - c, c);
  return t === undefined ? {} : { totalTokens: t };
}

/** The tokens an answer's counts add up to, or undefined when they are unknown. */
export function tokensOf(counts: TokenCounts): number | undefined {
  const { usage, totalTokens } = counts;
  return usage === undefined ? totalTokens : usage.promptTokens + usage.completionTokens;
}

function split(promptTokens: number, completionTokens: number): { usage: TokenUsage } {
  return { usage: { promptTokens, completionTokens } };
}

/** A count as a whole number ≥ 0, or undefined when `value` is not one. */
export function count(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0
    ? Math.round(value)
    : undefined;
}
