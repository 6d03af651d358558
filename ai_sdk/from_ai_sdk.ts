/**
 * `fromAiSdk`: any AI SDK language model as this library's `Model`.
 *
 * @module
 */

import type { LanguageModelV4, LanguageModelV4CallOptions } from "@ai-sdk/provider";
import {
  BufferedModel,
  type BufferedModelOptions,
  type QueryResult,
} from "../core/buffered_model.ts";
import type { Prompt } from "../core/prompt.ts";
import { describe } from "../internal/validate.ts";
import type { BudgetOptions } from "../providers/budget.ts";
import type { GenerationOptions } from "../providers/generation.ts";
import type { HttpOptions } from "../providers/http_options.ts";
import {
  chatOf,
  checkedGeneration,
  count,
  defined,
  isRecord,
  keyOptionsOf,
  retryHint,
  Sender,
  senderSettings,
  settleSamples,
  Spending,
  tokenCounts,
} from "../providers/transport.ts";
import type { HttpProviderStats } from "../providers/http_provider.ts";
import { ProviderError } from "../providers/provider_error.ts";
import { promptOf, toolsOf } from "./_prompt.ts";
import { replyOfResult, tokensOfUsage } from "./_result.ts";

/** Call options that {@linkcode AiSdkModel} sets itself. */
const RESERVED = ["prompt", "temperature", "tools", "abortSignal", "headers", "includeRawChunks"];

/**
 * An AI SDK language model of specification `v4` (`ai@7`; the
 * `LanguageModelV4` of `@ai-sdk/provider`): what {@linkcode fromAiSdk}
 * takes. Its `doGenerate` takes and returns the AI SDK's own types.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MockLanguageModelV4 } from "ai/test";
 * import type { AiSdkLanguageModel } from "./from_ai_sdk.ts";
 *
 * const model: AiSdkLanguageModel = new MockLanguageModelV4({ modelId: "m" });
 * assert.equal(model.specificationVersion, "v4");
 * ```
 */
export interface AiSdkLanguageModel {
  /** Always `"v4"`. */
  readonly specificationVersion: "v4";
  /** The provider's id, e.g. `openai.chat`. */
  readonly provider: string;
  /** The model's id, e.g. `gpt-4o`. */
  readonly modelId: string;
  /** Generates a result (`LanguageModelV4["doGenerate"]`). */
  // deno-lint-ignore no-explicit-any
  doGenerate(options: any): PromiseLike<any>;
}

/**
 * Options of {@linkcode fromAiSdk}: batching and price, retries and
 * concurrency, generation options and the budget.
 *
 * Generation options become the AI SDK's call options: `maxTokens` is
 * `maxOutputTokens`, `stop` is `stopSequences`, `seed` and `topP` keep their
 * names; `responseFormat` is the AI SDK's (`{ type: "json", schema? }`), or
 * OpenAI's (`{ type: "json_object" }`, a `json_schema` format), which is
 * turned into it; `params` are more call options, sent as given (`topK`,
 * `presencePenalty`, `frequencyPenalty`, `toolChoice`, `reasoning`,
 * `providerOptions`, …), and may not set `prompt`, `temperature`, `tools`,
 * `abortSignal`, `headers` or `includeRawChunks`. All of them join the
 * cache key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { AiSdkModelOptions } from "./from_ai_sdk.ts";
 *
 * const options: AiSdkModelOptions = {
 *   maxTokens: 256,
 *   responseFormat: { type: "json" },
 *   params: { topK: 20, providerOptions: { openai: { user: "study-7" } } },
 *   budget: { requests: 100 },
 * };
 * assert.equal(options.maxTokens, 256);
 * ```
 */
export interface AiSdkModelOptions
  extends
    BufferedModelOptions,
    BudgetOptions,
    GenerationOptions,
    Pick<HttpOptions, "maxRetries" | "retryDelay" | "maxRetryDelay" | "maxConcurrency" | "signal"> {
  /**
   * HTTP headers for every call (not part of the cache key).
   * @default {none}
   */
  headers?: Record<string, string>;
}

/**
 * An AI SDK language model (`LanguageModelV4`) as a {@linkcode BufferedModel}:
 * made by {@linkcode fromAiSdk}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MockLanguageModelV4 } from "ai/test";
 * import { AiSdkModel, fromAiSdk } from "./mod.ts";
 *
 * const model = fromAiSdk(new MockLanguageModelV4({ modelId: "m" }), 0.7);
 * assert.ok(model instanceof AiSdkModel);
 * assert.equal(model.provider, "mock-provider");
 * ```
 */
