/**
 * The figures of a model stack: what its caches served, what its providers
 * spent, and what the items served from a cache cost when they were drawn,
 * since the stack was created or between two snapshots.
 *
 * @module
 */

import { type CostFigures, currencyOf, type SavedFigures } from "../core/cost.ts";
import type { Model } from "../core/model.ts";
import { stackOf } from "../core/model_info.ts";

/**
 * The figures of a whole stack since it was created (or between two
 * snapshots, see {@linkcode stackFigures}): what its caches served, what its
 * provider spent (requests, tokens, cost, query time), and what the items
 * served from the cache cost when they were drawn (`saved`).
 */
export interface StackFigures extends CostFigures {
  /** Items served from a cache (the outermost caching layer). */
  hits: number;
  /** Items that waited for a fresh draw (the outermost caching layer). */
  misses: number;
  /** Samples drawn from a model that is not a cache (the innermost caching layer). */
  fresh: number;
  /** Provider requests answered. */
  requests: number;
  /** Provider requests sent again. */
  retries: number;
  /** Prompt tokens. */
  promptTokens: number;
  /** Completion tokens. */
  completionTokens: number;
  /**
   * What the tokens cost, when the provider has a `price`; absent otherwise.
   * @default {undefined}
   */
  cost?: number;
  /**
   * The currency of `cost` and of what was `saved` (the price's, `"USD"`
   * unless it names another); absent without a price.
   * @default {undefined}
   */
  currency?: string;
  /** Seconds spent waiting for the provider. */
  queryTime: number;
  /**
   * What the items served from the cache cost when they were drawn, from
   * the usage stored with them: the `saved` figures of the innermost caching
   * layer (the one that draws from the provider); absent for a stack
   * without a cache.
   * @default {undefined}
   */
  saved?: SavedFigures;
}

/**
 * The figures of a stack: cache figures from its caching layers, provider
 * figures (what was spent) from its providers. The result is a snapshot;
 * given an earlier one as `since`, the figures are those since then: what
 * one notebook cell did.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { stackFigures } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1));
 * await model.sample("p").next();
 * await model.sample("p").next();
 * const figures = stackFigures(model);
 * assert.deepEqual([figures.hits, figures.misses, figures.requests], [1, 1, 1]);
 *
 * // What the next steps did, and nothing before them.
 * await model.sample("p").next();
 * await model.sample("q").next();
 * const step = stackFigures(model, figures);
 * assert.deepEqual([step.hits, step.misses, step.requests], [1, 1, 1]);
 * ```
 *
 * @param model Any model stack.
 * @param since An earlier snapshot of the same stack.
 * @returns Its figures since it was created, or since `since`.
 */
export function stackFigures(model: Model, since?: StackFigures): StackFigures {
  const layers = stackOf(model);
  const caches = layers.filter((l) => l.role === "cache");
  const providers = layers.filter((l) => l.role === "provider");
  const outer = servedFigures(model);
  const bottom = layers[layers.length - 1]!;
  const total = (name: string) => sum(providers.map((p) => p.figures[name] ?? 0));
  const { cost } = bottom.figures;
  const saved = caches[caches.length - 1]?.saved;
  const now: StackFigures = {
    hits: outer?.hits ?? 0,
    misses: outer?.misses ?? 0,
    fresh: caches[caches.length - 1]?.figures.drawn ?? 0,
    requests: total("requests"),
    retries: total("retries"),
    promptTokens: bottom.figures.promptTokens ?? 0,
    completionTokens: bottom.figures.completionTokens ?? 0,
    ...(cost === undefined ? {} : { cost, currency: currencyOf(bottom.price) ?? "USD" }),
    queryTime: bottom.figures.queryTime ?? 0,
    ...(saved === undefined ? {} : { saved }),
  };
  return shownRounded(since === undefined ? now : difference(now, since));
}

/**
 * The figures of `after` minus those of `before`; a cost (and what was
 * saved) only when both have one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { difference } from "./stack_figures.ts";
 *
 * const zero = { hits: 0, misses: 0, fresh: 0, requests: 0, retries: 0, promptTokens: 0 };
 * const before = { ...zero, completionTokens: 0, queryTime: 1, cost: 0.5 };
 * const after = { ...zero, hits: 2, completionTokens: 7, queryTime: 3, cost: 0.75 };
 * const step = difference(after, before);
 * assert.deepEqual([step.hits, step.completionTokens, step.queryTime, step.cost], [2, 7, 2, 0.25]);
 * assert.equal(difference(after, zero as typeof before).cost, undefined);
 * ```
 */
export function difference(after: StackFigures, before: StackFigures): StackFigures {
  const minus = (name: Exclude<keyof StackFigures, "cost" | "currency" | "saved">) =>
    after[name] - before[name];
  const saved = after.saved === undefined || before.saved === undefined
    ? {}
    : { saved: savedSince(after.saved, before.saved) };
  return {
    hits: minus("hits"),
    misses: minus("misses"),
    fresh: minus("fresh"),
    requests: minus("requests"),
    retries: minus("retries"),
    promptTokens: minus("promptTokens"),
    completionTokens: minus("completionTokens"),
    ...costSince(after, before),
    ...(after.currency === undefined ? {} : { currency: after.currency }),
    queryTime: minus("queryTime"),
    ...saved,
  };
}

/**
 * `figures` as they are, shown (by `console.log`, or as a cell's value)
 * with every number rounded: six significant digits, which removes the
 * noise of float sums (0.0030115499999999996 shows as 0.00301155).
 */
function shownRounded(figures: StackFigures): StackFigures {
  Object.defineProperty(figures, Symbol.for("Deno.customInspect"), {
    value: (inspect: typeof Deno.inspect, options: Deno.InspectOptions) =>
      inspect(roundedCopy(figures), options),
  });
  return figures;
}

function roundedCopy(value: unknown): unknown {
  if (typeof value === "number") return Number(value.toPrecision(6));
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, roundedCopy(v)]));
}

function savedSince(after: SavedFigures, before: SavedFigures): SavedFigures {
  const minus = (name: Exclude<keyof SavedFigures, "cost">) => after[name] - before[name];
  return {
    samples: minus("samples"),
    unknown: minus("unknown"),
    requests: minus("requests"),
    promptTokens: minus("promptTokens"),
    completionTokens: minus("completionTokens"),
    ...costSince(after, before),
    queryTime: minus("queryTime"),
  };
}

/** `{ cost }` of `after` minus that of `before`, when both have one. */
function costSince(after: CostFigures, before: CostFigures): { cost?: number } {
  return after.cost === undefined || before.cost === undefined
    ? {}
    : { cost: after.cost - before.cost };
}

/**
 * Hits and misses of the items a stack served, from its outermost caching
 * layer (one definition for every display: see `Repeatable.stats`);
 * `undefined` for a stack without a cache, whose items are all fresh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable } from "../mod.ts";
 * import { servedFigures } from "./stack_figures.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill("42"));
 *   }
 * }
 *
 * const provider = new Constant("gpt-4o", 1);
 * const model = new Repeatable(provider);
 * await first(model.sample("p"));
 * await first(model.sample("p"));
 * assert.deepEqual(servedFigures(model), { hits: 1, misses: 1 });
 * assert.equal(servedFigures(provider), undefined);
 * ```
 */
export function servedFigures(model: Model): { hits: number; misses: number } | undefined {
  const outer = stackOf(model).find((l) => l.role === "cache");
  if (outer === undefined) return undefined;
  return { hits: outer.figures.hits ?? 0, misses: outer.figures.misses ?? 0 };
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
