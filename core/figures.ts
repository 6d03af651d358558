/**
 * The one figures model: what a model stack served (hits and misses of its
 * caches), what it spent (its providers' requests, tokens, cost and time)
 * and what its cache saved, as one {@linkcode Figures} value that every
 * display, the command line and run manifests read. How figures are shown
 * (labels, units, rounding) is in figure_text.ts.
 *
 * Where each figure comes from: each layer's own counters, through the
 * `modelInfo` protocol (a cache's `stats`, a provider's `stats`), and the
 * tokens and query time of the `Model` interface itself
 * (`totalTokenCount()`, `totalQueryTime()`), so that a stack of models of
 * any kind has figures.
 *
 * @module
 */

import { type CostFigures, costOf, currencyOf, type SavedFigures } from "./cost.ts";
import type { Model } from "./model.ts";
import { type ModelInfo, stackOf } from "./model_info.ts";

/**
 * The figures of a model stack since it was created (or between two
 * snapshots, see {@linkcode figuresOf}): what its caches served, what its
 * providers spent (requests, tokens, cost, query time) and what the items
 * served from the cache cost when they were drawn (`saved`). Numbers keep
 * full precision; displays round them (see `figureCells` in
 * `@mnimi/llm-cache/notebooks`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { type Figures, figuresOf } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number) {
 *     const usage = { promptTokens: 100, completionTokens: 10 * n };
 *     return Promise.resolve({ samples: Array(n).fill(prompt), usage });
 *   }
 * }
 *
 * const model = new Repeatable(new Echo("echo", 0, { price: { input: 1, output: 2, currency: "EUR" } }));
 * await collect(model.sample("p"), 2);
 * await collect(model.sample("p"), 2); // replayed
 * const figures: Figures = figuresOf(model);
 * assert.deepEqual([figures.hits, figures.misses, figures.requests], [2, 2, 2]);
 * assert.deepEqual([figures.promptTokens, figures.completionTokens], [200, 20]);
 * assert.equal(figures.cost, 0.00024); // (200 × 1 + 20 × 2) / 1,000,000
 * assert.equal(figures.currency, "EUR");
 * ```
 */
export interface Figures extends CostFigures {
  /**
   * Items served that were stored before the stack drew them (by its
   * outermost cache, counted as `CacheStats.hits`); 0 without a cache.
   */
  readonly hits: number;
  /**
   * Items served from the stack's own fresh draws (by its outermost cache,
   * counted as `CacheStats.misses`); 0 without a cache.
   */
  readonly misses: number;
  /**
   * The share of the items served that were hits, `hits / (hits + misses)`,
   * from 0 to 1; absent while nothing was served.
   * @default {undefined}
   */
  readonly hitRate?: number;
  /**
   * Samples its caches are waiting for now, that another process sharing
   * their store claimed and is drawing (see `Store.claim`): they are not
   * paid for here, and count as hits once served. A state, not a count: the
   * figures since a snapshot show it as it is now. Absent while none.
   * @default {undefined}
   */
  readonly waiting?: number;
  /** Samples its innermost cache drew from the model below it, served or not. */
  readonly fresh: number;
  /** Requests its providers answered with samples. */
  readonly requests: number;
  /** Requests its providers sent again after a retryable failure. */
  readonly retries: number;
  /** Prompt tokens, as `totalTokenCount()` reports them. */
  readonly promptTokens: number;
  /** Completion tokens, as `totalTokenCount()` reports them. */
  readonly completionTokens: number;
  /**
   * What the tokens cost at the provider's `price`, in its `currency`;
   * absent without a price (never a made-up 0).
   * @default {undefined}
   */
  readonly cost?: number;
  /**
   * The currency of `cost` and of `saved.cost`: the price's `currency`,
   * `"USD"` when it names none; absent without a price.
   * @default {undefined}
   */
  readonly currency?: string;
  /** Seconds spent waiting for the provider, as `totalQueryTime()` reports them. */
  readonly queryTime: number;
  /**
   * What the items served from the cache cost when they were drawn: the
   * `saved` figures of the innermost cache (the one that draws from the
   * provider); absent for a stack without a cache.
   * @default {undefined}
   */
  readonly saved?: SavedFigures;
}

