/**
 * The model stack view: a model read outside-in with the figures since it
 * was created, and since it was last shown.
 *
 * @module
 */

import type { CostFigures, SavedFigures } from "../core/cost.ts";
import type { Model } from "../core/model.ts";
import { type ModelInfo, stackOf } from "../core/model_info.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  type MimeBundle,
  MUTED,
  table,
  textTable,
  View,
} from "./html.ts";

/** One layer of a model stack. */
export interface Layer {
  /** The class name, e.g. `Persistent` or `CloseAI`. */
  readonly kind: string;
  /** A one-line description, e.g. `gpt-4o @ 1` or a cache location. */
  readonly detail: string;
  /** Figures of this layer, e.g. `hits 3`. */
  readonly figures: readonly string[];
}

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
    ...(cost === undefined ? {} : { cost }),
    queryTime: bottom.figures.queryTime ?? 0,
    ...(saved === undefined ? {} : { saved }),
  };
  return since === undefined ? now : difference(now, since);
}

/** The figures of `after` minus those of `before`; a cost only when both have one. */
function difference(after: StackFigures, before: StackFigures): StackFigures {
  const minus = (name: Exclude<keyof StackFigures, "cost" | "saved">) => after[name] - before[name];
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
    queryTime: minus("queryTime"),
    ...saved,
  };
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
 * import { servedFigures } from "./model_view.ts";
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

// The figures of each model object when it was last shown.
const lastShown = new WeakMap<Model, StackFigures>();

/**
 * How a model stack looks when it is a cell's last value: its layers read
 * outside-in (e.g. `Persistent(~/.llm_cache) → Independent → CloseAI gpt-4o @ 1`),
 * the cache location, the figures since the model was created and, from the
 * second time the same model object is shown on, the figures since it was
 * last shown (what the cells in between did). The figures are those at the
 * time of the call, and each call counts as a showing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Independent, Repeatable } from "../mod.ts";
 * import { modelView } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Independent(new Repeatable(new Counter("gpt-4o", 1)));
 * const view = modelView(model);
 * assert(String(view).startsWith("Independent → Repeatable → Counter gpt-4o @ 1"));
 * assert.equal(view.sinceShown, undefined); // shown for the first time
 *
 * await model.sample("p").next();
 * const again = modelView(model);
 * assert.equal(again.sinceShown?.misses, 1);
 * assert.match(String(again), /\nsince last shown: hits 0 · misses 1 · requests 1 /);
 * ```
 *
 * @param model Any model stack.
 * @returns A view of it.
 */
export function modelView(model: Model): ModelView {
  const figures = stackFigures(model);
  const before = lastShown.get(model);
  lastShown.set(model, figures);
  const since = before === undefined ? undefined : difference(figures, before);
  return new ModelView(stackOf(model).map(layerOf), figures, since);
}

/**
 * A snapshot of a model stack; see {@linkcode modelView}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ModelView } from "./mod.ts";
 *
 * const figures = {
 *   hits: 3,
 *   misses: 1,
 *   fresh: 1,
 *   requests: 1,
 *   retries: 0,
 *   promptTokens: 12,
 *   completionTokens: 4,
 *   queryTime: 0.5,
 * };
 * const view = new ModelView([
 *   { kind: "Repeatable", detail: "in memory", figures: ["hits 3", "misses 1"] },
 *   { kind: "CloseAI", detail: "gpt-4o @ 1", figures: ["requests 1"] },
 * ], figures);
 * assert.equal(view.title, "Repeatable → CloseAI gpt-4o @ 1");
 * ```
 */
export class ModelView extends View {
  /** The layers, outermost first. */
  readonly layers: readonly Layer[];
  /** The stack's figures when the view was made. */
  readonly figures: Readonly<StackFigures>;
  /**
   * What happened since the model was last shown, or `undefined` the first
   * time it is shown.
   */
  readonly sinceShown: Readonly<StackFigures> | undefined;

  /**
   * Makes the view from figures already gathered.
   *
   * @param layers The layers, outermost first.
   * @param figures The stack's figures.
   * @param sinceShown The figures since the model was last shown, if it was.
   */
  constructor(layers: readonly Layer[], figures: StackFigures, sinceShown?: StackFigures) {
    super();
    this.layers = layers;
    this.figures = figures;
    this.sinceShown = sinceShown;
  }

  /**
   * The stack on one line, outside-in; a `Persistent` layer shows its store.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ModelView } from "./mod.ts";
   *
   * const layers = [{ kind: "Persistent", detail: "~/.llm_cache, replication", figures: [] }];
   * const figures = { hits: 0, misses: 0, fresh: 0, requests: 0, retries: 0, promptTokens: 0, completionTokens: 0, queryTime: 0 };
   * assert.equal(new ModelView(layers, figures).title, "Persistent(~/.llm_cache)");
   * ```
   */
  get title(): string {
    return this.layers.map(layerTitle).join(" → ");
  }

