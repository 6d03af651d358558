/**
 * The model stack view: a model read outside-in with the figures since it
 * was created.
 *
 * @module
 */

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

/** The figures of a whole stack since it was created. */
export interface StackFigures {
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
  /** Seconds spent waiting for the provider. */
  queryTime: number;
}

/**
 * The figures of a stack: cache figures from its caching layers, provider
 * figures from its providers.
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
 * ```
 *
 * @param model Any model stack.
 * @returns Its figures since it was created.
 */
export function stackFigures(model: Model): StackFigures {
  const layers = stackOf(model);
  const caches = layers.filter((l) => l.role === "cache");
  const providers = layers.filter((l) => l.role === "provider");
  const outer = servedFigures(model);
  const bottom = layers[layers.length - 1]!;
  const total = (name: string) => sum(providers.map((p) => p.figures[name] ?? 0));
  return {
    hits: outer?.hits ?? 0,
    misses: outer?.misses ?? 0,
    fresh: caches[caches.length - 1]?.figures.drawn ?? 0,
    requests: total("requests"),
    retries: total("retries"),
    promptTokens: bottom.figures.promptTokens ?? 0,
    completionTokens: bottom.figures.completionTokens ?? 0,
    queryTime: bottom.figures.queryTime ?? 0,
  };
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

/**
 * How a model stack looks when it is a cell's last value: its layers read
 * outside-in (e.g. `Persistent(~/.llm_cache) → Independent → CloseAI gpt-4o @ 1`),
 * the cache location and the figures since the model was created. The
 * figures are those at the time of the call.
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
 * const view = modelView(new Independent(new Repeatable(new Counter("gpt-4o", 1))));
 * assert(String(view).startsWith("Independent → Repeatable → Counter gpt-4o @ 1"));
 * ```
 *
 * @param model Any model stack.
 * @returns A view of it.
 */
export function modelView(model: Model): ModelView {
  return new ModelView(stackOf(model).map(layerOf), stackFigures(model));
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
   * Makes the view from figures already gathered.
   *
   * @param layers The layers, outermost first.
   * @param figures The stack's figures.
   */
  constructor(layers: readonly Layer[], figures: StackFigures) {
    super();
    this.layers = layers;
    this.figures = figures;
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
   * The view as `text/html` and `text/plain`: the layers as a table, and the
   * figures on one line.
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
   * assert.match(text, /hits 0 · misses 0 · requests 0/);
   * ```
   */
  bundle(): MimeBundle {
    const figures = summary(this.figures);
    const rows = this.layers.map((l) => [l.kind, l.detail, l.figures.join(", ")]);
    const html = `<div style="${CAPTION}">${escapeHtml(this.title)}</div>` +
      table(
        ["layer", "", "since created"],
        rows.map((r) => r.map((c, i) => i === 0 ? `<b>${escapeHtml(c)}</b>` : escapeHtml(c))),
      ) +
      `<div style="${MUTED}">${escapeHtml(figures)}</div>`;
    return {
      "text/html": container(html),
      "text/plain": `${this.title}\n${textTable(["layer", "", "since created"], rows)}\n${figures}`,
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
    `query time ${seconds(f.queryTime)}`,
  ].join(" · ");
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
