// The machinery Repeatable and Persistent share: one sequence per prompt whose
// i-th item never changes, filled with fresh draws from the inner model.

import { Cursor, read } from "./cursor.ts";
import { Decorator } from "./decorator.ts";
import type { Model } from "./model.ts";
import { SampleIterator } from "./sample_iterator.ts";
import { type Backing, Sequence } from "./sequence.ts";
import { fresh, type Source, sourceOf } from "./source.ts";
import { assertCount, assertPrompt } from "./validate.ts";

/** Cache figures since the model was created. */
export interface CacheStats {
  /** Items served that were already cached (in memory or in the store). */
  hits: number;
  /** Items served that had to wait for a fresh draw. */
  misses: number;
  /** Fresh samples drawn from the inner model (a batch draws several). */
  drawn: number;
}

/** A model whose every call of `sample(p)` yields one fixed sequence. */
export abstract class CachedModel extends Decorator {
  #source: Source;
  #sequences = new Map<string, Sequence>();
  #stats: CacheStats = { hits: 0, misses: 0, drawn: 0 };

  /**
   * Wraps `inner`; missing items are drawn from it seen through Independent.
   *
   * @param inner The model to draw fresh samples from.
   */
  constructor(inner: Model) {
    super(inner);
    this.#source = sourceOf(inner, true);
  }

  /** Hits and misses since this model was created. */
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

  /** @internal Fresh draws: a cursor over this model's sequences. */
  [fresh](aligned: boolean): Source {
    const cursors = new Map<string, Cursor>();
    return {
      expected: () => 1,
      draw: (prompt, count, batch, index) => {
        let cursor = cursors.get(prompt);
        if (cursor === undefined) cursors.set(prompt, cursor = new Cursor());
        return read(
          this.#sequence(prompt),
          cursor,
          count,
          batch,
          aligned ? index : undefined,
        );
      },
    };
  }

  /** @internal Durable storage for `prompt`'s sequence, if any (`Persistent`). */
  protected backing(_prompt: string): Backing | undefined {
    return undefined;
  }

  /**
   * Fresh samples to store from `index` on, for a caller waiting for index
   * `_wanted`; by default drawn from the inner model.
   */
  protected draw(
    prompt: string,
    index: number,
    batch: number,
    _wanted: number,
  ): Promise<readonly string[]> {
    const count = this.#source.expected(batch);
    return Promise.resolve(this.#source.draw(prompt, count, batch, index));
  }

  #sequence(prompt: string): Sequence {
    let sequence = this.#sequences.get(prompt);
    if (sequence === undefined) {
      const backing = this.backing(prompt);
      sequence = new Sequence({
        expected: (batch) => this.#source.expected(batch),
        fill: async (index, batch, wanted) => {
          const samples = await this.draw(prompt, index, batch, wanted);
          this.#stats.drawn += samples.length;
          return samples;
        },
        stats: this.#stats,
        ...(backing === undefined ? {} : { backing }),
      });
      this.#sequences.set(prompt, sequence);
    }
    return sequence;
  }
}
