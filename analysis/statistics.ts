/**
 * Statistics over samples that research code otherwise re-implements by
 * hand: majority voting ({@linkcode majority}), the unbiased pass@k
 * estimator ({@linkcode passAtK}) and bootstrap confidence intervals
 * ({@linkcode bootstrapInterval}).
 *
 * @module
 */

import { assertCount, assertLength, describe } from "../core/_validate.ts";

/**
 * Options of {@linkcode majority}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority, type MajorityOptions } from "../mod.ts";
 *
 * const options: MajorityOptions<string, string> = { key: (s) => s.trim().toLowerCase() };
 * assert.equal(majority(["Yes", "no", " yes"], options).key, "yes");
 * ```
 */
export interface MajorityOptions<T, K> {
  /**
   * The answer a sample votes for, e.g. the number in its `<answer>` tag;
   * `undefined` or `NaN` abstains (an answer that could not be read, e.g.
   * `Number("two")`). Keys are
   * compared as `Map` keys are (SameValueZero): use strings or numbers.
   * @default {the sample itself}
   */
  key?: (sample: T, index: number) => K | undefined;
}

/**
 * The votes for one answer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority, type VoteCount } from "../mod.ts";
 *
 * const [top]: readonly VoteCount<string, string>[] = majority(["b", "a", "b"]).counts;
 * assert.deepEqual(top, { key: "b", count: 2, first: "b", firstIndex: 0 });
 * ```
 */
export interface VoteCount<T, K> {
  /** The answer. */
  readonly key: K;
  /** How many samples voted for it. */
  readonly count: number;
  /** The first sample that voted for it. */
  readonly first: T;
  /** That sample's index. */
  readonly firstIndex: number;
}

/**
 * The outcome of a {@linkcode majority} vote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority, type MajorityResult } from "../mod.ts";
 *
 * const vote: MajorityResult<string, string> = majority(["x", "y", "x"]);
 * assert.equal(vote.share, 2 / 3);
 * ```
 */
export interface MajorityResult<T, K> {
  /** The first sample that voted for the winning answer. */
  readonly winner: T;
  /** The winning answer. */
  readonly key: K;
  /** Its votes. */
  readonly count: number;
  /** Its share of the votes cast, between 0 and 1. */
  readonly share: number;
  /** Votes cast: samples that did not abstain. */
  readonly votes: number;
  /** Samples whose key was `undefined` or `NaN`. */
  readonly abstained: number;
  /** Every answer, most votes first; equal counts in the order of their first vote. */
  readonly counts: readonly VoteCount<T, K>[];
  /** The answers with the winner's count, the winner first. */
  readonly ties: readonly VoteCount<T, K>[];
  /** Whether more than one answer has the most votes (the winner is then the earliest). */
  readonly tied: boolean;
}

/**
 * Majority voting over samples (self-consistency): the answer most samples
 * give, with every answer's count. A tie goes to the answer voted for first,
 * and is reported in `ties` and `tied`, so the outcome never depends on
 * anything but the samples and their order (which a cache makes stable).
 *
 * @example Self-consistency over answers in tags
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority } from "../mod.ts";
 *
 * const samples = ["<a>12</a>", "<a>12.0</a>", "no idea", "<a>15</a>"];
 * const vote = majority(samples, {
 *   key: (s) => {
 *     const n = s.match(/<a>(.*)<\/a>/)?.[1];
 *     return n === undefined ? undefined : Number(n);
 *   },
 * });
 * assert.equal(vote.key, 12);
 * assert.equal(vote.winner, "<a>12</a>");
 * assert.equal(vote.count, 2);
 * assert.equal(vote.abstained, 1);
 * assert.equal(vote.tied, false);
 * assert.deepEqual(vote.counts.map((c) => [c.key, c.count]), [[12, 2], [15, 1]]);
 * ```
 *
 * @example A tie
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority } from "../mod.ts";
 *
 * const vote = majority(["b", "a", "a", "b", "c"]);
 * assert.equal(vote.key, "b"); // voted for first
 * assert.ok(vote.tied);
 * assert.deepEqual(vote.ties.map((t) => t.key), ["b", "a"]);
 * ```
 *
 * @param samples The samples, in order.
 * @param options The key each sample votes for.
 * @returns The winner and every answer's votes.
 * @throws {RangeError} When no sample votes (none given, or all abstained).
 */
export function majority<T>(samples: Iterable<T>): MajorityResult<T, T>;
/**
 * Majority voting over the keys of samples (see the first overload).
 *
 * @param samples The samples, in order.
 * @param options The key each sample votes for.
 * @returns The winner and every answer's votes.
 * @throws {RangeError} When no sample votes (none given, or all abstained).
 */
