/**
 * Majority voting over samples (self-consistency): the answer most samples
 * give, with every answer's count and the ties, decided only by the samples
 * and their order (which a cache makes stable).
 *
 * @module
 */

import { assertFunction, describe } from "../internal/validate.ts";

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
 * The outcome of a {@linkcode majority} vote. When no sample votes (none
 * given, or every one abstained) there is no winner: `key` and `winner` are
 * `undefined`, `count`, `share` and `votes` are 0, `counts` and `ties` are
 * empty, and `tied` is false. `key === undefined` tells it, since an
 * `undefined` key abstains and so never wins (`winner` cannot tell: a sample
 * may itself be `undefined`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority, type MajorityResult } from "../mod.ts";
 *
 * const vote: MajorityResult<string, string> = majority(["x", "y", "x"]);
 * assert.equal(vote.share, 2 / 3);
 * const none = majority(["?", "??"], { key: (s) => s.match(/\d+/)?.[0] });
 * assert.equal(none.key, undefined);
 * assert.deepEqual([none.count, none.votes, none.abstained], [0, 0, 2]);
 * ```
 */
export interface MajorityResult<T, K> {
  /** The first sample that voted for the winning answer; `undefined` when no sample voted. */
  readonly winner: T | undefined;
  /** The winning answer; `undefined` when no sample voted. */
  readonly key: K | undefined;
  /** Its votes (0 when no sample voted). */
  readonly count: number;
  /** Its share of the votes cast, between 0 and 1 (0 when no sample voted). */
  readonly share: number;
  /** Votes cast: samples that did not abstain. */
  readonly votes: number;
  /** Samples whose key was `undefined` or `NaN`. */
  readonly abstained: number;
  /** Every answer, most votes first; equal counts in the order of their first vote. */
  readonly counts: readonly VoteCount<T, K>[];
  /** The answers with the winner's count, the winner first (none when no sample voted). */
  readonly ties: readonly VoteCount<T, K>[];
  /** Whether more than one answer has the most votes (the winner is then the earliest). */
  readonly tied: boolean;
}

/**
 * Majority voting over samples (self-consistency): the answer most samples
 * give, with every answer's count. A tie goes to the answer voted for first,
 * and is reported in `ties` and `tied`, so the outcome never depends on
 * anything but the samples and their order (which a cache makes stable).
 * When no sample votes, the result has no winner (`key` is `undefined`; see
 * {@linkcode MajorityResult}), so that a vote over many problems goes on past
 * one without a readable answer.
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
 * @example Many problems, one of them without a readable answer
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority } from "../mod.ts";
 *
 * const samples = [["12", "12", "15"], ["no idea", "?"], ["7"]];
 * const answers = samples.map((s) => majority(s, { key: Number }).key);
 * assert.deepEqual(answers, [12, undefined, 7]);
 * ```
 *
 * @param samples The samples, in order.
 * @param options The key each sample votes for.
 * @returns The winner and every answer's votes.
 */
export function majority<T>(samples: Iterable<T>): MajorityResult<T, T>;
/**
 * Majority voting over the keys of samples (see the first overload).
 *
 * @param samples The samples, in order.
 * @param options The key each sample votes for.
 * @returns The winner and every answer's votes.
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
      `majority() expects an array or iterable of samples, got ${describe(samples)}; ` +
        "pass the samples, e.g. await collect(model.sample(prompt), 10)",
    );
  }
  const { key = (sample: T) => sample as unknown as K } = options;
  assertFunction("key", key, "majority()");
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
  // Map iteration is in order of first vote, and the sort is stable.
  const counts = [...tally.values()].sort((a, b) => b.count - a.count);
  const top = counts[0];
  const ties = counts.filter((c) => c.count === top?.count);
  const votes = index - abstained;
  return {
    winner: top?.first,
    key: top?.key,
    count: top?.count ?? 0,
    share: top === undefined ? 0 : top.count / votes,
    votes,
    abstained,
    counts,
    ties,
    tied: ties.length > 1,
  };
}
