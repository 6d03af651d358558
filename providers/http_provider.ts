/**
 * `HttpProvider`: the base of every HTTP provider. A provider states its API
 * ({@linkcode HttpApi}); this class sends the requests, the same way for all:
 * retries with backoff, `Retry-After` (and the API's own retry hints), a 429
 * pausing every request of the model, `maxConcurrency`, the
 * `maxResponseBytes` cap, the budget, the key read late and never shown,
 * and each request's tokens split into the samples' usage shares.
 *
 * @module
 */

import {
  BufferedModel,
  type BufferedModelOptions,
  type ProviderStats,
  type QueryResult,
} from "../core/buffered_model.ts";
import type { Chat, Prompt } from "../core/prompt.ts";
import { describe } from "../internal/validate.ts";
import type { BudgetOptions } from "./budget.ts";
import { chatOf } from "./_chat.ts";
import { checkedGeneration, keyOptionsOf } from "./_generation.ts";
import type { GenerationOptions } from "./generation.ts";
import type { ApiFailure, ApiResponse, ApiTokens, HttpApi } from "./http_api.ts";
import { HttpClient, parseJson } from "./_http_client.ts";
import type { HttpOptions } from "./http_options.ts";
import { assertApiTemperature, batchOptions } from "./_options.ts";
import { ProviderError } from "./provider_error.ts";
import type { ResponseBody } from "./_response_body.ts";
import { settleSamples } from "./_settle.ts";
import { Spending } from "./_spending.ts";
import { count, tokenCounts } from "./_token_counts.ts";

/**
 * Options of every {@linkcode HttpProvider}: batching, price, connection,
 * generation and budget. Durations are milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Anthropic } from "../mod.ts";
 * import type { HttpProviderOptions } from "../providers/http.ts";
 *
 * const options: HttpProviderOptions = { maxTokens: 512, maxConcurrency: 4, budget: { requests: 50 } };
 * assert.equal(new Anthropic("claude-haiku-4-5", 1, options).maxConcurrency, 4);
 * ```
 */
export interface HttpProviderOptions
  extends BufferedModelOptions, HttpOptions, GenerationOptions, BudgetOptions {
  /**
   * The environment variable to read the API key from when `apiKey` is not
   * given; read at the first request, never at construction.
   * @default {the provider's key variable; none for `OpenAICompatible` and `Ollama`}
   */
  apiKeyVariable?: string;
}

/**
 * What an HTTP provider has done since it was created: the
 * {@linkcode ProviderStats}, plus the details some servers report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gemini } from "../mod.ts";
 * import type { HttpProviderStats } from "../providers/http.ts";
 *
 * const stats: HttpProviderStats = new Gemini("gemini-2.5-flash", 1).stats;
 * assert.equal(stats.reasoningTokens, undefined); // none reported yet
 * ```
 */
export interface HttpProviderStats extends ProviderStats {
  /** Of the completion tokens, those the server said were reasoning; absent when none said. */
  reasoningTokens?: number;
  /** Of the prompt tokens, those read from the provider's prompt cache; absent when none said. */
  cachedTokens?: number;
}

/**
 * A model behind an HTTP API. Subclasses only pass their
 * {@linkcode HttpApi} to the constructor.
 *
 * A query for n samples is one request asking for n when the API is
 * `batched` (and stays so until the server refuses `n > 1`: then single
 * requests, for good), else n concurrent requests; either way within
 * `maxConcurrency` and the budget. Samples are whole replies (text, tool
 * calls, reasoning, finish reason); `sample()` yields their texts.
 *
 * @example A provider for a new API is one class
 * ```ts
 * import assert from "node:assert/strict";
 * import { first } from "../mod.ts";
 * import { type HttpApi, HttpProvider, type HttpProviderOptions } from "../providers/http.ts";
 *
 * const ECHO: HttpApi = {
 *   defaultBaseUrl: "https://echo.example/v1",
 *   maxTemperature: 1,
 *   defaultBatch: 1,
 *   batchLimit: Infinity,
 *   batched: false,
 *   reserved: [],
 *   fields: ({ params }) => ({ ...params }),
 *   path: () => "/echo",
 *   body: ({ chat }) => ({ text: chat.messages.at(-1)!.content }),
 *   read: async (response) => {
 *     const { text } = await response.json() as { text: string };
 *     return { replies: [{ text, toolCalls: [] }], tokens: { input: 1, output: 1 } };
 *   },
 * };
 *
 * class Echo extends HttpProvider {
 *   constructor(name: string, temperature: number, options: HttpProviderOptions = {}) {
 *     super(name, temperature, options, ECHO);
 *   }
 * }
 *
 * const model = new Echo("echo", 0, {
 *   fetch: async (_url, init) => Response.json(JSON.parse(String(init?.body))),
 * });
 * assert.equal(await first(model.sample("hello")), "hello");
 * assert.equal(model.stats.requests, 1);
 * ```
 */
export abstract class HttpProvider extends BufferedModel {
  /** Generation options that join the cache key; undefined when none are set. */
  readonly keyOptions: Readonly<Record<string, unknown>> | undefined;
  #api: HttpApi;
  #label: string;
  #client: HttpClient;
  #budget: Spending;
  #fields: Readonly<Record<string, unknown>>;
  #system: string | undefined;
  #singleOnly = false;
  #requests = 0;
  #reasoning: number | undefined;
  #cached: number | undefined;

