// The iterator every built-in model returns: hand-written rather than an
// async generator, because a cache hit must cost little more than a resolved
// promise.

/** An endless sample stream whose `next()` calls resolve in call order. */
export class SampleIterator implements AsyncIterableIterator<string> {
  #pull: () => string | Promise<string>;
  #done = false;
  #last: Promise<unknown> | undefined;

  /** @param pull The next value, synchronously when it is already known. */
  constructor(pull: () => string | Promise<string>) {
    this.#pull = pull;
  }

  next(): Promise<IteratorResult<string>> {
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    const value = this.#pull();
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

  return(): Promise<IteratorResult<string>> {
    this.#done = true;
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

function noop(): void {}
