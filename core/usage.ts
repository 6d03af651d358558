/**
 * What a sample cost to draw, stored with it: a provider reports the tokens
 * of each request, each sample carries its share of its request, and a store
 * keeps the shares beside the samples, so that a replayed run can say what it
 * would have cost.
 *
 * @module
 */

/**
 * The tokens one request used, as the provider reported them: what
 * `BufferedModel.query` returns beside its samples.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import type { TokenUsage } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number) {
 *     const usage: TokenUsage = { promptTokens: 12, completionTokens: 3 * n };
 *     return Promise.resolve({ samples: Array(n).fill(prompt), usage });
 *   }
 * }
 *
 * const model = new Echo("echo", 0, { maxBatch: 4 });
 * await collect(model.sample("p", 4), 4);
 * assert.deepEqual(model.totalTokenCount(), [12, 12]);
 * ```
 */
export interface TokenUsage {
  /** Prompt (input) tokens, a whole number ≥ 0. */
  readonly promptTokens: number;
  /** Completion (output) tokens, a whole number ≥ 0. */
  readonly completionTokens: number;
}

/**
 * What one sample cost: its share of the request that brought it. A request
 * of n samples is split into n whole-number shares that add up to the
 * request's figures (35 prompt tokens over 2 samples: 18 and 17); the first
 * sample of a request carries the request itself (`requests` 1, the others
 * 0). Tokens are absent when the provider did not report both (a count it
 * left out is unknown, never 0: such a sample is never replayed as free).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { SampleUsage } from "../core/accounting.ts";
 *
 * // The two samples of one request of 35 prompt tokens, 20 completion tokens, 801 ms.
 * const shares: SampleUsage[] = [
 *   { requests: 1, promptTokens: 18, completionTokens: 10, latencyMs: 401 },
 *   { requests: 0, promptTokens: 17, completionTokens: 10, latencyMs: 400 },
 * ];
 * assert.equal(shares.reduce((n, s) => n + s.promptTokens!, 0), 35);
 * ```
 */
export interface SampleUsage {
  /** Its share of the request: 1 for the request's first sample, else 0. */
  readonly requests: number;
  /** Its share of the request's prompt tokens; absent when they are unknown. */
  readonly promptTokens?: number;
  /** Its share of the request's completion tokens; absent when they are unknown. */
  readonly completionTokens?: number;
  /** Its share of the time the request took, in whole milliseconds. */
  readonly latencyMs: number;
}

/**
 * The usage of `count` samples stored at consecutive indices from `from` on:
 * the sums of their shares, as a store keeps them (one record per append,
 * never one per file). Reading it back, each sample gets an even share of
 * the sums again (see {@linkcode SampleUsage}), so that sums over samples are
 * exact. A record for an index that holds no sample is ignored; of two
 * records for one index, the later one counts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { UsageRecord } from "../core/accounting.ts";
 *
 * const record: UsageRecord = {
 *   from: 0,
 *   count: 2,
 *   requests: 1,
 *   promptTokens: 35,
 *   completionTokens: 20,
 *   latencyMs: 801,
 * };
 * assert.equal(JSON.stringify(record).startsWith('{"from":0,"count":2,'), true);
 * ```
 */
export interface UsageRecord extends SampleUsage {
  /** The index of the first sample, a whole number ≥ 0. */
  readonly from: number;
  /** How many samples, at `from`, `from + 1`, …; a whole number ≥ 1. */
  readonly count: number;
}