export function majority<T, K>(
  samples: Iterable<T>,
  options: MajorityOptions<T, K>,
): MajorityResult<T, K>;
export function majority<T, K>(
  samples: Iterable<T>,
  options: MajorityOptions<T, K> = {},
): MajorityResult<T, K> {
  if (typeof (samples as Iterable<T> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError(
      `majority() expects an array or iterable of samples, got ${describe(samples)}`,
    );
  }
  const { key = (sample: T) => sample as unknown as K } = options;
  if (typeof key !== "function") {
    throw new TypeError(`majority() key must be a function, got ${describe(key)}`);
  }
  const tally = new Map<K, { key: K; count: number; first: T; firstIndex: number }>();
  let index = 0;
  let abstained = 0;
  for (const sample of samples) {
    const k = key(sample, index);
    if (k === undefined || Number.isNaN(k)) abstained++;
    else {
      const entry = tally.get(k);
      if (entry === undefined) tally.set(k, { key: k, count: 1, first: sample, firstIndex: index });
      else entry.count++;
    }
    index++;
  }
  if (tally.size === 0) {
    throw new RangeError(
      index === 0
        ? "majority() got no samples: there is nothing to vote on"
        : `majority() got ${index} samples and every one abstained (its key was undefined or NaN): ` +
          "check the key function, or handle a vote without answers",
    );
  }
  // Map iteration is in order of first vote, and the sort is stable.
  const counts = [...tally.values()].sort((a, b) => b.count - a.count);
  const top = counts[0]!;
  const ties = counts.filter((c) => c.count === top.count);
  const votes = index - abstained;
  return {
    winner: top.first,
    key: top.key,
    count: top.count,
    share: top.count / votes,
    votes,
    abstained,
    counts,
    ties,
    tied: ties.length > 1,
  };
}

/**
 * The unbiased estimator of pass@k (Chen et al., 2021): the chance that at
 * least one of `k` samples drawn without replacement from `n`, of which `c`
 * are correct, is correct: `1 - C(n - c, k) / C(n, k)`. It is computed as a
 * sum of logarithms over `min(c, k)` terms, so it stays accurate (to about
 * 1e-15 relative) for any n, even when the result is tiny.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtK } from "../mod.ts";
 *
 * assert.ok(Math.abs(passAtK(10, 3, 1) - 0.3) < 1e-12); // c / n for k = 1
 * assert.ok(Math.abs(passAtK(10, 3, 5) - 11 / 12) < 1e-12); // 1 - C(7,5)/C(10,5)
 * assert.equal(passAtK(10, 8, 3), 1); // fewer than k wrong samples
 * assert.ok(Math.abs(passAtK(1e9, 1, 1) - 1e-9) < 1e-22); // exact for large n
 * ```
 *
 * @param n Samples drawn, an integer ≥ 1.
 * @param c Correct samples among them, an integer from 0 to n.
 * @param k The k of pass@k, an integer from 1 to n.
 * @returns The estimate, between 0 and 1.
 */
export function passAtK(n: number, c: number, k: number): number {
  assertCount("n", n);
  assertLength("c", c);
  assertCount("k", k);
  if (c > n) throw new RangeError(`c (correct samples) must be at most n = ${n}, got ${c}`);
  if (k > n) {
    throw new RangeError(`k must be at most n = ${n} (pass@k needs k samples), got ${k}`);
  }
  if (n - c < k) return 1;
  if (c === 0) return 0; // not -0
  // C(n-c, k) / C(n, k) = Π_{i=n-c+1..n} (1 - k/i) = Π_{j=0..k-1} (1 - c/(n-j)).
  let logAllFail = 0;
  if (c <= k) {
    for (let i = n - c + 1; i <= n; i++) logAllFail += Math.log1p(-k / i);
  } else {
    for (let j = 0; j < k; j++) logAllFail += Math.log1p(-c / (n - j));
  }
  return -Math.expm1(logAllFail);
}

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
      }`,
    );
  }
  const {
    statistic = mean as unknown as (sample: readonly T[]) => number,
    confidence = 0.95,
    resamples = 10_000,
    seed = 0,
  } = options;
  if (typeof statistic !== "function") {
    throw new TypeError(`statistic must be a function, got ${describe(statistic)}`);
  }
  if (typeof confidence !== "number" || !(confidence > 0 && confidence < 1)) {
    throw new RangeError(
      `confidence must be between 0 and 1 (e.g. 0.95), got ${describe(confidence)}`,
    );
  }
  assertCount("resamples", resamples);
  if (!Number.isInteger(seed)) {
    throw new TypeError(`seed must be an integer, got ${describe(seed)}`);
  }
  const measure = (sample: readonly T[], what: string) => {
    const value = statistic(sample);
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new RangeError(
        `statistic returned ${describe(value)} on ${what}: it must return a number for every ` +
          "resample (values drawn with replacement)",
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
        `the default statistic (the mean) needs numbers, got ${describe(v)}: pass a statistic`,
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
