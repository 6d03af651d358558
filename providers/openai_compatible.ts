/**
 * `OpenAICompatible`: any server that speaks the OpenAI chat-completions API.
 *
 * @module
 */

import {
  BufferedModel,
  type BufferedModelOptions,
  type ProviderStats,
  type QueryResult,
} from "../core/buffered_model.ts";
import { describe } from "../core/_validate.ts";
import type { BudgetOptions } from "./budget.ts";
import { Spending } from "./_spending.ts";
import { type Generation, generation, keyOptionsOf, messages } from "./_generation.ts";
import type { GenerationOptions } from "./generation.ts";
import { HttpClient, parseJson } from "./_http_client.ts";
import type { HttpOptions } from "./http_options.ts";
import type { ResponseBody } from "./_response_body.ts";
import { assertApiTemperature, batchOptions, isRecord } from "./_options.ts";
import { type TokenCounts, tokenCounts } from "./_token_counts.ts";
import { ProviderError } from "./provider_error.ts";
import { settleSamples } from "./_settle.ts";

/**
 * Options of {@linkcode OpenAICompatible}: batching, connection, generation
 * and budget. Durations are milliseconds.
 *
 * @example A self-hosted server that needs a key
 * ```ts
 * import assert from "node:assert/strict";
 * import { OpenAICompatible, type OpenAICompatibleOptions } from "../mod.ts";
 *
 * const options: OpenAICompatibleOptions = {
 *   baseUrl: "https://llm.example.org/v1",
 *   apiKeyVariable: "EXAMPLE_API_KEY", // read at the first request, not now
 *   maxBatch: 8,
 *   maxTokens: 256,
 *   budget: { requests: 100 },
 * };
 * const model = new OpenAICompatible("qwen3", 0.6, options);
 * assert.equal(model.baseUrl, "https://llm.example.org/v1");
 * assert.equal(model.keyOptions?.max_tokens, 256);
 * ```
 */
export interface OpenAICompatibleOptions
  extends BufferedModelOptions, HttpOptions, GenerationOptions, BudgetOptions {
  /**
   * The environment variable to read the API key from when `apiKey` is not
   * given; read at the first request, never at construction.
   * @default {none: requests carry no key}
   */
  apiKeyVariable?: string;
}

/** Body fields the model sets itself. */
const RESERVED = ["model", "messages", "n", "temperature", "stream"] as const;

/**
 * A model behind an OpenAI-compatible HTTP API: `POST {baseUrl}/chat/completions`
 * with `{model, temperature, n, messages}` plus the generation options set.
 *
 * Samples are `choices[].message.content`, in `index` order. Real servers
 * differ, and this is what happens:
 *
 * - fewer choices than `n` (OpenRouter, Ollama's `/v1`): the samples that
 *   came are kept and the rest is asked for again; more choices than `n`:
 *   kept while the `samples` budget has room for them;
 * - `usage` absent, `{}` or partial: a count left out is unknown, never 0
 *   (one follows from the other and `total_tokens`; `total_tokens` alone is
 *   kept as a total), and a `tokens` budget cannot be kept: the run stops;
 * - `n > 1` refused (DeepSeek, Groq, llama.cpp): the model switches, for
 *   good, to concurrent single-sample requests;
 * - `content: null` with a `refusal` (structured outputs): the sample is the
 *   refusal text, which is what the model said;
 * - a choice with neither text nor refusal (tool calls, Azure's content
 *   filter with no `message`): it is dropped; when no choice of a response has
 *   text, a {@linkcode ProviderError} with code `no_content` names the
 *   finish reasons;
 * - 429, 5xx, timeouts and network errors are retried with exponential
 *   backoff and jitter, honouring `Retry-After`; a 429 pauses every request
 *   of this model; other errors throw a {@linkcode ProviderError} at once;
 * - a body larger than `maxResponseBytes` (32 MiB; a gzip bomb, a server
 *   that never stops) is cut off: a `ProviderError`, not retried.
 *
 * A `budget` (default: 10,000 samples) stops a stream that is read without
 * end: past it, a `BudgetExceededError` is thrown before the next request.
 *
 * Every generation option joins the cache key through `keyOptions`; with
 * none set the key is exactly the Python original's.
 *
 * @example A local server, with a system prompt that becomes part of the key
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "../mod.ts";
 * import { OpenAICompatible } from "./openai_compatible.ts";
 *
 * const plain = new OpenAICompatible("llama3", 0.7, { baseUrl: "http://localhost:8000/v1" });
 * assert.equal(modelKey(plain), "llama3_0.7");
 *
 * const pirate = new OpenAICompatible("llama3", 0.7, {
 *   baseUrl: "http://localhost:8000/v1",
 *   system: "Answer like a pirate.",
 *   maxTokens: 64,
 * });
 * assert.equal(pirate.keyOptions?.max_tokens, 64);
 * assert.notEqual(modelKey(pirate), modelKey(plain));
 * ```
 */
