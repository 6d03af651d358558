/**
 * The base class of every provider: turns "fetch n samples" into endless,
 * batched, independent sample streams.
 *
 * Kept whole: the class and the public types of its options and stats, about
 * half of it documentation and runnable examples; its state (buffers, spending
 * per prompt) is one object's and reads best beside the methods that change
 * it. Checking what a query resolved to is in query_answer.ts.
 *
 * @module
 */

import { type CostFigures, costOf, type Price } from "./cost.ts";
import { Cursor } from "./_cursor.ts";
import { assertTemperature } from "./model_key.ts";
import { displayOf, JUPYTER_DISPLAY } from "./display.ts";
import type { Model } from "./model.ts";
import { identity, type ModelInfo, modelInfo, type PromptUsage } from "./model_info.ts";
import { SampleIterator } from "./_sample_iterator.ts";
import { type Drawn, Sequence } from "./_sequence.ts";
import { memo } from "./_source.ts";
import { sharesOf } from "./usage_shares.ts";
import type { TokenUsage } from "./usage.ts";
import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";
import { checkedAnswer, isTokenUsage, type QueryResult } from "./query_answer.ts";
import { promptKey, promptToSend } from "./_prompt_key.ts";
import { assertCount, assertPrice, describe } from "../internal/validate.ts";

export type { QueryResult } from "./query_answer.ts";

/**
 * What a provider has done, and spent, since it was created: its requests,
 * retries and samples, the tokens it reported, their cost (with a `price`)
 * and the time spent waiting.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import type { ProviderStats } from "../core/accounting.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number) {
 *     const usage = { promptTokens: 10, completionTokens: n };
 *     return Promise.resolve({ samples: Array(n).fill(prompt), usage });
 *   }
 * }
 *
 * const model = new Echo("echo", 0, { maxBatch: 5, price: { input: 3, output: 15 } });
 * await collect(model.sample("p", 5), 5);
 * const { queryTime, ...stats }: ProviderStats = model.stats;
 * assert.deepEqual(stats, {
 *   requests: 1,
 *   retries: 0,
 *   samples: 5,
 *   promptTokens: 10,
 *   completionTokens: 5,
 *   cost: 0.000105, // (10 × 3 + 5 × 15) / 1,000,000
 * });
 * assert(queryTime >= 0);
 * ```
 */
export interface ProviderStats extends CostFigures {
  /** Requests answered with samples. */
  requests: number;
  /** Requests sent again after a retryable failure. */
  retries: number;
  /** Samples received. */
  samples: number;
}

/** One prompt's requests, samples, tokens and query time. */
type Tally = { -readonly [K in Exclude<keyof PromptUsage, "cost">]-?: PromptUsage[K] };

/** The counters behind {@linkcode ProviderStats}. */
interface Counters {
  requests: number;
  retries: number;
  samples: number;
}

/**
 * Options of every {@linkcode BufferedModel}.
 *
 * @example One cache for a model that two providers name differently
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, type BufferedModelOptions } from "../mod.ts";
 * import { modelKey } from "../cache/stores.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * const options: BufferedModelOptions = { alias: "deepseek-v3", maxBatch: 10 };
 * const model = new Echo("deepseek-v3-huoshan", 1, options);
 * assert.equal(modelKey(model), "deepseek-v3_1");
 * assert.equal(model.maxBatch, 10);
 * ```
 */
export interface BufferedModelOptions {
  /**
   * The name used in cache keys, e.g. to share one cache between providers
   * that call the same model by different names.
   * @default {the model name}
   */
  alias?: string;
  /**
   * The largest number of samples one request may ask for.
   * @default {1}
   */
  maxBatch?: number;
  /**
   * What the provider charges, in currency units per million tokens, e.g.
   * `{ input: 2.5, output: 10 }`; with it, `stats`, displays and run
   * manifests show what the tokens cost. Without it they show no cost (not
   * a cost of 0). It never joins the cache key.
   * @default {undefined}
   */
  price?: Price;
}

