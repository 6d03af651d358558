// The iterator every built-in model returns: hand-written rather than an
// async generator, because a cache hit must cost little more than a resolved
// promise. It also says what it reads (`feed`), so that a model above reads
// through it even when a decorator passed it on (see _source.ts).

import type { Feed, Pull } from "./_source.ts";

/** The protocol symbol: `stream[feed]()` says what a built-in stream reads. */
export const feed: unique symbol = Symbol("llm-cache.feed");

/** An endless sample stream whose `next()` calls resolve in call order. */
export class SampleIterator implements AsyncIterableIterator<string> {
  #pull: Pull;
  #batch: number;
  #done = false;
  #last: Promise<unknown> | undefined;

  /**
   * @param pull Gives the next value, synchronously when it is already known.
   * @param batch The batch the stream was asked with.
   */
  constructor(pull: Pull, batch: number) {
    this.#pull = pull;
    this.#batch = batch;
  }

  next(): Promise<IteratorResult<string>> {
    if (this.#done) return Promise.reject(closedError());
    const value = this.#pull.next(this.#batch);
    if (typeof value === "string" && this.#last === undefined) {
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
  return(): Promise<IteratorResult<string>> {
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
