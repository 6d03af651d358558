/**
 * What a run cost: a provider's price per million tokens, and the figures
 * (requests, tokens, cost, time) that say what was spent.
 *
 * @module
 */

/**
 * A provider's price, in currency units per million tokens (the unit of
 * providers' price lists: `{ input: 2.5, output: 10 }` is 2.50 per million
 * prompt tokens and 10.00 per million completion tokens). The currency is
 * whichever the numbers are in; costs are in the same one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI, type Price } from "../mod.ts";
 *
 * const price: Price = { input: 2.5, output: 10 }; // US dollars per million tokens
 * const model = new CloseAI("gpt-4o", 1, { price });
 * assert.deepEqual(model.price, price);
 * assert.equal(model.stats.cost, 0); // nothing spent yet
 * ```
 */
export interface Price {
  /** Per million prompt (input) tokens, a finite number ≥ 0. */
  readonly input: number;
  /** Per million completion (output) tokens, a finite number ≥ 0. */
  readonly output: number;
}

/**
 * Requests, tokens, cost and time: what a provider spent (its `stats`, a
 * prompt's usage, a run manifest's `spent`, the figures of a model stack).
 * The same shape serves every figure of what a run cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, type CostFigures } from "../mod.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     this.countTokens(1000, 500 * n);
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * const model = new Echo("echo", 0, { maxBatch: 2, price: { input: 1, output: 4 } });
 * await collect(model.sample("p", 2), 2);
 * const { requests, promptTokens, completionTokens, cost }: CostFigures = model.stats;
 * assert.deepEqual([requests, promptTokens, completionTokens], [1, 1000, 1000]);
 * assert.equal(cost, 0.005); // (1000 × 1 + 1000 × 4) / 1,000,000
 * ```
 */
export interface CostFigures {
  /** Requests answered with samples. */
  readonly requests: number;
  /** Prompt tokens the provider reported. */
  readonly promptTokens: number;
  /** Completion tokens the provider reported. */
  readonly completionTokens: number;
  /**
   * What the tokens cost at the provider's {@linkcode Price}, in its
   * currency; absent when no price is known (never a made-up 0).
   */
  readonly cost?: number;
  /** Seconds spent waiting for answers. */
  readonly queryTime: number;
}

/**
 * What `promptTokens` and `completionTokens` cost at `price`, or `undefined`
 * when there is no price.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costOf } from "../mod.ts";
 *
 * assert.equal(costOf({ input: 2.5, output: 10 }, 2_000_000, 100_000), 6);
 * assert.equal(costOf(undefined, 2_000_000, 100_000), undefined);
 * ```
 *
 * @param price Currency units per million tokens, or undefined.
 * @param promptTokens Prompt tokens.
 * @param completionTokens Completion tokens.
 * @returns The cost in the price's currency.
 */
export function costOf(
  price: Price | undefined,
  promptTokens: number,
  completionTokens: number,
): number | undefined {
  if (price === undefined) return undefined;
  return (promptTokens * price.input + completionTokens * price.output) / 1e6;
}
