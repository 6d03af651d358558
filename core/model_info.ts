/**
 * How a model describes itself to displays (notebooks, the command line):
 * every built-in model answers `model[modelInfo]()` with its kind, a one-line
 * detail, its figures and the model it wraps, so that a display reads a
 * model stack without knowing its classes.
 *
 * @module
 */

import type { CostFigures, Price, SavedFigures } from "./cost.ts";
import type { Model } from "./model.ts";
import { formatTemperature } from "./model_key.ts";

/**
 * The protocol symbol: `model[modelInfo]()` returns a {@linkcode ModelInfo}.
 * It is registered (`Symbol.for`), so two copies of the library understand
 * each other's models.
 *
 * @example Asking a model to describe itself
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel } from "../mod.ts";
 * import { modelInfo } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * assert.equal(modelInfo, Symbol.for("llm-cache.modelInfo"));
 * assert.equal(new Echo("echo", 0)[modelInfo]().role, "provider");
 * ```
 */
export const modelInfo: unique symbol = Symbol.for("llm-cache.modelInfo");

/**
 * What one layer of a model stack says about itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { infoOf, type ModelInfo } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * const info: ModelInfo = infoOf(new Repeatable(new Echo("echo", 0)));
 * assert.deepEqual([info.kind, info.role], ["Repeatable", "cache"]);
 * assert.equal(info.inner?.name, "echo");
 * ```
 */
export interface ModelInfo {
  /** Its class name, e.g. `Persistent` or `CloseAI`. */
  readonly kind: string;
  /**
   * What it does: `cache` (keeps sequences: `Repeatable`, `Persistent`),
   * `decorator` (changes what a call means: `Independent`), `provider`
   * (draws fresh samples) or `model` (anything else).
   */
  readonly role: "cache" | "decorator" | "provider" | "model";
  /** One line, e.g. `~/.llm_cache, key gpt-4o_1` or `gpt-4o @ 1, max batch 10`. */
  readonly detail: string;
  /**
   * Its own counters since it was created (its `stats`): a cache has
   * `hits`, `misses` and `drawn`; a provider `requests`, `retries`,
   * `samples`, `promptTokens`, `completionTokens`, `queryTime` (seconds)
   * and, when it has a price, `cost`. They are what `figuresOf` reads to
   * make the figures of a whole stack, which every display shows.
   */
  readonly figures: Readonly<Record<string, number>>;
  /** The model it wraps, if any. */
  readonly inner?: Model | undefined;
  /** A cache over a store: the store's location (absent for a cache in memory). */
  readonly store?: string | undefined;
  /**
   * A cache: what the items it served from the cache cost when they were
   * drawn (see `CacheStats.saved`).
   */
  readonly saved?: SavedFigures | undefined;
  /** A provider: its price per million tokens, when it has one. */
  readonly price?: Readonly<Price> | undefined;
  /**
   * A cache: per prompt, the indices it served and those it drew since it
   * was created (what a run manifest reports; computed when called).
   */
  readonly sequences?: (() => readonly SequenceUse[]) | undefined;
  /**
   * A provider: per prompt, its requests, tokens, cost (with a price) and
   * query time since it was created (computed when called).
   */
  readonly usage?: (() => readonly PromptUsage[]) | undefined;
}

/** Index ranges `[first, last]`, both ends included, ascending and disjoint. */
export type IndexRanges = readonly (readonly [number, number])[];

/** What a cache did with one prompt's sequence (see {@linkcode ModelInfo.sequences}). */
export interface SequenceUse {
  /** The prompt text. */
  readonly prompt: string;
  /** Indices served at least once. */
  readonly served: IndexRanges;
  /**
   * Indices it drew fresh, served or not (a batch may bring more than was
   * read); a served index not drawn was a hit, stored before.
   */
  readonly drawn: IndexRanges;
  /**
   * What the indices served from the cache (served, not drawn) cost when
   * they were drawn, each counted once.
   */
  readonly saved?: SavedFigures | undefined;
}

/**
 * What a provider spent on one prompt (see {@linkcode ModelInfo.usage}):
 * requests, samples, tokens, their cost when the provider has a price, and
 * query time.
 */
