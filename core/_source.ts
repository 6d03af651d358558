// How one model reads fresh samples from another: the inner model "seen
// through Independent".
//
// What it guarantees: each item a source hands out goes to one reader only,
// and the readers of one source share one position per prompt. Built-in
// models hand out their own readers (`fresh`), so that batches and shared
// positions pass through; a cache also answers "the item at index i" (`at`),
// which lets a cache over a cache keep its indices (cache slicing: the outer
// cache keeps that item at index i, see `exact` in _sequence.ts). Any other
// `Model` is read through one shared iterator per prompt.

import type { Model } from "./model.ts";
import { SampleIterator } from "./_sample_iterator.ts";
import type { Drawn } from "./_sequence.ts";

/** Reads one prompt's fresh items. */
export interface Reader {
  /** The next item; synchronous when it is already there. */
  next(batch: number): string | Promise<string>;
  /**
   * The next `count` items, for a cache's fill; fewer when some failed to
   * arrive (an error only when none did).
   */
  take(count: number, batch: number): Promise<Drawn>;
}

/** Fresh items of every prompt. */
export interface Source {
  /** How many samples one cache fill with this batch should ask for. */
  expected(batch: number): number;
  /** The reader of `prompt`'s items, shared by every caller. */
  reader(prompt: string): Reader;
}

/** The protocol symbol: `model[fresh]()` returns the model's {@linkcode Source}. */
export const fresh: unique symbol = Symbol("llm-cache.fresh");

/** The protocol symbol of a cache: `model[at](prompt, index, count, batch)`. */
export const at: unique symbol = Symbol("llm-cache.at");

/** A model that hands out fresh draws directly. */
export interface FreshModel extends Model {
  /** Its source of fresh draws. */
  [fresh](): Source;
}

/** A cache that serves its items by index. */
export interface IndexedModel extends Model {
  /** The items at `index` and after, saying which were stored before. */
  [at](prompt: string, index: number, count: number, batch: number): Promise<Drawn>;
}

/** `model` seen through Independent. */
export function sourceOf(model: Model): Source {
  return fresh in model ? (model as FreshModel)[fresh]() : iteratorSource(model);
}

/** A stream of `source`'s fresh items of `prompt`. */
export function streamOf(source: Source, prompt: string, batch: number): SampleIterator {
  const reader = source.reader(prompt);
  return new SampleIterator(() => reader.next(batch));
}

/** The value of `map` at `key`, made on first use. */
export function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}

/** One shared iterator per prompt over a model that is not built in. */
function iteratorSource(model: Model): Source {
  const readers = new Map<string, Reader>();
  return {
    expected: () => 1,
    reader: (prompt) => memo(readers, prompt, () => iteratorReader(model, prompt)),
  };
}

function iteratorReader(model: Model, prompt: string): Reader {
  let it: AsyncIterator<string> | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  // Calls on one iterator are queued so that each gets its own item.
  const next = (batch: number): Promise<string> => {
    const item = queue.then(async () => {
      const result = await (it ??= model.sample(prompt, batch)).next();
      if (result.done) {
        throw new RangeError(
          `could not draw from model "${model.alias}": its sample() stream ended, and a Model ` +
            `must yield an endless stream; fix its sample()`,
        );
      }
      return result.value;
    });
    queue = item.catch(() => {});
    return item;
  };
  return {
    next,
    async take(count, batch) {
      const samples: string[] = [];
      try {
        while (samples.length < count) samples.push(await next(batch));
      } catch (error) {
        if (samples.length === 0) throw error;
      }
      return { samples };
    },
  };
}
