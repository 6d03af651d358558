// Deterministic models for tests: each fresh draw is the next number of a
// counter, so every value says exactly when it was drawn.

import {
  BufferedModel,
  type BufferedModelOptions,
  type QueryResult,
} from "../core/buffered_model.ts";

/** Options of {@linkcode CountingModel}. */
export interface CountingModelOptions extends BufferedModelOptions {
  /** Milliseconds each request takes, or a function choosing it. */
  latency?: number | (() => number);
  /** Fewer samples than asked for: at most this many per request. */
  cap?: number;
  /** Put before each number, so that two models' draws differ. */
  prefix?: string;
}

/** A provider whose k-th drawn sample of a prompt is `${prefix}${k}`. */
export class CountingModel extends BufferedModel {
  /** The `n` of every request, in order. */
  readonly requests: number[] = [];
  /** How many requests are in flight right now. */
  inFlight = 0;
  /** The most requests ever in flight at once. */
  maxInFlight = 0;
  #next = new Map<string, number>();
  #latency: () => number;
  #cap: number;
  #prefix: string;
  #failures: Error[] = [];

  constructor(
    name = "mock",
    temperature = 1,
    options: CountingModelOptions = {},
  ) {
    const { latency = 0, cap = Infinity, prefix = "", ...rest } = options;
    super(name, temperature, rest);
    this.#prefix = prefix;
    this.#latency = typeof latency === "number" ? () => latency : latency;
    this.#cap = cap;
  }

  /** Makes the next request fail with `error`. */
  failNext(error: Error): void {
    this.#failures.push(error);
  }

  protected query(prompt: string, n: number): Promise<string[] | QueryResult> {
    return this.draw(prompt, n);
  }

  /** The next `n` numbers, `prompt.length` prompt tokens and a completion token each. */
  protected async draw(prompt: string, n: number): Promise<QueryResult> {
    this.requests.push(n);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Numbers are drawn when the request starts, so a value tells its order.
      const failure = this.#failures.shift();
      const start = this.#next.get(prompt) ?? 0;
      const count = failure === undefined ? Math.min(n, this.#cap) : 0;
      this.#next.set(prompt, start + count);
      const delay = this.#latency();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      if (failure !== undefined) throw failure;
      return {
        samples: Array.from({ length: count }, (_, k) => `${this.#prefix}${start + k}`),
        usage: { promptTokens: prompt.length, completionTokens: count },
      };
    } finally {
      this.inFlight--;
    }
  }
}
