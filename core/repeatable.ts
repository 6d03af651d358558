/**
 * `Repeatable`: every call of `sample(p)` replays the same sequence. It is
 * also the machinery of `Persistent`, which adds a store behind it.
 *
 * @module
 */

import { Cursor } from "./_cursor.ts";
import { Decorator } from "./decorator.ts";
import type { Model } from "./model.ts";
import type { Price, SavedFigures } from "./cost.ts";
import { type ModelInfo, modelInfo, type SequenceUse, stackOf } from "./model_info.ts";
import { SampleIterator } from "./_sample_iterator.ts";
import { type Backing, type Drawn, Sequence } from "./_sequence.ts";
import { at, fresh, type IndexedModel, memo, type Source, sourceOf } from "./_source.ts";
import { UsageTally } from "./_usage.ts";
import { assertCount, assertPrompt } from "./_validate.ts";

/**
 * Cache figures since the model was created; `hits + misses` is the number
 * of items served.
 */
export interface CacheStats {
  /**
   * Items served that were stored before this model drew them: found in its
   * store or in a cache below it, or served before (a replay).
   */
  hits: number;
  /**
   * Items served from this model's own fresh draws, each counted once: the
   * item a caller waited for and the rest of its batch alike.
   */
  misses: number;
  /** Samples drawn from the inner model (a batch draws several), served or not yet. */
  drawn: number;
  /**
   * What the items served from the cache (hits stored before this model drew
   * them, each counted once) cost when they were drawn, from the usage stored
   * with them; the cost at the price of the provider under this model.
   */
  saved: SavedFigures;
}

/**
 * An in-memory cache: the i-th item of every call's sequence for a prompt is
 * always the same value. Missing items are fresh, independent draws from the
 * inner model, so the items within one sequence stay independent of each
 * other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable, take } from "../mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("counter", 1));
 * const prompt = "Choose a number between 1 and 1000.";
 * assert.equal(await first(model.sample(prompt)), "0");
 * assert.equal(await first(model.sample(prompt)), "0"); // same result
 * const two: string[] = [];
 * for await (const s of take(model.sample(prompt), 2)) two.push(s);
 * assert.equal(two.join(), "0,1"); // independent within the sequence
 * ```
 */
export class Repeatable extends Decorator {
  #expected: (batch: number) => number;
  // Whether fills read the inner cache at the same index (slicing).
  #exact: boolean;
  #fill: (prompt: string, index: number, count: number, batch: number) => Promise<Drawn>;
  #sequences = new Map<string, Sequence>();
  #stats: Omit<CacheStats, "saved"> = { hits: 0, misses: 0, drawn: 0 };

  /**
   * Wraps `inner` in an in-memory cache; missing items are drawn from it seen
   * through Independent,
   * or, when `inner` is a cache too, read at the same index (slicing keeps
   * indices).
   *
   * @param inner The model to draw fresh samples from.
   */
  constructor(inner: Model) {
    super(inner);
    this.#exact = at in inner;
    if (at in inner) {
      const cache = inner as IndexedModel;
      this.#expected = () => 1;
      this.#fill = (prompt, index, count, batch) => cache[at](prompt, index, count, batch);
    } else {
      const source = sourceOf(inner);
      this.#expected = (batch) => source.expected(batch);
      this.#fill = (prompt, _index, count, batch) => source.reader(prompt).take(count, batch);
    }
  }

  /** Hits, misses and draws since this model was created, and what the hits saved. */
  get stats(): Readonly<CacheStats> {
    const saved = new UsageTally();
    for (const sequence of this.#sequences.values()) saved.addTally(sequence.saved());
    return { ...this.#stats, saved: saved.figures(this.#price()) };
  }

  /**
   * The same endless sequence for `prompt` on every call.
   *
   * @param prompt The prompt text.
   * @param batch How many samples a miss fetches at once; never changes which
   * value sits at which index.
   */
  sample(prompt: string, batch = 1): AsyncIterableIterator<string> {
    assertPrompt(prompt);
    assertCount("batch", batch);
    const sequence = this.#sequence(prompt);
    let i = 0;
    return new SampleIterator(() => sequence.get(i++, batch));
  }

  /**
   * What this cache says about itself to displays and run manifests: its
   * hits, misses and draws, and what it served and drew per prompt.
   */
  override [modelInfo](): ModelInfo {
    const { saved, ...figures } = this.stats;
    return {
      ...super[modelInfo](),
      role: "cache",
      detail: "in memory",
      figures,
      saved,
      sequences: () => this.#uses(),
    };
  }

  #uses(): SequenceUse[] {
    const price = this.#price();
    return Array.from(this.#sequences, ([prompt, sequence]) => ({
      prompt,
      ...sequence.record(),
      saved: sequence.saved().figures(price),
    }));
  }

  /** The price of the provider under this cache, if it has one. */
  #price(): Price | undefined {
    return stackOf(this.inner).find((layer) => layer.role === "provider")?.price;
  }

  /** @internal Fresh draws: a shared cursor per prompt over this model's sequences. */
  [fresh](): Source {
    const cursors = new Map<string, Cursor>();
    return {
      expected: () => 1,
      reader: (prompt) => memo(cursors, prompt, () => new Cursor(this.#sequence(prompt))),
    };
  }

  /** @internal The items at `index` and after, for a cache over this one. */
  async [at](prompt: string, index: number, count: number, batch: number): Promise<Drawn> {
    const sequence = this.#sequence(prompt);
    const served = await Promise.all(
      Array.from({ length: count }, (_, k) => sequence.served(index + k, batch)),
    );
    return {
      samples: served.map((s) => s.value),
      stored: served.map((s) => s.hit),
      usage: served.map((s) => s.usage),
    };
  }

  /** @internal Durable storage for `prompt`'s sequence, if any (`Persistent`). */
  protected backing(_prompt: string): Backing | undefined {
    return undefined;
  }

  /**
   * @internal `count` fresh samples to store from `index` on, for a caller
   * waiting for index `_wanted`; by default drawn from the inner model.
   */
  protected draw(
    prompt: string,
    index: number,
    count: number,
    batch: number,
    _wanted: number,
  ): Promise<Drawn> {
    return this.#fill(prompt, index, count, batch);
  }

  #sequence(prompt: string): Sequence {
    return memo(this.#sequences, prompt, () =>
      new Sequence({
        expected: this.#expected,
        fill: async (index, count, batch, wanted) => {
          const drawn = await this.draw(prompt, index, count, batch, wanted);
          this.#stats.drawn += drawn.samples.length;
          return wellFormed(drawn);
        },
        stats: this.#stats,
        backing: this.backing(prompt),
        exact: this.#exact,
      }));
  }
}

/**
 * `drawn` with lone UTF-16 surrogates replaced by U+FFFD: a store keeps UTF-8,
 * which cannot hold them, so the value served now must be the one a replay
 * reads back.
 */
function wellFormed(drawn: Drawn): Drawn {
  if (drawn.samples.every((s) => s.isWellFormed())) return drawn;
  return { ...drawn, samples: drawn.samples.map((s) => s.toWellFormed()) };
}
