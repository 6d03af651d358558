/**
 * What a provider's request brings, for `BufferedModel`: the
 * {@linkcode QueryResult} a `query` resolves to, checked before any sample
 * is used, and the token usage a failed request's error may carry.
 *
 * @module
 */

import type { TokenUsage } from "./usage.ts";
import { metaOf, type Reply, type ReplyMeta } from "./reply.ts";
import { assertLength, describe } from "../internal/validate.ts";

/**
 * What one request brought: its samples and, when the provider reported
 * them, the tokens it used. {@linkcode BufferedModel.query} returns it (or
 * just the samples), so that the tokens count for the request's prompt, in
 * {@linkcode BufferedModel.totalTokenCount}, `stats`, run manifests, and the
 * usage stored with the samples, even while requests for several prompts are
 * in flight.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import { infoOf } from "../core/accounting.ts";
 * import type { QueryResult } from "../core/engine.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<QueryResult> {
 *     const usage = { promptTokens: prompt.length, completionTokens: 2 * n };
 *     return Promise.resolve({ samples: Array(n).fill(prompt), usage });
 *   }
 * }
 *
 * const model = new Echo("echo", 0);
 * await Promise.all([collect(model.sample("ab"), 1), collect(model.sample("abcd"), 1)]);
 * const usage = infoOf(model).usage!();
 * assert.deepEqual(usage.map((u) => [u.prompt, u.promptTokens]), [["ab", 2], ["abcd", 4]]);
 * ```
 *
 * @example A server that reports only a total
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import type { QueryResult } from "../core/engine.ts";
 *
 * class Totals extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<QueryResult> {
 *     return Promise.resolve({ samples: Array(n).fill(prompt), totalTokens: 30 });
 *   }
 * }
 *
 * const model = new Totals("totals", 0, { price: { input: 1, output: 4 } });
 * await collect(model.sample("p"), 2);
 * assert.deepEqual(model.totalTokenCount(), [0, 60]); // spent, at the completion price
 * assert.equal(model.stats.cost, 60 * 4 / 1e6);
 * ```
 */
export interface QueryResult {
  /**
   * The samples, at least one: texts, or whole replies (a reply's text is
   * its sample; the rest is kept beside it, see {@linkcode Reply}).
   */
  readonly samples: readonly (string | Reply)[];
  /** The tokens the request used; absent when the provider did not report both counts. */
  readonly usage?: TokenUsage | undefined;
  /**
   * The tokens the request used in all, when the provider reported only
   * that (no split into prompt and completion); read only when `usage` is
   * absent. They count as completion tokens in what was spent (`stats`,
   * manifests), so that a cost is never understated, but the samples are
   * stored with unknown token usage: a split nobody reported is never
   * stored.
   */
  readonly totalTokens?: number | undefined;
}

/**
 * What a provider's `query` resolved to, checked: its samples, and its token
 * usage if it gave one. `who` names the provider in the errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkedAnswer } from "./query_answer.ts";
 *
 * assert.deepEqual(checkedAnswer(["a", "b"], 2, "Echo"), { samples: ["a", "b"] });
 * assert.throws(() => checkedAnswer([], 2, "Echo"), /Echo returned no samples/);
 * assert.deepEqual(checkedAnswer({ samples: ["a"], totalTokens: 9 }, 1, "Echo").totalTokens, 9);
 * assert.throws(() => checkedAnswer({ samples: ["a"], totalTokens: -1 }, 1, "Echo"), /totalTokens/);
 * ```
 */
export function checkedAnswer(answer: unknown, n: number, who: string): CheckedAnswer {
  const result: Partial<QueryResult> | null = Array.isArray(answer)
    ? { samples: answer }
    : answer as Partial<QueryResult> | null;
  const samples: unknown = result?.samples;
  if (!Array.isArray(samples) || samples.length === 0) {
    const got = Array.isArray(samples)
      ? "no samples"
      : typeof result === "object" && result !== null
      ? "an object without a samples array"
      : describe(answer);
    throw new TypeError(
      `${who} returned ${got} for a request of ${n}: query() must resolve to a non-empty ` +
        `array of strings, or to { samples, usage }; fix its query()`,
    );
  }
  const { texts, ...meta } = split(samples, who);
  const { usage, totalTokens } = result!;
  if (usage === undefined) {
    if (totalTokens === undefined) return { samples: texts, ...meta };
    assertLength("totalTokens", totalTokens, `${who} query()`);
    return { samples: texts, ...meta, totalTokens };
  }
  if (typeof usage !== "object" || usage === null) {
    throw new TypeError(
      `${who}: query() returned usage ${describe(usage)}: it must be ` +
        `{ promptTokens, completionTokens }, or absent; fix its query()`,
    );
  }
  assertLength("usage.promptTokens", usage.promptTokens, `${who} query()`);
  assertLength("usage.completionTokens", usage.completionTokens, `${who} query()`);
  return { samples: texts, ...meta, usage };
}

/** A {@linkcode QueryResult} checked: the texts, and what each reply holds beyond its text. */
export interface CheckedAnswer {
  /** The samples' texts. */
  readonly samples: readonly string[];
  /** `meta[k]`: what sample `k`'s reply holds beyond its text; absent when none does. */
  readonly meta?: readonly (ReplyMeta | undefined)[] | undefined;
  /** As in {@linkcode QueryResult}. */
  readonly usage?: TokenUsage | undefined;
  /** As in {@linkcode QueryResult}. */
  readonly totalTokens?: number | undefined;
}

function split(
  samples: readonly unknown[],
  who: string,
): { texts: string[]; meta?: (ReplyMeta | undefined)[] } {
  const texts: string[] = [];
  let meta: (ReplyMeta | undefined)[] | undefined;
  for (const [k, sample] of samples.entries()) {
    if (typeof sample === "string") {
      texts.push(sample);
      continue;
    }
    const reply = sample as Partial<Reply> | null;
    if (typeof reply?.text !== "string" || !Array.isArray(reply.toolCalls)) {
      throw new TypeError(
        `${who} returned ${describe(sample)} as sample ${k}: query() must resolve to ` +
          `strings or replies ({ text, toolCalls, … }); fix its query()`,
      );
    }
    texts.push(reply.text);
    const m = metaOf(reply as Reply);
    if (m !== undefined) (meta ??= new Array(samples.length).fill(undefined))[k] = m;
  }
  return meta === undefined ? { texts } : { texts, meta };
}

/**
 * Whether `value` is token usage as a failed request's error may carry it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isTokenUsage } from "./query_answer.ts";
 *
 * assert(isTokenUsage({ promptTokens: 12, completionTokens: 0 }));
 * assert(!isTokenUsage({ promptTokens: -1, completionTokens: 0 }));
 * ```
 */
export function isTokenUsage(value: unknown): value is TokenUsage {
  const usage = value as Partial<TokenUsage> | null | undefined;
  return [usage?.promptTokens, usage?.completionTokens].every((n) =>
    Number.isSafeInteger(n) && n! >= 0
  );
}
