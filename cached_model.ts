// The machinery Repeatable and Persistent share: one sequence per prompt whose
// i-th item never changes, filled with fresh draws from the inner model.

import { Cursor, read, readDrawn } from "./cursor.ts";
import { Decorator } from "./decorator.ts";
import type { Model } from "./model.ts";
import { SampleIterator } from "./sample_iterator.ts";
import { type Backing, type Drawn, Sequence } from "./sequence.ts";
import { fresh, type Source, sourceOf } from "./source.ts";
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

  /** @internal Fresh draws: a cursor over this model's sequences. */
  [fresh](aligned: boolean): Source {
    const cursors = new Map<string, Cursor>();
    const cursor = (prompt: string) => {
      let found = cursors.get(prompt);
      if (found === undefined) cursors.set(prompt, found = new Cursor());
      return found;
    };
    return {
      expected: () => 1,
      draw: (prompt, count, batch, index) =>
        read(this.#sequence(prompt), cursor(prompt), count, batch, aligned ? index : undefined),
      fill: (prompt, count, batch, index) =>
        readDrawn(
          this.#sequence(prompt),
          cursor(prompt),
          count,
          batch,
          aligned ? index : undefined,
        ),
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
    const source = this.#source;
    if (source.fill !== undefined) return source.fill(prompt, count, batch, index);
    return Promise.resolve(source.draw(prompt, count, batch, index)).then((samples) => ({
      samples,
    }));
  }

  #sequence(prompt: string): Sequence {
    let sequence = this.#sequences.get(prompt);
    if (sequence === undefined) {
      const backing = this.backing(prompt);
      sequence = new Sequence({
        expected: (batch) => this.#source.expected(batch),
        fill: async (index, count, batch, wanted) => {
          const drawn = await this.draw(prompt, index, count, batch, wanted);
          this.#stats.drawn += drawn.samples.length;
          return drawn;
        },
        stats: this.#stats,
        ...(backing === undefined ? {} : { backing }),
      });
      this.#sequences.set(prompt, sequence);
    }
    return sequence;
  }
}
