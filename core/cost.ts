/**
 * What a run cost: a provider's price per million tokens, and the figures
 * (requests, tokens, cost, time) that say what was spent.
 *
 * @module
 */

/**
 * A provider's price, in units of its `currency` per million tokens (the
 * unit of providers' price lists: `{ input: 2.5, output: 10 }` is 2.50 US
 * dollars per million prompt tokens and 10.00 per million completion
 * tokens). Costs are in the same currency, which displays name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI } from "../mod.ts";
 * import { currencyOf, type Price } from "../core/accounting.ts";
 *
 * const price: Price = { input: 2.5, output: 10 }; // US dollars per million tokens
 * const model = new CloseAI("gpt-4o", 1, { price });
 * assert.deepEqual(model.price, price);
 * assert.equal(model.stats.cost, 0); // nothing spent yet
 * assert.equal(currencyOf(model.price), "USD");
 * assert.equal(currencyOf({ input: 2, output: 8, currency: "EUR" }), "EUR");
 * ```
 */
export interface Price {
  /** Per million prompt (input) tokens, a finite number ≥ 0. */
  readonly input: number;
  /** Per million completion (output) tokens, a finite number ≥ 0. */
  readonly output: number;
  /**
   * The currency of `input`, `output` and every cost at this price: an ISO
   * 4217 code such as `"USD"`, `"EUR"` or `"CNY"`.
   * @default {"USD"}
   */
  readonly currency?: string;
}

/**
 * The currency of a price (its `currency`, `"USD"` when it names none), or
 * `undefined` without a price.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { currencyOf } from "../core/accounting.ts";
 *
 * assert.equal(currencyOf({ input: 2.5, output: 10 }), "USD");
 * assert.equal(currencyOf({ input: 1, output: 2, currency: "CNY" }), "CNY");
 * assert.equal(currencyOf(undefined), undefined);
 * ```
 *
 * @param price A price, or undefined.
 * @returns Its ISO 4217 currency code.
 */
export function currencyOf(price: Price | undefined): string | undefined {
  return price === undefined ? undefined : price.currency ?? "USD";
}

/**
 * Requests, tokens, cost and time: what a provider spent (its `stats`, a
 * prompt's usage, a run manifest's `spent`, the figures of a model stack).
 * The same shape serves every figure of what a run cost.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import type { CostFigures } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number) {
 *     const usage = { promptTokens: 1000, completionTokens: 500 * n };
 *     return Promise.resolve({ samples: Array(n).fill(prompt), usage });
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
 * What a cache saved: the samples it served that it did not draw in this run
 * (stored before, in its store or a cache below), each counted once, and what
 * drawing them cost when they were drawn: their stored requests, tokens and
 * time, and the cost of those tokens at the provider's price. Samples stored
 * without usage (by an older version, the Python original, or a model that
 * reports no tokens) are counted in `unknown`: their tokens and cost are not
 * in the figures, which are then a lower bound.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Persistent } from "../mod.ts";
 * import type { SavedFigures } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number) {
 *     return Promise.resolve({
 *       samples: Array(n).fill(prompt),
 *       usage: { promptTokens: 1000, completionTokens: 400 * n },
 *     });
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const price = { input: 2.5, output: 10 };
 * await collect(new Persistent(new Echo("echo", 0, { maxBatch: 2 }), dir).sample("p", 2), 2);
 *
 * const replay = new Persistent(new Echo("echo", 0, { price }), dir, { replication: true });
 * await collect(replay.sample("p"), 2);
 * const { queryTime, ...saved }: SavedFigures = replay.stats.saved;
 * assert.deepEqual(saved, {
 *   samples: 2,
 *   unknown: 0,
 *   requests: 1,
 *   promptTokens: 1000,
 *   completionTokens: 800,
 *   cost: 0.0105, // (1000 × 2.5 + 800 × 10) / 1,000,000
 * });
 * assert(queryTime >= 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface SavedFigures extends CostFigures {
  /** Samples served from the cache, each counted once however often it was served. */
  readonly samples: number;
  /** Of those, samples whose token usage is not stored: not in the other figures. */
  readonly unknown: number;
}

/**
 * What `promptTokens` and `completionTokens` cost at `price`, or `undefined`
 * when there is no price.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { costOf } from "../core/accounting.ts";
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
