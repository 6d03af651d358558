/**
 * `HttpApi`: what an HTTP provider states about its API, and nothing else.
 * {@linkcode HttpProvider} does the rest (retries, `Retry-After`, the shared
 * 429 pause, concurrency, the response cap, budgets, key redaction, usage
 * shares) the same way for every provider.
 *
 * @module
 */

import type { Chat } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import type { GenerationOptions } from "./generation.ts";
import type { ProviderError } from "./provider_error.ts";

/**
 * Token counts as the server reported them. Each may be anything the body
 * held: a count that is not a whole number ≥ 0 counts as not reported
 * (unknown, never 0). Two of `input`, `output` and `total` give the third.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ApiTokens } from "./http_api.ts";
 *
 * const usage = { prompt_tokens: 12, completion_tokens: 30, reasoning_tokens: 20 };
 * const tokens: ApiTokens = {
 *   input: usage.prompt_tokens,
 *   output: usage.completion_tokens,
 *   reasoning: usage.reasoning_tokens,
 * };
 * assert.equal(tokens.total, undefined);
 * ```
 */
export interface ApiTokens {
  /** Prompt (input) tokens, every kind included (cached ones too). */
  input?: unknown;
  /** Completion (output) tokens, reasoning included: what is billed as output. */
  output?: unknown;
  /** Both together, when the server reports a total. */
  total?: unknown;
  /** Of the output, the reasoning (thinking) tokens. */
  reasoning?: unknown;
  /** Of the input, the tokens read from the provider's prompt cache. */
  cached?: unknown;
}

/**
 * What one response brought: a reply per sample, in order, and the tokens.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ApiAnswer } from "./http_api.ts";
 *
 * const answer: ApiAnswer = {
 *   replies: [{ text: "4", toolCalls: [], finishReason: "stop" }],
 *   tokens: { input: 10, output: 1 },
 * };
 * assert.equal(answer.replies.length, 1);
 * ```
 */
export interface ApiAnswer {
  /** The samples' replies; at least one. */
  replies: Reply[];
  /** The tokens the request used, as far as the server said. */
  tokens?: ApiTokens | undefined;
}

/**
 * How a response that carries no usable answer is reported, where its body
 * does not say (an error envelope in the body always wins).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ApiFailure } from "./http_api.ts";
 *
 * const failure: ApiFailure = { message: "no candidates", code: "no_content", tokens: { input: 9 } };
 * assert.equal(failure.status, undefined); // the response's own status
 * ```
 */
export interface ApiFailure {
  /** What went wrong. */
  message?: string | undefined;
  /** A code for it, e.g. `no_content`. */
  code?: string | undefined;
  /** The status to report, for a response that came with 200. */
  status?: number | undefined;
  /** What to do about it. */
  hint?: string | undefined;
  /** The tokens the request was billed although it brought no sample. */
  tokens?: ApiTokens | undefined;
  /** The text the failure is about, when not the body read by `json()` (e.g. a stream line). */
  raw?: string | undefined;
  /** `raw` parsed, when it was JSON. */
  parsed?: unknown;
}

/**
 * A successful response, for {@linkcode HttpApi.read}: its body is read
 * under the provider's `maxResponseBytes` cap, through these methods only.
 *
 * @example A reader of a one-field JSON API
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ApiAnswer, ApiResponse } from "./http_api.ts";
 *
 * async function read(response: ApiResponse): Promise<ApiAnswer> {
 *   const body = await response.json() as { text?: unknown } | undefined;
 *   if (typeof body?.text !== "string") throw response.fail({ message: "no text" });
 *   return { replies: [{ text: body.text, toolCalls: [] }] };
 * }
 * assert.equal(typeof read, "function");
 * ```
 */
export interface ApiResponse {
  /** The response's headers. */
  readonly headers: Headers;
  /** The body parsed as JSON (leading padding allowed); `undefined` when it is not JSON. */
  json(): Promise<unknown>;
  /** The body's bytes as they arrive (streams). */
  chunks(): AsyncIterable<Uint8Array>;
  /**
   * The {@linkcode ProviderError} to throw for this response: the body read
   * by `json()` (or `failure.raw`) is searched for an error envelope first.
   * A 200 is not retried unless `failure.status` says otherwise.
   */
  fail(failure: ApiFailure): ProviderError;
}

/**
 * One request, for {@linkcode HttpApi.body}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ApiCall } from "./http_api.ts";
 *
 * const call: ApiCall = {
 *   model: "m",
 *   temperature: 0.7,
 *   n: 1,
 *   chat: { messages: [{ role: "user", content: "Hi" }] },
 *   fields: { max_tokens: 64 },
 *   who: 'MyApi "m"',
 * };
 * assert.equal(call.chat.messages[0]!.content, "Hi");
 * ```
 */
