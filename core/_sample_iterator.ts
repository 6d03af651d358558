// The iterator every built-in model returns, of texts (`sample()`) or of
// replies (`replies()`): hand-written rather than an async generator,
// because a cache hit must cost little more than a resolved promise. It
// also says what it reads (`feed`), so that a model above reads through it
// even when a decorator passed it on (see _source.ts); a stream of replies
// reads the same positions as the stream of texts it was made from.

import type { Model } from "./model.ts";
import { type Reply, replyOf } from "./reply.ts";
import type { Feed, Pull } from "./_pull.ts";
import { describe } from "../internal/validate.ts";

/** The protocol symbol: `stream[feed]()` says what a built-in stream reads. */
export const feed: unique symbol = Symbol("llm-cache.feed");

/** An endless stream of texts or replies whose `next()` calls resolve in call order. */
export class SampleIterator<T extends string | Reply = string> implements AsyncIterableIterator<T> {
  #pull: Pull;
  #batch: number;
  #replies: boolean;
  #done = false;
  #last: Promise<unknown> | undefined;

  /**
   * @param pull Gives the next value, synchronously when it is already known.
   * @param batch The batch the stream was asked with.
   * @param replies Whether it yields replies (a `SampleIterator<Reply>`), else texts.
   */
  constructor(pull: Pull, batch: number, replies = false) {
    this.#pull = pull;
    this.#batch = batch;
    this.#replies = replies;
  }

  /** A stream of the replies this stream's reads give (the same positions, not yet read). */
  replies(): SampleIterator<Reply> {
    return new SampleIterator<Reply>(this.#pull, this.#batch, true);
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#done) return Promise.reject(closedError());
    if (this.#replies) return this.#ordered(this.#pull.reply(this.#batch) as T | Promise<T>);
    const value = this.#pull.next(this.#batch) as T | Promise<T>;
    if (typeof value === "string" && this.#last === undefined) {
      return Promise.resolve({ value, done: false });
    }
    return this.#ordered(value);
  }

  /** `value` once every earlier call's has settled. */
  #ordered(value: T | Promise<T>): Promise<IteratorResult<T>> {
    if (!(value instanceof Promise) && this.#last === undefined) {
      return Promise.resolve({ value, done: false });
    }
    const own = Promise.resolve(value);
    own.catch(() => {}); // observed below, maybe only after earlier calls settle
    const earlier = this.#last;
    const result = (earlier === undefined ? own : earlier.then(() => own))
      .then((v) => ({ value: v, done: false as const }));
    const settled: Promise<unknown> = result.then(noop, noop).then(() => {
      if (this.#last === settled) this.#last = undefined;
    });
    this.#last = settled;
    return result;
  }

  /** Closes the stream: a later `next()` throws, since an endless stream never ends by itself. */
  return(): Promise<IteratorResult<T>> {
    this.#done = true;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** What this stream reads, for a model above the one that made it. */
  [feed](): Feed {
    return this.#pull.feed();
  }
}

/**
 * The replies of a stream of texts that `model`'s `sample()` returned: a
 * built-in stream's own (the same positions, with what each reply holds
 * beyond its text), else each text as a reply with nothing more.
 */
export function repliesOfStream(
  model: Model,
  stream: AsyncIterator<string>,
): AsyncIterableIterator<Reply> {
  if (stream instanceof SampleIterator) return stream.replies();
  assertStream(model, stream, "sample");
  return {
    async next(): Promise<IteratorResult<Reply>> {
      const result = await stream.next();
      return result.done ? result : { value: replyOf(result.value), done: false };
    },
    async return(): Promise<IteratorResult<Reply>> {
      await stream.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Throws unless `stream`, which `model`'s `method()` returned, is an iterator, naming the model. */
export function assertStream(
  model: Model,
  stream: unknown,
  method: string,
): asserts stream is AsyncIterator<unknown> {
  if (
    typeof stream !== "object" || stream === null ||
    typeof (stream as AsyncIterator<unknown>).next !== "function"
  ) {
    throw new TypeError(
      `could not read model "${model.alias}": its ${method}() returned ${describe(stream)}, ` +
        `and a Model's ${method}() returns an endless async iterator; fix its ${method}()`,
    );
  }
}

// An endless stream that answers "done" would read as an empty one, so
// reading a closed stream is an error that says what happened.
function closedError(): Error {
  return new Error(
    "this sample stream was closed (by return(), or by a break out of a for await loop " +
      "over it), so it yields nothing more: call model.sample(prompt) again for a new stream, " +
      "or read with first(), take() or collect(), which leave a stream open",
  );
}

function noop(): void {}
