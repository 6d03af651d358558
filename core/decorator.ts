/**
 * The base of every model that wraps another: it takes the wrapped model's
 * identity and accounting.
 *
 * @module
 */

import { displayOf, JUPYTER_DISPLAY } from "./display.ts";
import type { Model } from "./model.ts";
import { type ModelInfo, modelInfo } from "./model_info.ts";
import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";
import { repliesOfStream } from "./_sample_iterator.ts";
import { describe } from "../internal/validate.ts";

/**
 * A model that wraps `inner`: same name, temperature, alias, batch limit and
 * key options, the inner model's query time and token counts, a description
 * for displays and a notebook display. `Repeatable`, `Independent` and
 * `Persistent` are decorators; subclass it to write your own, implementing
 * `sample`.
 *
 * What a model above yours gets: a cache or `Independent` over your
 * decorator reads it as any caller does, calling your `sample(prompt, batch)`
 * once per prompt, at its first miss (through `replies`, which calls your
 * `sample` unless you override it too), and reading the stream you return.
 *
 * - Return the inner model's stream as it is (after logging or counting,
 *   or for another prompt or batch) and the model above reads through it as
 *   if your decorator were not there: a cache over a cache keeps indices
 *   (slicing), `Independent` shares the cursor below, and batches, hits,
 *   usage and whole replies (tool calls, reasoning, …) pass through. The
 *   same holds for the stream of any built-in model.
 * - Return a stream of your own making (items mapped, filtered or made up)
 *   and the model above reads it as any model's: one stream per prompt for
 *   all its readers, an item at a time; a cache above takes each item as a
 *   fresh draw, stored at its next free index, with no usage, and each text
 *   as a reply with nothing more (override `replies` too to yield whole
 *   replies of your own).
 *
 * @example A decorator that logs every prompt it is asked for
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import { stackOf } from "../core/accounting.ts";
 * import { Decorator } from "../core/engine.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
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
 * const model = new Logged(new Echo("echo", 0.5, { alias: "e" }));
 * assert.deepEqual(await collect(model.sample("hi"), 2), ["hi", "hi"]);
 * assert.deepEqual(model.prompts, ["hi"]);
 * assert.equal(model.alias, "e");
 * assert.deepEqual(stackOf(model).map((layer) => layer.kind), ["Logged", "Echo"]);
 * ```
 *
 * @example Between two caches, a decorator that passes streams on keeps the slice's indices
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { Decorator } from "../core/engine.ts";
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
 * const source = new Repeatable(new Counter("counter", 1));
 * assert.deepEqual(await collect(source.sample("p"), 3), ["0", "1", "2"]);
 * const logged = new Logged(source);
 * const slice = new Repeatable(logged);
 * assert.deepEqual(await collect(slice.sample("p"), 3), ["0", "1", "2"]);
 * assert.deepEqual(logged.prompts, ["p"]); // the slice's first miss
 * assert.equal(slice.stats.hits, 3); // all stored below before the slice read them
 * ```
 */
export abstract class Decorator implements Model {
  /** The wrapped model. */
  readonly inner: Model;

  /**
   * Checks that `inner` is a model and keeps it.
   *
   * @param inner The model to wrap.
   */
  constructor(inner: Model) {
    if (
      typeof inner !== "object" || inner === null ||
      typeof (inner as Model).sample !== "function"
    ) {
      throw new TypeError(
        `${new.target.name} expected a Model (an object with a sample() method) to wrap, got ` +
          `${describe(inner)}; pass a provider or another decorator, e.g. new CloseAI("gpt-4o", 1)`,
      );
    }
    this.inner = inner;
  }

  /** The inner model's name. */
  get name(): string {
    return this.inner.name;
  }
  /** The inner model's temperature. */
  get temperature(): number {
    return this.inner.temperature;
  }
  /** The inner model's alias. */
  get alias(): string {
    return this.inner.alias;
  }
  /** The inner model's batch limit. */
  get maxBatch(): number {
    return this.inner.maxBatch;
  }
  /** The inner model's key options. */
  get keyOptions(): Readonly<Record<string, unknown>> | undefined {
    return this.inner.keyOptions;
  }

  /** See {@linkcode Model.sample}. */
  abstract sample(prompt: Prompt, batch?: number): AsyncIterableIterator<string>;

  /**
   * The replies of the stream {@linkcode Decorator.sample} returns: when it
   * passes a built-in model's stream on, that model's replies at the same
   * positions (tool calls, reasoning and all); when it makes a stream of
   * its own, each text as a reply with nothing more. Override it to yield
   * whole replies of your own.
   *
   * @param prompt The prompt: a string, or a chat.
   * @param batch As in {@linkcode Model.sample}.
   */
  replies(prompt: Prompt, batch?: number): AsyncIterableIterator<Reply> {
    return repliesOfStream(this, this.sample(prompt, batch));
  }

  /** The inner model's query time, in seconds. */
  totalQueryTime(): number {
    return this.inner.totalQueryTime();
  }

  /** The inner model's tokens, as `[prompt, completion]`. */
  totalTokenCount(): [number, number] {
    return this.inner.totalTokenCount();
  }

  /** What this layer says about itself to displays. */
  [modelInfo](): ModelInfo {
    return {
      kind: this.constructor.name,
      role: "decorator",
      detail: "",
      figures: {},
      inner: this.inner,
    };
  }

  /** The model stack, as a notebook cell's last value. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return displayOf(this);
  }
}
