// How one model draws fresh samples from another: the inner model "seen
// through Independent". Built-in models implement the `fresh` protocol so
// that batches, positions and shared cursors pass through; any other Model is
// read through one shared iterator per prompt.

import type { Model } from "./model.ts";
import type { Drawn } from "./sequence.ts";

/** Draws that nobody else gets. */
export interface Source {
  /** How many samples one cache fill with this batch should draw. */
  expected(batch: number): number;
  /**
   * `count` fresh samples of `prompt`. `index` is where the caller will store
   * the first of them; a cache over a cache draws its own index from it.
   */
  draw(
    prompt: string,
    count: number,
    batch: number,
    index?: number,
  ): string[] | Promise<string[]>;
  /**
   * Like `draw`, for a cache's fill: also says which samples were stored
   * before (a cache below had them). Without it every sample is a fresh draw.
   */
  fill?(prompt: string, count: number, batch: number, index?: number): Promise<Drawn>;
}

/** The protocol symbol: `model[fresh](aligned)` returns a {@linkcode Source}. */
export const fresh: unique symbol = Symbol("llm-cache.fresh");

/** A model that can hand out fresh draws directly. */
export interface FreshModel extends Model {
  /**
   * A source of fresh draws. With `aligned`, a cache hands out index `i` to a
   * caller filling its own index `i` (cache slicing keeps indices).
   */
  [fresh](aligned: boolean): Source;
}

/** `model` seen through Independent. */
export function sourceOf(model: Model, aligned: boolean): Source {
  return fresh in model ? (model as FreshModel)[fresh](aligned) : iteratorSource(model);
}

/** One shared iterator per prompt over a model that is not built in. */
export function iteratorSource(model: Model): Source {
  const iterators = new Map<string, AsyncIterator<string>>();
  const queues = new Map<string, Promise<unknown>>();
  const next = async (prompt: string, batch: number): Promise<string> => {
    let it = iterators.get(prompt);
    if (it === undefined) {
      iterators.set(prompt, it = model.sample(prompt, batch));
    }
    const result = await it.next();
    if (result.done) {
      throw new RangeError(
        `model "${model.alias}" ended its sample() stream; a Model must yield an endless stream`,
      );
    }
    return result.value;
  };
  return {
    expected: () => 1,
    draw(prompt, count, batch) {
      // Calls on one iterator are queued so that each gets its own item.
      const queued = (queues.get(prompt) ?? Promise.resolve()).catch(() => {})
        .then(async () => {
          const out: string[] = [];
          while (out.length < count) out.push(await next(prompt, batch));
          return out;
        });
      queues.set(prompt, queued);
      return queued;
    },
  };
}

/** A stream of single fresh draws from `source`. */
export function drawOne(
  source: Source,
  prompt: string,
  batch: number,
): string | Promise<string> {
  const got = source.draw(prompt, 1, batch);
  return Array.isArray(got) ? got[0]! : got.then((values) => values[0]!);
}