/**
 * A model that fetches samples `n` at a time.
 *
 * A subclass implements {@linkcode BufferedModel.query}; returning the
 * tokens each request used with its samples ({@linkcode QueryResult}) lets
 * `stats`, displays and run manifests say what was spent, and a `Persistent`
 * cache store each sample's share of its request beside it, so that a
 * replayed run can say what it saved.
 *
 * Its streams share one buffer per prompt: when it is empty, a request asks
 * for `size` samples, where `batches = max(1, ceil(batch / maxBatch))` and
 * `size = ceil(batch / batches)` (batch 20 with maxBatch 10 makes requests of
 * 10; batch 3 with maxBatch 2 makes requests of 2). A request answered with
 * fewer samples than it asked for is followed, when more are needed, by a
 * request for the rest of the batch only. Every call of `sample`
 * draws fresh samples, and no sample that was paid for is dropped: what one
 * stream leaves in the buffer, the next one gets.
 *
 * @example A deterministic model for tests
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 *
 * class Counter extends BufferedModel {
 *   requests: number[] = [];
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     this.requests.push(n);
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Counter("counter", 1, { maxBatch: 10 });
 * const samples = await collect(model.sample("p", 20), 40);
 * assert.equal(samples[39], "39");
 * assert.equal(model.requests.join(), "10,10,10,10");
 * ```
 */
export abstract class BufferedModel implements Model {
  readonly name: string;
  readonly temperature: number;
  readonly alias: string;
  readonly maxBatch: number;
  /** What the provider charges per million tokens, if known (the `price` option). */
  readonly price: Readonly<Price> | undefined;
  #readers = new Map<string, Cursor>();
  #queryTime = 0;
  #tokens: [number, number] = [0, 0];
  #stats: Counters = { requests: 0, retries: 0, samples: 0 };
  #usage = new Map<string, Tally>();
  #requestSizeOf = (batch: number) => this.#requestSize(batch);