/**
 * The {@linkcode Figures} of any model stack: cache figures from its caching
 * layers, what was spent from its providers and the `Model` totals. The
 * result is a snapshot; given an earlier one as `since`, the figures are
 * those since then (what one notebook cell did). Printed (`console.log`, a
 * cell's value) its numbers show rounded to six significant digits; the
 * data keeps every digit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable } from "../mod.ts";
 * import { figuresOf } from "../core/accounting.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1));
 * await first(model.sample("p"));
 * await first(model.sample("p"));
 * const before = figuresOf(model);
 * assert.deepEqual([before.hits, before.misses, before.requests], [1, 1, 1]);
 *
 * // What the next steps did, and nothing before them.
 * await first(model.sample("p"));
 * await first(model.sample("q"));
 * const step = figuresOf(model, before);
 * assert.deepEqual([step.hits, step.misses, step.requests], [1, 1, 1]);
 * ```
 *
 * @param model Any model stack.
 * @param since An earlier snapshot of the same stack.
 * @returns Its figures since it was created, or since `since`.
 */
export function figuresOf(model: Model, since?: Figures): Figures {
  const now = countedOf(model);
  const { waiting, ...counted } = now;
  const figures = since === undefined ? counted : minus(counted, since);
  return shownRounded(withRates(waiting === undefined ? figures : { ...figures, waiting }));
}

/**
 * Hits and misses of the items a stack served, from its outermost caching
 * layer (one definition for every display: see `CacheStats`); `undefined`
 * for a stack without a cache, whose items are all fresh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable } from "../mod.ts";
 * import { servedFigures } from "./figures.ts";
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
 *
 * @param model Any model stack.
 * @returns Its outermost cache's hits and misses, if it has a cache.
 */
export function servedFigures(model: Model): { hits: number; misses: number } | undefined {
  return servedOf(stackOf(model));
}

function servedOf(layers: readonly ModelInfo[]): { hits: number; misses: number } | undefined {
  const outer = layers.find((l) => l.role === "cache");
  if (outer === undefined) return undefined;
  return { hits: outer.figures.hits ?? 0, misses: outer.figures.misses ?? 0 };
}

function countedOf(model: Model): Figures {
  const layers = stackOf(model);
  const caches = layers.filter((l) => l.role === "cache");
  const providers = layers.filter((l) => l.role === "provider");
  const innermost = caches.at(-1);
  const sum = (name: string) => providers.reduce((n, p) => n + (p.figures[name] ?? 0), 0);
  const waiting = caches.reduce((n, c) => n + (c.figures.waiting ?? 0), 0);
  const [promptTokens, completionTokens] = tokensOf(model);
  // The tokens are the provider's at the bottom: its price prices them.
  const price = providers.at(-1)?.price;
  const cost = costOf(price, promptTokens, completionTokens);
  return {
    hits: 0,
    misses: 0,
    ...servedOf(layers),
    ...(waiting > 0 ? { waiting } : {}),
    fresh: innermost?.figures.drawn ?? 0,
    requests: sum("requests"),
    retries: sum("retries"),
    promptTokens,
    completionTokens,
    ...(cost === undefined ? {} : { cost, currency: currencyOf(price)! }),
    queryTime: finite(() => model.totalQueryTime()),
    ...(innermost?.saved === undefined ? {} : { saved: innermost.saved }),
  };
}

/** `[prompt, completion]` tokens of `model`; 0 for a count it cannot give (a display never throws). */
function tokensOf(model: Model): [number, number] {
  let counts: unknown;
  try {
    counts = model.totalTokenCount();
  } catch {
    return [0, 0];
  }
  const [prompt, completion] = Array.isArray(counts) ? counts : [];
  return [finite(() => prompt), finite(() => completion)];
}

function finite(read: () => unknown): number {
  try {
    const value = read();
    return typeof value === "number" && Number.isFinite(value) ? value : 0;
  } catch {
    return 0;
  }
}

/**
 * `figures` with the figures that are ratios of the others, computed from
 * them (for a step too: the rate of a step is not a difference of rates).
 */
function withRates({ hitRate: _, ...figures }: Figures): Figures {
  const served = figures.hits + figures.misses;
  return { ...figures, ...(served === 0 ? {} : { hitRate: figures.hits / served }) };
}

/**
 * `after` minus `before`, figure by figure: a figure (a cost, what was
 * saved) only when both have it; the currency as it is.
 */
function minus<T extends object>(after: T, before: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(after)) {
    const earlier = (before as Record<string, unknown>)[name];
    if (typeof value === "number") {
      if (typeof earlier === "number") out[name] = value - earlier;
    } else if (typeof value === "object" && value !== null) {
      if (typeof earlier === "object" && earlier !== null) out[name] = minus(value, earlier);
    } else out[name] = value;
  }
  return out as T;
}

/**
 * `figures` as they are, shown (by `console.log`, or as a cell's value)
 * with every number rounded: six significant digits, which removes the
 * noise of float sums (0.0030115499999999996 shows as 0.00301155).
 */
function shownRounded(figures: Figures): Figures {
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
