// How one model reads another: a cache or Independent reading the model
// below it.
//
// What it guarantees: a model above reads the model below as any caller
// does, through its `replies(prompt, batch)` when it has one (a
// `Decorator`'s calls its own `sample`), else its `sample(prompt, batch)`,
// called once per prompt at the first read, so a decorator's own `sample`
// runs and chooses what is read.
// Every built-in model's stream says what it reads (its feed, see
// _sample_iterator.ts): a cache's stream replays its sequence from the
// stream's position; a provider's or Independent's stream reads its prompt's
// shared cursor. The model above reads through that feed, so a stream passed
// on unchanged (a decorator that logs, counts or picks the prompt) hides
// nothing: a cache over a cache reads the item at index i for its own index
// i (slicing keeps indices, see exact fills in _sequence.ts), Independent
// shares the cursor below, and batches, hits and usage pass through. Any
// other stream is read as one stream per prompt for every reader of the
// model above, an item at a time (calls are queued so that each gets its own
// item): a stream of replies keeps what each holds beyond its text, a stream
// of texts has nothing more. Either way each item a reader hands out goes to
// one caller only.

import type { Model } from "./model.ts";
import type { Prompt } from "./prompt.ts";
import { metaOf, type Reply, type ReplyMeta, replyOf } from "./reply.ts";
import { assertStream, feed, SampleIterator } from "./_sample_iterator.ts";
import type { Drawn } from "./_sequence.ts";
import { describe } from "../internal/validate.ts";
import type { Feed, Reader } from "./_pull.ts";

/**
 * What `model`'s stream of `prompt` reads; calls `model.replies(prompt,
 * batch)` once when the model has it, else `model.sample(prompt, batch)`.
 */
export function feedOf(model: Model, prompt: Prompt, batch: number): Feed {
  const whole = typeof model.replies === "function";
  const stream: unknown = whole ? model.replies!(prompt, batch) : model.sample(prompt, batch);
  if (stream instanceof SampleIterator) return stream[feed]();
  const method = whole ? "replies" : "sample";
  assertStream(model, stream, method);
  const reader = streamReader(model, stream, method);
  return { reader: () => reader, at: undefined };
}

/**
 * One prompt's reads from the model below a cache: by index when that
 * stream replays a cache, else fresh items. Found at the first read, so
 * that a cache that only hits never calls the model below.
 */
export class Below {
  #model: Model;
  #prompt: Prompt;
  #at: Feed["at"];
  #reader: Reader | undefined;

  /**
   * @param model The model below.
   * @param prompt The prompt read (a chat copied already: see _prompt_key.ts).
   */
  constructor(model: Model, prompt: Prompt) {
    this.#model = model;
    this.#prompt = prompt;
  }

  /** How many samples one fill asks for: one index at a time from a cache below. */
  expected(batch: number): number {
    return this.#open(batch) ? 1 : this.#reader!.expected(batch);
  }

  /** What a fill reads: the same indices of a cache below, or fresh items. */
  reads(batch: number): "fresh" | "slice" {
    return this.#open(batch) ? "slice" : "fresh";
  }

  /** `count` items for the indices from `from` on. */
  fill(from: number, count: number, batch: number): Promise<Drawn> {
    return this.#open(batch) ? this.#at!(from, count, batch) : this.#reader!.take(count, batch);
  }

  /** Finds what the model below's stream reads; whether it reads a cache by index. */
  #open(batch: number): boolean {
    if (this.#at === undefined && this.#reader === undefined) {
      const found = feedOf(this.#model, this.#prompt, batch);
      if (found.at === undefined) this.#reader = found.reader();
      else this.#at = found.at;
    }
    return this.#at !== undefined;
  }
}

/** The value of `map` at `key`, made on first use. */
export function memo<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, value = make());
  return value;
}

/** One item of a stream that is not built in: its text, and what its reply holds beyond it. */
interface Item {
  readonly text: string;
  readonly meta: ReplyMeta | undefined;
}

/**
 * The reader of one stream of a model that is not built in: `replies()`
 * items are replies, `sample()` items texts.
 */
function streamReader(model: Model, it: AsyncIterator<unknown>, method: string): Reader {
  let queue: Promise<unknown> = Promise.resolve();
  // Calls on one iterator are queued so that each gets its own item.
  const item = (): Promise<Item> => {
    const got = queue.then(async () => {
      const result = await it.next();
      if (result.done) {
        throw new RangeError(
          `could not draw from model "${model.alias}": its ${method}() stream ended, and a ` +
            `Model must yield an endless stream; fix its ${method}()`,
        );
      }
      return method === "replies"
        ? replyItem(model, result.value)
        : { text: result.value as string, meta: undefined };
    });
    queue = got.catch(() => {});
    return got;
  };
  const reader: Reader = {
    next: async () => (await item()).text,
    reply: async () => {
      const { text, meta } = await item();
      return replyOf(text, meta);
    },
    feed: () => ({ reader: () => reader, at: undefined }),
    expected: () => 1,
    async take(count) {
      const items: Item[] = [];
      try {
        while (items.length < count) items.push(await item());
      } catch (error) {
        if (items.length === 0) throw error;
      }
      return { samples: items.map((i) => i.text), meta: items.map((i) => i.meta) };
    },
  };
  return reader;
}

/** A reply a model's `replies()` yielded, checked. */
function replyItem(model: Model, value: unknown): Item {
  const reply = value as Partial<Reply> | null;
  if (typeof reply?.text !== "string" || !Array.isArray(reply.toolCalls)) {
    throw new TypeError(
      `could not read model "${model.alias}": its replies() yielded ${describe(value)}, and a ` +
        `Model's replies() yields replies ({ text, toolCalls, … }); fix its replies()`,
    );
  }
  try {
    return { text: reply.text, meta: metaOf(reply as Reply) };
  } catch (error) {
    throw new TypeError(
      `could not read model "${model.alias}": its replies() yielded a malformed reply: ` +
        (error as Error).message,
    );
  }
}