export class AiSdkModel extends BufferedModel {
  /** The AI SDK provider's id, e.g. `openai.chat`. */
  readonly provider: string;
  /** Generation options that join the cache key; undefined when none are set. */
  readonly keyOptions: Readonly<Record<string, unknown>> | undefined;
  #model: LanguageModelV4;
  #label: string;
  #settings: Record<string, unknown>;
  #system: string | undefined;
  #headers: Record<string, string> | undefined;
  #signal: AbortSignal | undefined;
  #sender: Sender;
  #budget: Spending;
  #requests = 0;
  #reasoning: number | undefined;
  #cached: number | undefined;

  /**
   * Checks the model and the options; nothing is called until a sample is
   * needed.
   *
   * @param model An AI SDK language model of specification `v4`.
   * @param temperature Sampling temperature (its range is the provider's).
   * @param options Batching, retries, generation options, budget, …
   */
  constructor(model: AiSdkLanguageModel, temperature: number, options: AiSdkModelOptions = {}) {
    const spec = (model as { specificationVersion?: unknown } | null)?.specificationVersion;
    if (typeof model?.doGenerate !== "function" || spec !== "v4") {
      throw new TypeError(
        `fromAiSdk needs an AI SDK language model of specification v4 (ai@7), got ${
          typeof model?.doGenerate === "function"
            ? `specification ${describe(spec)}`
            : describe(model)
        }; wrap an older one with wrapLanguageModel({ model, middleware: [] }) from "ai"`,
      );
    }
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `fromAiSdk: options must be an object, got ${describe(options)}; pass e.g. ` +
          "{ maxBatch: 4 }, or leave them out",
      );
    }
    const label = `fromAiSdk(${model.provider}) "${model.modelId}"`;
    super(model.modelId, temperature, pick(options));
    const { system, maxTokens, stop, seed, topP, responseFormat, params } = checkedGeneration(
      options,
      RESERVED,
      label,
    );
    this.#settings = defined({
      ...params,
      maxOutputTokens: maxTokens,
      stopSequences: typeof stop === "string" ? [stop] : stop,
      seed,
      topP,
      responseFormat: responseFormat === undefined ? undefined : formatOf(responseFormat),
    });
    this.keyOptions = keyOptionsOf(this.#settings, system);
    this.provider = model.provider;
    this.#model = model as LanguageModelV4;
    this.#label = label;
    this.#system = system;
    this.#headers = options.headers;
    this.#signal = options.signal;
    this.#sender = new Sender(senderSettings(options, label), () => this.countRetry());
    this.#budget = new Spending(options, label);
  }

  /** The most calls in flight at once. */
  get maxConcurrency(): number {
    return this.#sender.maxConcurrency;
  }

  /** Calls answered, retries, samples, tokens and what the provider detailed. */
  override get stats(): Readonly<HttpProviderStats> {
    const stats: HttpProviderStats = { ...super.stats, requests: this.#requests };
    if (this.#reasoning !== undefined) stats.reasoningTokens = this.#reasoning;
    if (this.#cached !== undefined) stats.cachedTokens = this.#cached;
    return stats;
  }

  /** `n` replies: the AI SDK has no `n`, so `n` calls at once, within `maxConcurrency`. */
  protected query(prompt: Prompt, n: number): Promise<QueryResult> {
    const chat = chatOf(prompt, this.#system, this.#label);
    const tools = toolsOf(chat);
    const call: LanguageModelV4CallOptions = {
      ...this.#settings,
      prompt: promptOf(chat, this.#label),
      temperature: this.temperature,
      ...(tools === undefined ? {} : { tools }),
      ...(this.#headers === undefined ? {} : { headers: this.#headers }),
      ...(this.#signal === undefined ? {} : { abortSignal: this.#signal }),
    };
    return settleSamples(Array.from({ length: n }, () => this.#generate(call)));
  }

  #generate(call: LanguageModelV4CallOptions): Promise<QueryResult> {
    return this.#budget.request(1, (ticket) =>
      this.#sender.send(async () => {
        let result;
        try {
          result = await this.#model.doGenerate(call);
        } catch (error) {
          throw this.#failure(error);
        }
        const tokens = tokensOfUsage(result.usage);
        this.#requests++;
        this.#reasoning = sum(this.#reasoning, tokens.reasoning);
        this.#cached = sum(this.#cached, tokens.cached);
        return {
          samples: [replyOfResult(result)],
          ...tokenCounts(tokens.input, tokens.output, undefined),
        };
      }, { admit: ticket.admit }));
  }

  /** An AI SDK `APICallError` as a {@linkcode ProviderError} (retried as it says); the rest as is. */
  #failure(error: unknown): unknown {
    if (this.#signal?.aborted) return this.#signal.reason;
    const call = error as Partial<ApiCallError> | null;
    if (call?.[API_CALL_ERROR] !== true) return error;
    const headers = new Headers(call.responseHeaders ?? {});
    const message = call.message ?? "the call failed";
    return new ProviderError({
      source: this.#label,
      status: call.statusCode ?? 0,
      providerMessage: message,
      body: call.responseBody,
      retryable: call.isRetryable === true,
      retryAfter: retryHint(headers, message),
      requestId: headers.get("x-request-id") ?? headers.get("request-id") ?? undefined,
      cause: error,
    });
  }
}

/** How the AI SDK marks its `APICallError` (its `isInstance`, without importing it). */
const API_CALL_ERROR = Symbol.for("vercel.ai.error.AI_APICallError");

/** The fields of the AI SDK's `APICallError` that say what happened. */
interface ApiCallError {
  [API_CALL_ERROR]: boolean;
  message: string;
  statusCode: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
  isRetryable: boolean;
}

/**
 * Makes any AI SDK language model a {@linkcode Model}: `Persistent`,
 * `Independent`, budgets, retries and the notebooks then work with Bedrock,
 * Vertex, Mistral, Groq and every other AI SDK provider.
 *
 * Each sample is one `doGenerate` call (the AI SDK has no `n`): a batch of
 * n is n calls at once, within `maxConcurrency` (8); `maxBatch` defaults to
 * 8. A prompt is sent as the AI SDK's prompt (a string as one user message;
 * a chat with its system prompt, images as file parts, tool calls and text
 * tool results, and its tools as function tools). A reply is the result's
 * text, its tool calls (their input as received), its reasoning, its finish
 * reason (the provider's word, else the unified one) and the model that
 * answered; usage counts from `inputTokens.total` and `outputTokens.total`
 * (`reasoning` and `cacheRead` in `stats`). An `APICallError` the AI SDK
 * marks retryable (429, 5xx, network) is retried with backoff, honouring
 * `Retry-After`, a 429 pausing every call; others are a
 * {@linkcode ProviderError} at once. The model's provider holds the API key:
 * what it puts in its errors is its own.
 *
 * The model key is the model id (or `alias`) and the temperature, with the
 * generation options (`system`, `maxTokens` as `maxOutputTokens`, `stop` as
 * `stopSequences`, `seed`, `topP`, `responseFormat`, `params`) as key
 * options; the provider id is not in it.
 *
 * @example A mock model from the AI SDK, replayed from a cache
 * ```ts
 * import assert from "node:assert/strict";
 * import { MockLanguageModelV4 } from "ai/test";
 * import { first } from "../mod.ts";
 * import { modelKey } from "../cache/stores.ts";
 * import { fromAiSdk } from "./mod.ts";
 *
 * const mock = new MockLanguageModelV4({
 *   modelId: "mock-1",
 *   doGenerate: {
 *     content: [{ type: "text", text: "Paris" }],
 *     finishReason: { unified: "stop", raw: "stop" },
 *     usage: {
 *       inputTokens: { total: 9, noCache: 9, cacheRead: undefined, cacheWrite: undefined },
 *       outputTokens: { total: 1, text: 1, reasoning: undefined },
 *     },
 *     warnings: [],
 *   },
 * });
 * const model = fromAiSdk(mock, 0.7, { maxTokens: 16 });
 * assert.equal(await first(model.sample("Capital of France?")), "Paris");
 * assert.deepEqual(model.totalTokenCount(), [9, 1]);
 * assert.equal(mock.doGenerateCalls[0]!.maxOutputTokens, 16);
 * assert.ok(modelKey(model).startsWith("mock-1_0.7+"));
 * ```
 *
 * @param model An AI SDK language model (specification `v4`, `ai@7`; wrap
 * an older one with `wrapLanguageModel({ model, middleware: [] })`).
 * @param temperature Sampling temperature.
 * @param options Batching, retries, generation options, budget, …
 * @returns The model.
 */
export function fromAiSdk(
  model: AiSdkLanguageModel,
  temperature: number,
  options?: AiSdkModelOptions,
): AiSdkModel {
  return new AiSdkModel(model, temperature, options);
}

/** A response format in the AI SDK's form; OpenAI's is turned into it. */
function formatOf(format: Record<string, unknown>): Record<string, unknown> {
  if (format.type === "json_object") return { type: "json" };
  if (format.type !== "json_schema" || !isRecord(format.json_schema)) return format;
  const { schema, name, description } = format.json_schema;
  return defined({ type: "json", schema, name, description });
}

/** The alias, batch limit (8 by default) and price. */
function pick(options: AiSdkModelOptions): BufferedModelOptions {
  const { alias, maxBatch = 8, price } = options;
  return defined({ alias, maxBatch, price }) as BufferedModelOptions;
}

function sum(total: number | undefined, value: unknown): number | undefined {
  const n = count(value);
  return n === undefined ? total : (total ?? 0) + n;
}
