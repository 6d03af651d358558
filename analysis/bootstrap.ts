/**
 * Percentile bootstrap confidence intervals of any statistic, seeded so that
 * a notebook shows the same interval on every run.
 *
 * @module
 */

import { assertCount, assertFunction, assertInteger, describe } from "../internal/validate.ts";

/**
 * Options of {@linkcode bootstrapInterval}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval, type BootstrapOptions } from "../mod.ts";
 *
 * const options: BootstrapOptions<number> = { confidence: 0.9, resamples: 1000, seed: 7 };
 * assert.equal(bootstrapInterval([1, 2, 3, 4], options).confidence, 0.9);
 * ```
 */
export interface BootstrapOptions<T> {
  /**
   * The statistic, computed on the values and on every resample of them.
   * @default {the mean}
   */
  statistic?: (sample: readonly T[]) => number;
  /**
   * The interval's confidence level, between 0 and 1.
   * @default {0.95}
   */
  confidence?: number;
  /**
   * How many resamples to draw.
   * @default {10000}
   */
  resamples?: number;
  /**
   * Seed of the resampling; the interval is the same for the same seed, so a
   * notebook shows the same numbers on every run.
   * @default {0}
   */
  seed?: number;
}

/**
 * A statistic and its bootstrap confidence interval.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval, type Interval } from "../mod.ts";
 *
 * const { estimate, low, high }: Interval = bootstrapInterval([0, 1, 1, 0, 1]);
 * assert.ok(low <= estimate && estimate <= high);
 * ```
 */
export interface Interval {
  /** The statistic on the values themselves. */
  readonly estimate: number;
  /** The lower bound. */
  readonly low: number;
  /** The upper bound. */
  readonly high: number;
  /** The confidence level. */
  readonly confidence: number;
  /** The resamples drawn. */
  readonly resamples: number;
}

/**
 * A percentile bootstrap confidence interval: the statistic is computed on
 * `resamples` resamples of the values (drawn with replacement, with a seeded
 * generator), and the interval spans the middle `confidence` of the results.
 * Typical use: the mean of per-problem scores (pass@k, accuracy of a
 * majority vote) over a benchmark's problems.
 *
 * @example The mean of per-problem pass@1, with a 95 % interval
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval, passAtK } from "../mod.ts";
 *
 * const problems = [[10, 9], [10, 4], [10, 0], [10, 7], [10, 10]]; // [n, c]
 * const scores = problems.map(([n, c]) => passAtK(n!, c!, 1));
 * const ci = bootstrapInterval(scores);
 * assert.ok(Math.abs(ci.estimate - 0.6) < 1e-12);
 * assert.ok(ci.low < 0.6 && 0.6 < ci.high);
 * assert.deepEqual(bootstrapInterval(scores), ci); // seeded: the same every time
 * ```
 *
 * @example Any statistic, over any values
 * ```ts
 * import assert from "node:assert/strict";
 * import { bootstrapInterval } from "../mod.ts";
 *
 * const answers = ["a", "a", "b", "a", "c", "a"];
 * const shareOfA = (xs: readonly string[]) => xs.filter((x) => x === "a").length / xs.length;
 * const ci = bootstrapInterval(answers, { statistic: shareOfA, confidence: 0.9, resamples: 2000 });
 * assert.ok(ci.low <= ci.estimate && ci.estimate <= ci.high);
 * ```
 *
 * @param values The observed values (at least one).
 * @param options Statistic, confidence level, resamples and seed.
 * @returns The estimate and the interval.
 */
export function bootstrapInterval(
  values: readonly number[],
  options?: BootstrapOptions<number>,
): Interval;
/**
 * A percentile bootstrap confidence interval of any statistic over any
 * values (see the first overload).
 *
 * @param values The observed values (at least one).
 * @param options The statistic (required), confidence level, resamples and seed.
 * @returns The estimate and the interval.
 */
export function bootstrapInterval<T>(
  values: readonly T[],
  options: BootstrapOptions<T> & { statistic: (sample: readonly T[]) => number },
): Interval;
export function bootstrapInterval<T>(
  values: readonly T[],
  options: BootstrapOptions<T> = {},
): Interval {
  if (!Array.isArray(values) || values.length === 0) {
    throw new RangeError(
      `bootstrapInterval() needs a non-empty array of values, got ${
        Array.isArray(values) ? "an empty array" : describe(values)
      }; pass the observed values, e.g. one score per problem`,
    );
  }
  const {
    statistic = mean as unknown as (sample: readonly T[]) => number,
    confidence = 0.95,
    resamples = 10_000,
    seed = 0,
  } = options;
  const who = "bootstrapInterval()";
  assertFunction("statistic", statistic, who);
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `${who}: confidence must be between 0 and 1, got ${describe(confidence)}; ` +
        "pass e.g. 0.95 for a 95 % interval",
    );
  }
  assertCount("resamples", resamples, who);
  assertInteger("seed", seed, who);
  const measure = (sample: readonly T[], what: string) => {
    const value = statistic(sample);
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new RangeError(
        `${who} could not measure ${what}: the statistic returned ${describe(value)}, and it ` +
          "must return a number for every resample (values drawn with replacement); make it " +
          "return a number for any such sample",
      );
    }
    return value;
  };
  const estimate = measure(values, "the values");
  const random = mulberry32(seed);
  const results = new Float64Array(resamples);
  const sample = new Array<T>(values.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < values.length; i++) {
      sample[i] = values[Math.floor(random() * values.length)]!;
    }
    results[r] = measure(sample, `resample ${r}`);
  }
  results.sort();
  const tail = (1 - confidence) / 2;
  return {
    estimate,
    low: quantile(results, tail),
    high: quantile(results, 1 - tail),
    confidence,
    resamples,
  };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) {
    if (typeof v !== "number") {
      throw new TypeError(
        `the default statistic (the mean) needs numbers, got ${describe(v)}; pass a statistic`,
      );
    }
    sum += v;
  }
  return sum / values.length;
}

/** The p-quantile of sorted values, interpolating linearly between order statistics. */
function quantile(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** A small, fast, seeded generator of numbers in [0, 1) (mulberry32). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
