/**
 * Accounting: what a model stack spent and saved, and how its layers report
 * it. {@linkcode figuresOf} gives the one {@linkcode Figures} of any stack
 * (the notebook views, `progress`, `cache stats` and manifests all read it);
 * {@linkcode CostFigures} and {@linkcode SavedFigures} are the shapes of what
 * was spent and saved, at a {@linkcode Price}; the usage records a store
 * keeps and the helpers that read them; and the `modelInfo` protocol by which
 * each layer describes itself (`stackOf`, `infoOf`). The root module keeps
 * what runs a model; this subpath is for code that reports on it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { figuresOf } from "./accounting.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("counter", 1));
 * await collect(model.sample("p"), 2);
 * await collect(model.sample("p"), 2); // replayed
 * const figures = figuresOf(model);
 * assert.equal(figures.hits, 2);
 * assert.equal(figures.misses, 2);
 * ```
 *
 * @module
 */

export { type CostFigures, costOf, currencyOf, type Price, type SavedFigures } from "./cost.ts";
export { type Figures, figuresOf } from "./figures.ts";
export type { SampleUsage, TokenUsage, UsageRecord } from "./usage.ts";
export { asRecord, recordsBelow, recordsOf, usageAt } from "./usage_records.ts";
export type { ProviderStats } from "./buffered_model.ts";
export {
  type DescribedModel,
  identity,
  type IndexRanges,
  infoOf,
  type ModelInfo,
  modelInfo,
  type PromptUsage,
  type SequenceUse,
  stackOf,
} from "./model_info.ts";