  /**
   * The view as `text/html` and `text/plain`: the layers as a table, the
   * figures since the model was created on one line, and those since it was
   * last shown on the next.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BufferedModel, Repeatable } from "../mod.ts";
   * import { modelView } from "./mod.ts";
   *
   * class Tagged extends BufferedModel {
   *   protected query(_prompt: string, n: number): Promise<string[]> {
   *     return Promise.resolve(Array(n).fill("x"));
   *   }
   * }
   *
   * const { "text/html": html, "text/plain": text } = modelView(
   *   new Repeatable(new Tagged("<b>model</b>", 1)),
   * ).bundle();
   * assert(html.includes("&lt;b&gt;model&lt;/b&gt;") && !html.includes("<b>model"));
   * assert.match(text, /since created: hits 0 · misses 0 · requests 0/);
   * ```
   */
  bundle(): MimeBundle {
    const lines = [`since created: ${summary(this.figures)}`];
    if (this.sinceShown !== undefined) lines.push(`since last shown: ${summary(this.sinceShown)}`);
    const rows = this.layers.map((l) => [l.kind, l.detail, l.figures.join(", ")]);
    const html = `<div style="${CAPTION}">${escapeHtml(this.title)}</div>` +
      table(
        ["layer", "", "since created"],
        rows.map((r) => r.map((c, i) => i === 0 ? `<b>${escapeHtml(c)}</b>` : escapeHtml(c))),
      ) +
      lines.map((line) => `<div style="${MUTED}">${escapeHtml(line)}</div>`).join("");
    const text = textTable(["layer", "", "since created"], rows);
    return {
      "text/html": container(html),
      "text/plain": [this.title, text, ...lines].join("\n"),
    };
  }
}

function layerOf(info: ModelInfo): Layer {
  const f = info.figures;
  const figures = info.role === "provider"
    ? [
      `requests ${f.requests ?? 0}`,
      `retries ${f.retries ?? 0}`,
      `samples ${f.samples ?? 0}`,
      `tokens ${f.promptTokens ?? 0}/${f.completionTokens ?? 0}`,
      ...(f.cost === undefined ? [] : [`cost ${formatCost(f.cost)}`]),
      seconds(f.queryTime ?? 0),
    ]
    : Object.entries(f).map(([name, value]) => `${name} ${value}`);
  return { kind: info.kind, detail: info.detail, figures };
}

function layerTitle(layer: Layer): string {
  if (layer.kind === "Persistent") return `${layer.kind}(${layer.detail.split(", ")[0]})`;
  if (layer.detail === "" || layer.detail === "in memory") return layer.kind;
  return `${layer.kind} ${layer.detail.split(", max batch")[0]}`;
}

function summary(f: StackFigures): string {
  return [
    `hits ${f.hits}`,
    `misses ${f.misses}`,
    `requests ${f.requests}`,
    `retries ${f.retries}`,
    `tokens ${f.promptTokens} prompt / ${f.completionTokens} completion`,
    ...(f.cost === undefined ? [] : [`cost ${formatCost(f.cost)}`]),
    `query time ${seconds(f.queryTime)}`,
    ...(f.saved === undefined || f.saved.samples === 0 ? [] : [`saved: ${savedSummary(f.saved)}`]),
  ].join(" · ");
}

/**
 * What the items served from the cache cost when drawn, in one line:
 * `100 samples, tokens 1400 prompt / 5200 completion, cost 0.0555, query time
 * 61.4 s`; samples stored without usage are named, never counted as free.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { savedSummary } from "./model_view.ts";
 *
 * const figures = { requests: 1, promptTokens: 35, completionTokens: 10, queryTime: 0.8 };
 * assert.equal(
 *   savedSummary({ samples: 10, unknown: 0, ...figures, cost: 0.000188 }),
 *   "10 samples, tokens 35 prompt / 10 completion, cost 0.000188, query time 0.80 s",
 * );
 * assert.equal(
 *   savedSummary({ samples: 12, unknown: 2, ...figures }),
 *   "12 samples (2 of unknown usage, not counted), tokens 35 prompt / 10 completion, " +
 *     "query time 0.80 s",
 * );
 * assert.equal(
 *   savedSummary({ ...figures, samples: 3, unknown: 3, promptTokens: 0, completionTokens: 0 }),
 *   "3 samples of unknown usage",
 * );
 * ```
 */
export function savedSummary(saved: SavedFigures): string {
  const samples = `${saved.samples} sample${saved.samples === 1 ? "" : "s"}`;
  if (saved.unknown === saved.samples) return `${samples} of unknown usage`;
  return [
    saved.unknown === 0 ? samples : `${samples} (${saved.unknown} of unknown usage, not counted)`,
    `tokens ${saved.promptTokens} prompt / ${saved.completionTokens} completion`,
    ...(saved.cost === undefined ? [] : [`cost ${formatCost(saved.cost)}`]),
    `query time ${seconds(saved.queryTime)}`,
  ].join(", ");
}

/**
 * A cost with a sensible precision: cents from 1 up, three significant
 * digits below (costs of single prompts are fractions of a cent).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCost } from "./model_view.ts";
 *
 * assert.equal(formatCost(12.3456), "12.35");
 * assert.equal(formatCost(0.0123456), "0.0123");
 * assert.equal(formatCost(0.000105), "0.000105");
 * assert.equal(formatCost(0), "0");
 * ```
 */
export function formatCost(cost: number): string {
  if (cost === 0) return "0";
  if (Math.abs(cost) >= 1) return cost.toFixed(2);
  const decimals = Math.min(12, 2 - Math.floor(Math.log10(Math.abs(cost))));
  return cost.toFixed(decimals);
}

/**
 * Seconds with a sensible precision: hundredths below ten seconds, tenths above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seconds } from "./model_view.ts";
 *
 * assert.equal(seconds(0.123), "0.12 s");
 * assert.equal(seconds(42.25), "42.3 s");
 * ```
 */
export function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