export interface PromptUsage extends CostFigures {
  /** The prompt text. */
  readonly prompt: string;
  /** Samples received. */
  readonly samples: number;
}

/**
 * A model that describes itself.
 *
 * @example A hand-written model that shows up in displays with a detail
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DescribedModel, infoOf, type ModelInfo, modelInfo } from "../core/accounting.ts";
 *
 * class Fixed implements DescribedModel {
 *   readonly name = "fixed";
 *   readonly temperature = 0;
 *   readonly alias = "fixed";
 *   readonly maxBatch = 1;
 *   async *sample(): AsyncIterableIterator<string> {
 *     while (true) yield "42";
 *   }
 *   totalQueryTime(): number {
 *     return 0;
 *   }
 *   totalTokenCount(): [number, number] {
 *     return [0, 0];
 *   }
 *   [modelInfo](): ModelInfo {
 *     return { kind: "Fixed", role: "model", detail: "always 42", figures: {} };
 *   }
 * }
 *
 * assert.equal(infoOf(new Fixed()).detail, "always 42");
 * ```
 */
export interface DescribedModel extends Model {
  /** Its description, as of now. */
  [modelInfo](): ModelInfo;
}

/**
 * What `model` says about itself; a model without the protocol is described
 * by its class name and identity, and a description that fails is replaced
 * by one that says so (a display must never throw).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { infoOf } from "../core/accounting.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const info = infoOf(new Repeatable(new Counter("gpt-4o", 1)));
 * assert.equal(info.kind, "Repeatable");
 * assert.equal(info.role, "cache");
 * assert.equal(infoOf(info.inner!).detail, "gpt-4o @ 1, max batch 1");
 * ```
 *
 * @param model Any model.
 * @returns Its description.
 */
export function infoOf(model: Model): ModelInfo {
  const kind = model?.constructor?.name || "Model";
  try {
    if (typeof (model as Partial<DescribedModel>)[modelInfo] === "function") {
      return (model as DescribedModel)[modelInfo]();
    }
    const inner = (model as { inner?: unknown }).inner;
    if (typeof inner === "object" && inner !== null && "sample" in inner) {
      return { kind, role: "decorator", detail: "", figures: {}, inner: inner as Model };
    }
    return { kind, role: "model", detail: identity(model), figures: {} };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { kind, role: "model", detail: `(cannot describe itself: ${why})`, figures: {} };
  }
}

/**
 * The layers of a model stack, outermost first, following each layer's
 * `inner` model.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Independent, Repeatable } from "../mod.ts";
 * import { stackOf } from "../core/accounting.ts";
 *
 * class Counter extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill("x"));
 *   }
 * }
 *
 * const stack = stackOf(new Independent(new Repeatable(new Counter("gpt-4o", 1))));
 * assert.deepEqual(stack.map((layer) => layer.kind), ["Independent", "Repeatable", "Counter"]);
 * ```
 *
 * @param model Any model stack.
 * @returns One description per layer.
 */
export function stackOf(model: Model): ModelInfo[] {
  const layers: ModelInfo[] = [];
  const seen = new Set<Model>();
  for (let layer: Model | undefined = model; layer !== undefined && !seen.has(layer);) {
    seen.add(layer);
    const info = infoOf(layer);
    layers.push(info);
    layer = info.inner;
  }
  return layers;
}

/**
 * `gpt-4o @ 1 (alias x)`: a model's name, temperature and alias, as
 * displays show it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel } from "../mod.ts";
 * import { identity } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * assert.equal(identity(new Echo("gpt-4o", 1.0)), "gpt-4o @ 1");
 * assert.equal(identity(new Echo("gpt-4o", 0.5, { alias: "g" })), "gpt-4o @ 0.5 (alias g)");
 * ```
 *
 * @param model Any model.
 * @returns Its name, temperature and alias in one line.
 */
export function identity(model: Model): string {
  const alias = model.alias !== undefined && model.alias !== model.name
    ? ` (alias ${model.alias})`
    : "";
  let temperature: string;
  try {
    temperature = formatTemperature(model.temperature);
  } catch {
    temperature = String(model.temperature);
  }
  return `${model.name} @ ${temperature}${alias}`;
}
