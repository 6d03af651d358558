/**
 * The sampling core: the `Model` interface, providers' base class
 * `BufferedModel`, the decorators `Repeatable` and `Independent`, the stream
 * helpers (`first`, `take`, `collect` and the combinators), cache keys,
 * the protocol by which models describe themselves and the figures of a
 * model stack (`figuresOf`). It imports nothing from
 * the other folders: stores, providers, notebooks and the command line are
 * built on it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Independent, Repeatable } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("counter", 1));
 * assert.deepEqual(await collect(model.sample("p"), 2), ["0", "1"]);
 * assert.deepEqual(await collect(model.sample("p"), 2), ["0", "1"]); // replayed
 * const fresh = new Independent(model);
 * assert.deepEqual(await collect(fresh.sample("p"), 3), ["0", "1", "2"]);
 * assert.deepEqual(await collect(fresh.sample("p"), 1), ["3"]); // continues
 * ```
 *
 * @module
 */

export type { Model } from "./model.ts";
export * from "./accounting.ts";
export * from "./engine.ts";
export { BufferedModel, type BufferedModelOptions } from "./buffered_model.ts";
export { Independent } from "./independent.ts";
export { type CacheStats, Repeatable } from "./repeatable.ts";
export { collect, first, take } from "./iterators.ts";
export { map } from "./map.ts";
export { filter } from "./filter.ts";
export { find, type FindOptions } from "./find.ts";
export { takeWhile } from "./take_while.ts";
export { unique } from "./unique.ts";
export { zip } from "./zip.ts";
export { interleave } from "./interleave.ts";
export { chunk } from "./chunk.ts";
export { formatTemperature, modelKey, promptHash } from "./model_key.ts";
export {
  type Chat,
  type ImagePart,
  type Message,
  type Part,
  type Prompt,
  promptText,
  type TextPart,
  type Tool,
  type ToolCall,
} from "./prompt.ts";
export { messageOf, type Reply, type ReplyMeta } from "./reply.ts";
export { repliesOf } from "./replies.ts";