export interface ApiCall {
  /** The model name. */
  readonly model: string;
  /** The sampling temperature. */
  readonly temperature: number;
  /** How many samples to ask for: 1 unless the API is `batched`. */
  readonly n: number;
  /** The prompt as a chat, with the model's `system` option in it. */
  readonly chat: Chat;
  /** What {@linkcode HttpApi.fields} made of the generation options. */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The model, for messages, e.g. `Anthropic "claude-haiku-4-5"`. */
  readonly who: string;
}

/**
 * What an HTTP provider states about its API. A provider is a class that
 * passes one of these to {@linkcode HttpProvider}'s constructor; nothing
 * else is needed (see the example there).
 *
 * @example The parts of an API that speaks `{ prompt }` → `{ text }`
 * ```ts
 * import assert from "node:assert/strict";
 * import type { HttpApi } from "./http_api.ts";
 *
 * const api: HttpApi = {
 *   defaultBaseUrl: "https://api.example.org/v1",
 *   keyVariable: "EXAMPLE_API_KEY",
 *   headers: (key) => (key === undefined ? {} : { "x-key": key }),
 *   maxTemperature: 1,
 *   defaultBatch: 4,
 *   batchLimit: Infinity,
 *   batched: false,
 *   reserved: ["prompt", "temperature"],
 *   fields: ({ maxTokens, params }) => ({ ...params, ...(maxTokens ? { limit: maxTokens } : {}) }),
 *   path: (model) => `/generate/${model}`,
 *   body: ({ chat, temperature, fields }) => ({ ...fields, prompt: chat.messages, temperature }),
 *   read: async (response) => {
 *     const body = await response.json() as { text?: unknown } | undefined;
 *     if (typeof body?.text !== "string") throw response.fail({ message: "no text" });
 *     return { replies: [{ text: body.text, toolCalls: [] }] };
 *   },
 * };
 * assert.equal(api.path("m"), "/generate/m");
 * ```
 */
export interface HttpApi {
  /** The base URL when the `baseUrl` option is not given; without one, `baseUrl` is required. */
  readonly defaultBaseUrl?: string | undefined;
  /** The environment variable holding the API key; without one, only `apiKey` sends a key. */
  readonly keyVariable?: string | undefined;
  /**
   * The headers that carry the key (`undefined` when there is none) and
   * whatever else the API wants on every request.
   * @default {`authorization: Bearer <key>` when there is a key}
   */
  headers?(key: string | undefined): Record<string, string>;
  /** The highest temperature the API accepts (the lowest is 0). */
  readonly maxTemperature: number;
  /** `maxBatch` when the option is not given: the most samples one query asks for. */
  readonly defaultBatch: number;
  /** The largest `maxBatch` the API allows (e.g. its limit on `n`), or `Infinity`. */
  readonly batchLimit: number;
  /**
   * Whether one request can ask for several samples (OpenAI's `n`,
   * Gemini's `candidateCount`); if not, a batch is that many requests at
   * once, within `maxConcurrency`.
   */
  readonly batched: boolean;
  /** Body fields the provider sets itself, which `params` may not set. */
  readonly reserved: readonly string[];
  /**
   * The request fields that the generation options (checked; `params`
   * defaults to `{}`) stand for, in the API's names. They join the cache
   * key, with the `system` option: leave out what does not change the output.
   */
  fields(options: GenerationOptions, who: string): Record<string, unknown>;
  /** The path below the base URL that requests for `model` go to. */
  path(model: string): string;
  /** The JSON body of one request. */
  body(call: ApiCall): unknown;
  /** The replies and tokens of a successful response; throw `response.fail(…)` when there are none. */
  read(response: ApiResponse): Promise<ApiAnswer>;
  /**
   * Whether `error` says the server takes one sample per request only; the
   * provider then sends single requests from then on.
   * @default {never}
   */
  refusesN?(error: ProviderError): boolean;
  /**
   * The code, retry delay (ms) and request id an error body holds in the
   * API's own form, beyond the common envelopes (`{error: {message, type,
   * code}}` and others) that every provider reads. A `Retry-After` header
   * and a request-id header still win.
   * @default {none}
   */
  errorDetails?(
    body: unknown,
  ): { code?: string; retryAfter?: number; requestId?: string } | undefined;
  /**
   * Whether an error may go away when sent again; `undefined` leaves it to
   * the status (0, 408, 409, 429 and 5xx are retried).
   * @default {by status}
   */
  retryable?(error: ProviderError): boolean | undefined;
}
