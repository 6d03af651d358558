/**
 * The model stack view: a model read outside-in with the figures since it
 * was created, and since it was last shown. The figures themselves are
 * gathered by the core's figuresOf and written as text by its one
 * formatter (core/figure_text.ts).
 *
 * @module
 */

import { count, figureRows, savedNote } from "../core/figure_text.ts";
import { type Figures, figuresOf } from "../core/figures.ts";
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
  /**
   * Figures of this layer, as its `modelInfo` gives them: a cache's `hits`,
   * `misses` and `drawn`; a provider's `requests`, `samples`, tokens, …
   */
  readonly figures: Readonly<Record<string, number>>;
}

// The figures of each model object when it was last shown.
const lastShown = new WeakMap<Model, Figures>();

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
 * assert.match(String(again), /^hits +0 +0$/m); // since created, since last shown
 * assert.match(String(again), /^misses +1 +1$/m);
 * ```
 *
 * @param model Any model stack.
 * @returns A view of it.
 */
export function modelView(model: Model): ModelView {
  const figures = figuresOf(model);
  const before = lastShown.get(model);
  lastShown.set(model, figures);
  // Nothing runs in between: the same figures as `figures`, less `before`.
  const since = before === undefined ? undefined : figuresOf(model, before);
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
 *   { kind: "Repeatable", detail: "in memory", figures: { hits: 3, misses: 1 } },
 *   { kind: "CloseAI", detail: "gpt-4o @ 1", figures: { requests: 1, samples: 1 } },
 * ], figures);
 * assert.equal(view.title, "Repeatable → CloseAI gpt-4o @ 1");
 * ```
 */
export class ModelView extends View {
  /** The layers, outermost first. */
  readonly layers: readonly Layer[];
  /** The stack's figures when the view was made. */
  readonly figures: Readonly<Figures>;
  /**
   * What happened since the model was last shown, or `undefined` the first
   * time it is shown.
   */
  readonly sinceShown: Readonly<Figures> | undefined;

  /**
   * Makes the view from figures already gathered.
   *
   * @param layers The layers, outermost first.
   * @param figures The stack's figures.
   * @param sinceShown The figures since the model was last shown, if it was.
   */
  constructor(layers: readonly Layer[], figures: Figures, sinceShown?: Figures) {
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
   * const layers = [{ kind: "Persistent", detail: "~/.llm_cache, replication", figures: {} }];
   * const figures = { hits: 0, misses: 0, fresh: 0, requests: 0, retries: 0, promptTokens: 0, completionTokens: 0, queryTime: 0 };
   * assert.equal(new ModelView(layers, figures).title, "Persistent(~/.llm_cache)");
   * ```
   */
  get title(): string {
    return this.layers.map(layerTitle).join(" → ");
  }

  /**
   * The view as `text/html` and `text/plain`: the layers as a table (what
   * each is, and its own figures in numeric columns), and the stack's
   * figures as a table with a column since the model was created, one since
   * it was last shown, and one for what its cache saved, each figure with
   * its unit and the cost with its currency.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { BufferedModel, Repeatable } from "../mod.ts";
   * import { modelView } from "./mod.ts";
   *
   * class Tagged extends BufferedModel {
   *   protected query(_prompt: string, n: number) {
   *     return Promise.resolve({ samples: Array(n).fill("x"), usage: { promptTokens: 1500, completionTokens: 2 } });
   *   }
   * }
   *
   * const model = new Repeatable(new Tagged("<b>model</b>", 1, { price: { input: 2, output: 8 } }));
   * await model.sample("p").next();
   * const { "text/html": html, "text/plain": text } = modelView(model).bundle();
   * assert(html.includes("&lt;b&gt;model&lt;/b&gt;") && !html.includes("<b>model"));
   * assert.match(text, /^prompt tokens +1,500$/m);
   * assert.match(text, /^cost \(USD\) +0\.00302$/m);
   * assert.match(html, /<td align="right"[^>]*>1,500<\/td>/);
   * ```
   */
  bundle(): MimeBundle {
    const layerHeaders = ["layer", "configuration", "hits", "misses", "drawn", "requests"];
    const layerNumeric = [false, false, true, true, true, true];
    const layerRows = this.layers.map((l) => [l.kind, l.detail, ...layerFigures(l)]);
    const saved = this.figures.saved;
    const showSaved = saved !== undefined && saved.samples > 0;
    const columns = [this.figures, ...(this.sinceShown === undefined ? [] : [this.sinceShown])];
    const figureHeaders = [
      "figure",
      "since created",
      ...(this.sinceShown === undefined ? [] : ["since last shown"]),
      ...(showSaved ? ["saved"] : []),
    ];
    const rows = figureRows([...columns, ...(showSaved ? [saved] : [])])
      .map((r) => [r.heading, ...r.values]);
    const numeric = figureHeaders.map((_, i) => i > 0);
    const note = showSaved ? savedNote(saved, this.figures.hits) : "";
    const html = `<div style="${CAPTION}">${escapeHtml(this.title)}</div>` +
      `<div style="display:flex;flex-wrap:wrap;gap:0 24px;align-items:flex-start">` +
      table(
        layerHeaders,
        layerRows.map((r) => r.map((c, i) => i === 0 ? `<b>${escapeHtml(c)}</b>` : escapeHtml(c))),
        { numeric: layerNumeric },
      ) +
      table(figureHeaders, rows.map((r) => r.map(escapeHtml)), { numeric }) +
      `</div>` + (note === "" ? "" : `<div style="${MUTED}">${escapeHtml(note)}</div>`);
    const text = [
      this.title,
      textTable(layerHeaders, layerRows, { numeric: layerNumeric }),
      "",
      textTable(figureHeaders, rows, { numeric }),
      ...(note === "" ? [] : [note]),
    ].join("\n");
    return { "text/html": container(html), "text/plain": text };
  }
}

function layerOf(info: ModelInfo): Layer {
  return { kind: info.kind, detail: info.detail, figures: info.figures };
}

/** A layer's hits, misses, drawn (a provider's samples) and requests; "" where it has none. */
function layerFigures(layer: Layer): string[] {
  const f = layer.figures;
  const drawn = f.drawn ?? f.samples;
  return [f.hits, f.misses, drawn, f.requests].map((v) => v === undefined ? "" : count(v));
}

function layerTitle(layer: Layer): string {
  if (layer.kind === "Persistent") return `${layer.kind}(${layer.detail.split(", ")[0]})`;
  if (layer.detail === "" || layer.detail === "in memory") return layer.kind;
  return `${layer.kind} ${layer.detail.split(", max batch")[0]}`;
}