  /**
   * Checks the options against the API; no key is read and nothing is sent
   * until a sample is needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature, from 0 to the API's maximum.
   * @param options Batching, price, connection, generation and budget.
   * @param api What the provider states about its API.
   */
  constructor(name: string, temperature: number, options: HttpProviderOptions, api: HttpApi) {
    const label = `${new.target.name} "${name}"`;
    if (typeof options !== "object" || options === null) {
      const hint = api.defaultBaseUrl === undefined
        ? `pass e.g. { baseUrl: "http://localhost:8000/v1" }`
        : "pass e.g. { maxBatch: 4 }, or leave them out";
      throw new TypeError(`${label}: options must be an object, got ${describe(options)}; ${hint}`);
    }
    super(name, temperature, batchOptions(options, api, label));
    assertApiTemperature(label, temperature, api.maxTemperature);
    const generation = checkedGeneration(options, api.reserved, label);
    this.#fields = Object.freeze(api.fields(generation, label));
    this.#system = generation.system;
    this.keyOptions = keyOptionsOf(this.#fields, this.#system);
    this.#api = api;
    this.#label = label;
    this.#client = new HttpClient(options, {
      label,
      defaultBaseUrl: api.defaultBaseUrl,
      keyVariable: options.apiKeyVariable ?? api.keyVariable,
      headers: api.headers?.bind(api),
      errorDetails: api.errorDetails?.bind(api),
      retryable: api.retryable?.bind(api),
      onRetry: () => this.countRetry(),
    });
    this.#budget = new Spending(options, label);
  }

  /** Where requests go, without a trailing slash. */
  get baseUrl(): string {
    return this.#client.baseUrl;
  }

  /** The most requests in flight at once. */
  get maxConcurrency(): number {
    return this.#client.maxConcurrency;
  }

  /** HTTP requests answered with samples, retries, samples, tokens and what servers detailed. */
  override get stats(): Readonly<HttpProviderStats> {
    const stats: HttpProviderStats = { ...super.stats, requests: this.#requests };
    if (this.#reasoning !== undefined) stats.reasoningTokens = this.#reasoning;
    if (this.#cached !== undefined) stats.cachedTokens = this.#cached;
    return stats;
  }

  /** Fetches `n` replies: one request, or `n` single ones where the API has no `n`. */
  protected async query(prompt: Prompt, n: number): Promise<QueryResult> {
    const chat = chatOf(prompt, this.#system, this.#label);
    if (n === 1 || this.#singleOnly || !this.#api.batched) return this.#requestEach(chat, n);
    try {
      return await this.#request(chat, n);
    } catch (error) {
      if (!this.#refusesN(error)) throw error;
      this.#singleOnly = true;
      return this.#requestEach(chat, n);
    }
  }

  #requestEach(chat: Chat, n: number): Promise<QueryResult> {
    if (n === 1) return this.#request(chat, 1);
    return settleSamples(Array.from({ length: n }, () => this.#request(chat, 1)));
  }

  #request(chat: Chat, wanted: number): Promise<QueryResult> {
    const api = this.#api;
    return this.#budget.request(wanted, (ticket) =>
      this.#client.post(api.path(this.name), {
        admit: ticket.admit,
        body: () =>
          api.body({
            model: this.name,
            temperature: this.temperature,
            n: ticket.n,
            chat,
            fields: this.#fields,
            who: this.#label,
          }),
        read: (response, body) => this.#read(response, body),
        // A server that refuses n > 1 (llama.cpp answers 500) must not be retried.
        final: (error) => ticket.n > 1 && this.#refusesN(error),
      }));
  }

  #refusesN(error: unknown): boolean {
    return error instanceof ProviderError && this.#api.refusesN?.(error) === true;
  }

  async #read(response: Response, body: ResponseBody): Promise<QueryResult> {
    const answer = await this.#api.read(this.#response(response, body));
    if (!Array.isArray(answer?.replies) || answer.replies.length === 0) {
      throw new TypeError(
        `${this.#label}: its API's read() returned no replies; it must return at least one, ` +
          "or throw response.fail(…)",
      );
    }
    this.#requests++;
    this.#reasoning = sum(this.#reasoning, answer.tokens?.reasoning);
    this.#cached = sum(this.#cached, answer.tokens?.cached);
    return { samples: answer.replies, ...countsOf(answer.tokens) };
  }

  /** `response` for the API's reader: its body under the cap, and its errors. */
  #response(response: Response, body: ResponseBody): ApiResponse {
    let raw = "";
    let parsed: unknown;
    const client = this.#client;
    return {
      headers: response.headers,
      async json() {
        raw = await body.text();
        parsed = parseJson(raw);
        return parsed;
      },
      chunks: () => body.chunks(),
      fail(failure: ApiFailure): ProviderError {
        const own = failure.raw !== undefined;
        return client.errorFrom(response, own ? failure.raw! : raw, own ? failure.parsed : parsed, {
          message: failure.message,
          code: failure.code,
          status: failure.status,
          hint: failure.hint,
          usage: countsOf(failure.tokens).usage,
        });
      },
    };
  }
}

/** The split (or total) of what a request used, from the counts the server gave. */
function countsOf(tokens: ApiTokens | undefined) {
  if (tokens === undefined) return {};
  return tokenCounts(tokens.input, tokens.output, tokens.total);
}

function sum(total: number | undefined, value: unknown): number | undefined {
  const n = count(value);
  return n === undefined ? total : (total ?? 0) + n;
}
