/**
 * Extending the engine: a {@linkcode Decorator} of your own (a model over a
 * model, read through its `sample` and `replies`), a cache of your own (a
 * `Repeatable` configured with {@linkcode RepeatableOptions}: a `backing`
 * that keeps one {@linkcode SequenceStore} per prompt and a `miss` policy run
 * around each draw), and what a provider's `query` may resolve to
 * ({@linkcode QueryResult}). Nobody overrides an engine hook: these values
 * are the whole seam (ARCHITECTURE.md, "The engine's seams").
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { Decorator } from "./engine.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * class Logged extends Decorator {
 *   readonly prompts: string[] = [];
 *   sample(prompt: string, batch?: number): AsyncIterableIterator<string> {
 *     this.prompts.push(prompt);
 *     return this.inner.sample(prompt, batch);
 *   }
 * }
 *
 * const logged = new Logged(new Counter("counter", 1));
 * const model = new Repeatable(logged);
 * assert.deepEqual(await collect(model.sample("p"), 2), ["0", "1"]);
 * assert.deepEqual(await collect(model.sample("p"), 2), ["0", "1"]); // replayed
 * assert.deepEqual(logged.prompts, ["p"]); // asked once, at the first miss
 * ```
 *
 * @module
 */

export { Decorator } from "./decorator.ts";
export type {
  ClaimedRun,
  ClaimRange,
  Miss,
  MissPolicy,
  RepeatableOptions,
  SamplesWrite,
  SequenceClaim,
  SequenceStore,
  StoredSamples,
} from "./repeatable_options.ts";
export type { QueryResult } from "./buffered_model.ts";
export type { AsyncSource } from "./async_source.ts";