export class OpenAICompatible extends BufferedModel {
  /** Generation options that join the cache key; undefined when none are set. */
  readonly keyOptions: Readonly<Record<string, unknown>> | undefined;
  #client: HttpClient;
  #budget: Spending;
  #generation: Generation;
  #singleOnly = false;
  #requests = 0;

  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature, from 0 to 2.
   * @param options The server, the key and how to talk to it.
   */
  constructor(name: string, temperature: number, options: OpenAICompatibleOptions) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${new.target.name} "${name}" needs options with a baseUrl, got ${describe(options)}; ` +
          `pass e.g. { baseUrl: "http://localhost:8000/v1" }`,
      );
    }
    super(name, temperature, batchOptions(options));
    const label = `${new.target.name} "${name}"`;
    assertApiTemperature(label, temperature);
    this.#generation = generation(options, RESERVED, label);
    this.keyOptions = keyOptionsOf(this.#generation);
    this.#client = new HttpClient(options, {
      label,
      keyVariable: options.apiKeyVariable,
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

  /** HTTP requests answered with samples, retries, and samples received. */
  override get stats(): Readonly<ProviderStats> {
    return { ...super.stats, requests: this.#requests };
  }

  /** Fetches `n` samples: one request, or `n` single ones where `n > 1` is refused. */
  protected async query(prompt: string, n: number): Promise<QueryResult> {
    if (n === 1 || this.#singleOnly) return this.#requestEach(prompt, n);
    try {
      return await this.#request(prompt, n);
    } catch (error) {
      if (!refusesN(error)) throw error;
      this.#singleOnly = true;
      return this.#requestEach(prompt, n);
    }
  }

  #requestEach(prompt: string, n: number): Promise<QueryResult> {
    return settleSamples(Array.from({ length: n }, () => this.#request(prompt, 1)));
  }

  #request(prompt: string, wanted: number): Promise<QueryResult> {
    return this.#budget.request(wanted, (ticket) =>
      this.#client.post("/chat/completions", {
        admit: ticket.admit,
        body: () => ({
          ...this.#generation.fields,
          model: this.name,
          temperature: this.temperature,
          // n = 1 is the default; some servers reject the field altogether.
          ...(ticket.n === 1 ? {} : { n: ticket.n }),
          messages: messages(prompt, this.#generation.system),
        }),
        read: (response, body) => this.#read(response, body),
        // llama.cpp refuses n > 1 with a 500, which must not be retried.
        final: (error) => ticket.n > 1 && refusesN(error),
      }));
  }

  async #read(response: Response, responseBody: ResponseBody): Promise<QueryResult> {
    const raw = await responseBody.text();
    const body = parseJson(raw);
    if (!isRecord(body) || !Array.isArray(body.choices)) {
      throw this.#client.errorFrom(response, raw, body, {
        ...(isRecord(body) ? { message: "a JSON body without choices" } : {}),
        code: "invalid_response",
        hint:
          `check baseUrl (${this.baseUrl}): it must be the API root that /chat/completions is under`,
      });
    }
    const { samples, dropped } = choiceTexts(body.choices);
    const counts = countsOf(body.usage);
    if (samples.length === 0) {
      throw this.#client.errorFrom(response, raw, body, {
        message: `no choice carried text (finish_reason: ${dropped.join(", ") || "none"})`,
        code: "no_content",
        usage: counts.usage,
        hint: "a content filter or a tool call can leave no text: change the prompt or the " +
          "generation options (e.g. responseFormat, params)",
      });
    }
    this.#requests++;
    return { samples, ...counts };
  }
}

/** The tokens a response's `usage` reports, as far as it reports them. */
function countsOf(usage: unknown): TokenCounts {
  if (!isRecord(usage)) return {};
  return tokenCounts(usage.prompt_tokens, usage.completion_tokens, usage.total_tokens);
}

/** The texts of `choices` in index order; choices without text are dropped. */
function choiceTexts(choices: unknown[]): { samples: string[]; dropped: string[] } {
  const ordered = choices
    .map((choice, position) => ({ choice, at: indexOf(choice, position) }))
    .sort((a, b) => a.at - b.at);
  const samples: string[] = [];
  const dropped: string[] = [];
  for (const { choice } of ordered) {
    const message = isRecord(choice) && isRecord(choice.message) ? choice.message : undefined;
    if (typeof message?.content === "string") samples.push(message.content);
    else if (typeof message?.refusal === "string") samples.push(message.refusal);
    else dropped.push(isRecord(choice) ? String(choice.finish_reason ?? "none") : "none");
  }
  return { samples, dropped };
}

function indexOf(choice: unknown, position: number): number {
  return isRecord(choice) && typeof choice.index === "number" ? choice.index : position;
}

/** Messages of servers that only accept `n = 1`. */
const N_REFUSALS = [
  /only one completion choice/i, // llama.cpp
  /only n ?= ?1/i, // DeepSeek, vLLM-style servers
  /invalid n value/i,
  /'n'\s*:\s*number must be at most 1/i, // Groq
  /\bn\b[^.]*\b(?:not supported|unsupported|must be 1|at most 1)/i,
];

/** Whether `error` says the server does not take `n > 1`. */
function refusesN(error: unknown): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (![400, 422, 500].includes(error.status)) return false;
  return error.param === "n" || N_REFUSALS.some((re) => re.test(error.providerMessage));
}
