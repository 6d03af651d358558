// The machinery Repeatable and Persistent share: one sequence per prompt whose
// i-th item never changes, filled with fresh draws from the inner model.

import { Cursor } from "./cursor.ts";
import { Decorator } from "./decorator.ts";
import type { Model } from "./model.ts";
import { type ModelInfo, modelInfo } from "./model_info.ts";
import { SampleIterator } from "./sample_iterator.ts";
import { type Backing, type Drawn, Sequence } from "./sequence.ts";
import { at, fresh, type IndexedModel, memo, type Source, sourceOf } from "./source.ts";
import { assertCount, assertPrompt } from "./validate.ts";

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
}

/** A model whose every call of `sample(p)` yields one fixed sequence. */
export abstract class CachedModel extends Decorator {
  #expected: (batch: number) => number;
  #fill: (prompt: string, index: number, count: number, batch: number) => Promise<Drawn>;
  #sequences = new Map<string, Sequence>();
  #stats: CacheStats = { hits: 0, misses: 0, drawn: 0 };

  /**
   * Wraps `inner`; missing items are drawn from it seen through Independent,
   * or, when `inner` is a cache too, read at the same index (slicing keeps
   * indices).
   *
   * @param inner The model to draw fresh samples from.
   */
  constructor(inner: Model) {
    super(inner);
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

  /** Hits, misses and draws since this model was created. */
  get stats(): Readonly<CacheStats> {
    return { ...this.#stats };
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

  /** What this cache says about itself to displays: its hits, misses and draws. */
  override [modelInfo](): ModelInfo {
    return { ...super[modelInfo](), role: "cache", detail: "in memory", figures: this.stats };
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
    return { samples: served.map((s) => s.value), stored: served.map((s) => s.hit) };
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
          return drawn;
        },
        stats: this.#stats,
        backing: this.backing(prompt),
      }));
  }
}