  /**
   * Checks and keeps the model's identity and batch limit.
   *
   * @param name The provider's model name.
   * @param temperature Sampling temperature, a finite number ≥ 0.
   * @param options Alias, batch limit and price.
   */
  constructor(
    name: string,
    temperature: number,
    options: BufferedModelOptions = {},
  ) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(
        `${new.target.name}: name must be a non-empty string, got ${describe(name)}; ` +
          `pass the provider's model name, e.g. "gpt-4o"`,
      );
    }
    assertTemperature(temperature);
    const { alias = name, maxBatch = 1, price } = options;
    if (typeof alias !== "string" || alias === "") {
      throw new TypeError(
        `${new.target.name}: alias must be a non-empty string, got ${describe(alias)}; ` +
          `pass the name to use in cache keys, or leave it out to use the model name`,
      );
    }
    assertCount("maxBatch", maxBatch);
    if (price !== undefined) assertPrice(price, new.target.name);
    this.name = name;
    this.temperature = temperature;
    this.alias = alias;
    this.maxBatch = maxBatch;
    this.price = price === undefined ? undefined : Object.freeze({ ...price });
  }

  /**
   * Fetches `n` fresh samples of `prompt` in one request: the samples, or
   * the samples and the tokens the request used ({@linkcode QueryResult}).
   * Returning fewer samples is allowed: the next request asks for what is
   * still missing of the batch (not a whole new batch); returning none is an
   * error.
   */
  protected abstract query(prompt: Prompt, n: number): Promise<string[] | Reply[] | QueryResult>;

  /** Records that a request is being sent again (for {@linkcode BufferedModel.stats}). */
  protected countRetry(): void {
    this.#stats.retries++;
  }

  /**
   * Requests, retries, samples, tokens, cost (with a `price`) and query time
   * since this model was created.
   */
  get stats(): Readonly<ProviderStats> {
    const [promptTokens, completionTokens] = this.totalTokenCount();
    return {
      ...this.#stats,
      promptTokens,
      completionTokens,
      ...this.#cost(promptTokens, completionTokens),
      queryTime: this.totalQueryTime(),
    };
  }

  /**
   * An endless stream of fresh samples of `prompt`.
   *
   * @param prompt The prompt: a string, or a chat (`query` gets it as given,
   * copied when the prompt's buffer is made; one buffer per canonical text).
   * @param batch Samples wanted per request before `maxBatch` splits it.
   */
  sample(prompt: Prompt, batch = 1): AsyncIterableIterator<string> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator(this.#reader(key, prompt), batch);
  }

  /**
   * The stream of {@linkcode BufferedModel.sample} as whole replies: what
   * `query` returned for each sample (its text, tool calls, reasoning, …;
   * a text alone when `query` returned texts). Samples read through
   * `sample` and through `replies` come from one buffer, each once.
   *
   * @param prompt The prompt: a string, or a chat.
   * @param batch Samples wanted per request before `maxBatch` splits it.
   */
  replies(prompt: Prompt, batch = 1): AsyncIterableIterator<Reply> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator<Reply>(this.#reader(key, prompt), batch, true);
  }

  /** Seconds spent in {@linkcode BufferedModel.query}, summed over requests. */
  totalQueryTime(): number {
    return this.#queryTime;
  }

  /**
   * Tokens reported by the provider so far, as `[prompt, completion]`; a
   * request's total reported without its split counts as completion tokens
   * (see {@linkcode QueryResult.totalTokens}).
   */
  totalTokenCount(): [number, number] {
    return [...this.#tokens];
  }

  /**
   * What this provider says about itself to displays and run manifests: its
   * requests and usage, in all and per prompt.
   */
  [modelInfo](): ModelInfo {
    return {
      kind: this.constructor.name,
      role: "provider",
      detail: `${identity(this)}, max batch ${this.maxBatch}`,
      figures: { ...this.stats },
      ...(this.price === undefined ? {} : { price: this.price }),
      usage: () =>
        Array.from(this.#usage.values(), (tally) => ({
          ...tally,
          ...this.#cost(tally.promptTokens, tally.completionTokens),
        })),
    };
  }

  /** The model, as a notebook cell's last value. */
  [JUPYTER_DISPLAY](): Record<string, string> {
    return displayOf(this);
  }

  /** The shared cursor over the buffer of the prompt whose key is `key`. */
  #reader(key: string, prompt: Prompt): Cursor {
    return memo(this.#readers, key, () => this.#buffer(key, promptToSend(prompt)));
  }

  /**
   * One prompt's buffer: an ephemeral sequence that every stream reads, and
   * every model above, through one shared cursor.
   */
  #buffer(key: string, prompt: Prompt): Cursor {
    const sequence = new Sequence({
      ephemeral: true,
      expected: this.#requestSizeOf,
      fill: ({ count }) => this.#timedQuery(key, prompt, count),
    });
    return new Cursor(sequence, { expected: this.#requestSizeOf });
  }

  /** `{ cost }` at this model's price, or nothing when it has none. */
  #cost(promptTokens: number, completionTokens: number): { cost?: number } {
    const cost = costOf(this.price, promptTokens, completionTokens);
    return cost === undefined ? {} : { cost };
  }

  #requestSize(batch: number): number {
    const batches = Math.max(1, Math.ceil(batch / this.maxBatch));
    return Math.ceil(batch / batches);
  }

  /**
   * One request: its samples, each with its share of the request's usage and
   * what its reply holds beyond its text. `key` is the prompt's canonical text.
   */
  async #timedQuery(key: string, prompt: Prompt, n: number): Promise<Drawn> {
    const tally = memo(this.#usage, key, () => ({
      prompt: key,
      requests: 0,
      samples: 0,
      promptTokens: 0,
      completionTokens: 0,
      queryTime: 0,
    }));
    const start = performance.now();
    let answer: unknown;
    let elapsed = 0;
    try {
      answer = await this.query(prompt, n);
    } catch (error) {
      // A request that brought no sample may still have been billed.
      const billed = (error as { usage?: unknown } | null)?.usage;
      if (isTokenUsage(billed)) this.#countTokens(tally, billed);
      throw error;
    } finally {
      elapsed = performance.now() - start;
      this.#queryTime += elapsed / 1000;
      tally.queryTime += elapsed / 1000;
    }
    const latencyMs = Math.round(elapsed);
    const { samples, meta, usage, totalTokens } = checkedAnswer(
      answer,
      n,
      `${this.constructor.name} "${this.name}"`,
    );
    this.#stats.requests++;
    this.#stats.samples += samples.length;
    tally.requests++;
    tally.samples += samples.length;
    if (usage === undefined) {
      // A total without its split is spent (as completion: never understated), not stored.
      if (totalTokens !== undefined) {
        this.#countTokens(tally, { promptTokens: 0, completionTokens: totalTokens });
      }
      return { samples, meta, usage: sharesOf({ requests: 1, latencyMs }, samples.length) };
    }
    this.#countTokens(tally, usage);
    const { promptTokens, completionTokens } = usage;
    const request = { requests: 1, promptTokens, completionTokens, latencyMs };
    return { samples, meta, usage: sharesOf(request, samples.length) };
  }

  /** Adds a request's tokens to the totals and to its prompt's tally. */
  #countTokens(tally: Tally, { promptTokens, completionTokens }: TokenUsage): void {
    this.#tokens = [this.#tokens[0] + promptTokens, this.#tokens[1] + completionTokens];
    tally.promptTokens += promptTokens;
    tally.completionTokens += completionTokens;
  }
}
