/**
 * `OpenAICompatible`: any server that speaks the OpenAI chat-completions API.
 *
 * @module
 */

import type { Chat, Message, Part, ToolCall } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { base64Of, toolsOf } from "./_chat.ts";
import { openAIFields } from "./_generation.ts";
import type { ApiAnswer, ApiCall, ApiResponse, HttpApi } from "./http_api.ts";
import { HttpProvider, type HttpProviderOptions } from "./http_provider.ts";
import { isRecord } from "./_options.ts";
import { ProviderError } from "./provider_error.ts";

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
export interface OpenAICompatibleOptions extends HttpProviderOptions {}

/**
 * The OpenAI chat-completions API, for a server at `baseUrl` (given) that
 * takes up to `batchLimit` samples per request.
 */
const OPENAI_CHAT: HttpApi = {
  maxTemperature: 2,
  defaultBatch: 8,
  batchLimit: Infinity,
  batched: true,
  reserved: ["model", "messages", "n", "temperature", "stream"],
  fields: openAIFields,
  path: () => "/chat/completions",
  body: ({ model, temperature, n, chat, fields }: ApiCall) => ({
    ...fields,
    model,
    temperature,
    // n = 1 is the default; some servers reject the field altogether.
    ...(n === 1 ? {} : { n }),
    messages: messagesOf(chat),
    ...(chat.tools === undefined ? {} : { tools: toolsOf(chat.tools, fields.tools) }),
  }),
  read: readChoices,
  refusesN,
};

/**
 * A model behind an OpenAI-compatible HTTP API: `POST {baseUrl}/chat/completions`
 * with `{model, temperature, n, messages}` plus the generation options set.
 *
 * A prompt is sent in the API's own form: a string as one user message; a
 * chat's system prompt as a `system` message, its turns as `user`,
 * `assistant` (with `tool_calls`) and `tool` messages (with
 * `tool_call_id`), images as `image_url` parts with a `data:` URL, and its
 * tools as `function` tools (after any `tools` set in `params`).
 *
 * Each choice becomes a reply, in `index` order: `message.content` is its
 * text (`""` for a choice that only calls tools), `tool_calls` its tool
 * calls, `reasoning_content` (DeepSeek) or `reasoning` (OpenRouter) its
 * reasoning, `finish_reason` its finish reason, `refusal` its refusal, the
 * response's `model` the model that answered, and `logprobs` when asked
 * for. Real servers differ, and this is what happens:
 *
 * - fewer choices than `n` (OpenRouter, Ollama's `/v1`): the samples that
 *   came are kept and the rest is asked for again; more choices than `n`:
 *   kept while the `samples` budget has room for them;
 * - `usage` absent, `{}` or partial: a count left out is unknown, never 0
 *   (one follows from the other and `total_tokens`; `total_tokens` alone is
 *   kept as a total), and a `tokens` budget cannot be kept: the run stops;
 *   `completion_tokens_details.reasoning_tokens` and
 *   `prompt_tokens_details.cached_tokens` (DeepSeek:
 *   `prompt_cache_hit_tokens`) add up in `stats`;
 * - `n > 1` refused (DeepSeek, Groq, llama.cpp): the model switches, for
 *   good, to concurrent single-sample requests;
 * - `content: null` with a `refusal` (structured outputs): the text is the
 *   refusal, which is what the model said (and `refusal` holds it too);
 * - a choice with neither text, refusal nor tool calls (Azure's content
 *   filter with no `message`): it is dropped; when no choice of a response
 *   is left, a {@linkcode ProviderError} with code `no_content` names the
 *   finish reasons;
 * - 429, 5xx, timeouts and network errors are retried with exponential
 *   backoff and jitter, honouring `Retry-After`; a 429 pauses every request
 *   of this model; other errors throw a {@linkcode ProviderError} at once;
 * - a body larger than `maxResponseBytes` (32 MiB; a gzip bomb, a server
 *   that never stops) is cut off: a `ProviderError`, not retried.
 *
 * `maxBatch` defaults to 8 (a server that refuses `n > 1` gets single
 * requests). A `budget` (default: 10,000 samples) stops a stream that is
 * read without end: past it, a `BudgetExceededError` is thrown before the
 * next request.
 *
 * Every generation option joins the cache key through `keyOptions`; with
 * none set the key is exactly the Python original's.
 *
 * @example A local server, with a system prompt that becomes part of the key
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "../cache/stores.ts";
 * import { OpenAICompatible } from "./openai_compatible.ts";
 *
 * const plain = new OpenAICompatible("llama3", 0.7, { baseUrl: "http://localhost:8000/v1" });
 * assert.equal(modelKey(plain), "llama3_0.7");
 * assert.equal(plain.maxBatch, 8);
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
export class OpenAICompatible extends HttpProvider {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature, from 0 to 2.
   * @param options The server, the key and how to talk to it.
   */
  constructor(name: string, temperature: number, options: OpenAICompatibleOptions) {
    super(name, temperature, options, OPENAI_CHAT);
  }
}

function messagesOf(chat: Chat): unknown[] {
  const turns = chat.messages.map(messageOf);
  return chat.system === undefined ? turns : [{ role: "system", content: chat.system }, ...turns];
}

function messageOf(message: Message): Record<string, unknown> {
  const { role, content, toolCalls = [], toolCallId } = message;
  if (role === "tool") return { role, tool_call_id: toolCallId, content: contentOf(content) };
  if (role === "user" || toolCalls.length === 0) return { role, content: contentOf(content) };
  return {
    role,
    // The API's own form of a turn that only calls tools.
    content: content === "" ? null : contentOf(content),
    tool_calls: toolCalls.map((call) => ({
      id: call.id,
      type: "function",
      function: { name: call.name, arguments: call.arguments },
    })),
  };
}

function contentOf(content: string | Part[]): unknown {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "text" ? part : {
      type: "image_url",
      image_url: { url: `data:${part.mediaType};base64,${base64Of(part)}` },
    }
  );
}

async function readChoices(response: ApiResponse): Promise<ApiAnswer> {
  const body = await response.json();
  if (!isRecord(body) || !Array.isArray(body.choices)) {
    throw response.fail({
      ...(isRecord(body) ? { message: "a JSON body without choices" } : {}),
      code: "invalid_response",
      hint: "check baseUrl: it must be the API root that /chat/completions is under",
    });
  }
  const model = typeof body.model === "string" && body.model !== "" ? body.model : undefined;
  const { replies, dropped } = choiceReplies(body.choices, model);
  const tokens = tokensOf(body.usage);
  if (replies.length === 0) {
    throw response.fail({
      message: `no choice carried text (finish_reason: ${dropped.join(", ") || "none"})`,
      code: "no_content",
      tokens,
      hint: "a content filter can leave no text: change the prompt or the generation options " +
        "(e.g. responseFormat, params)",
    });
  }
  return { replies, tokens };
}

/** The tokens a response's `usage` reports, as far as it reports them. */
function tokensOf(usage: unknown) {
  if (!isRecord(usage)) return undefined;
  const completion = isRecord(usage.completion_tokens_details)
    ? usage.completion_tokens_details
    : {};
  const prompt = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  return {
    input: usage.prompt_tokens,
    output: usage.completion_tokens,
    total: usage.total_tokens,
    reasoning: completion.reasoning_tokens,
    cached: prompt.cached_tokens ?? usage.prompt_cache_hit_tokens,
  };
}

/** The replies of `choices` in index order; choices with nothing in them are dropped. */
function choiceReplies(
  choices: unknown[],
  model: string | undefined,
): { replies: Reply[]; dropped: string[] } {
  const ordered = choices
    .map((choice, position) => ({ choice, at: indexOf(choice, position) }))
    .sort((a, b) => a.at - b.at);
  const replies: Reply[] = [];
  const dropped: string[] = [];
  for (const { choice } of ordered) {
    const reply = isRecord(choice) ? replyOf(choice, model) : undefined;
    if (reply !== undefined) replies.push(reply);
    else dropped.push(isRecord(choice) ? String(choice.finish_reason ?? "none") : "none");
  }
  return { replies, dropped };
}

function replyOf(choice: Record<string, unknown>, model: string | undefined): Reply | undefined {
  const message = isRecord(choice.message) ? choice.message : undefined;
  if (message === undefined) return undefined;
  const text = typeof message.content === "string" ? message.content : undefined;
  const refusal = typeof message.refusal === "string" ? message.refusal : undefined;
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.filter(isRecord).map(toolCallOf)
    : [];
  if (text === undefined && refusal === undefined && toolCalls.length === 0) return undefined;
  const reply: Reply = { text: text ?? refusal ?? "", toolCalls };
  const reasoning = [message.reasoning_content, message.reasoning].find((r) =>
    typeof r === "string"
  );
  if (typeof reasoning === "string") reply.reasoning = reasoning;
  if (typeof choice.finish_reason === "string") reply.finishReason = choice.finish_reason;
  if (refusal !== undefined) reply.refusal = refusal;
  if (model !== undefined) reply.model = model;
  if (choice.logprobs !== undefined && choice.logprobs !== null) reply.logprobs = choice.logprobs;
  return reply;
}

function toolCallOf(call: Record<string, unknown>, k: number): ToolCall {
  const fn = isRecord(call.function) ? call.function : {};
  const args = fn.arguments;
  return {
    // A server that gives no id (some local ones): a stable one, by position.
    id: typeof call.id === "string" && call.id !== "" ? call.id : `call_${k}`,
    name: typeof fn.name === "string" ? fn.name : "",
    // Some servers send the arguments as an object instead of JSON text.
    arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
  };
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
function refusesN(error: ProviderError): boolean {
  if (!(error instanceof ProviderError)) return false;
  if (![400, 422, 500].includes(error.status)) return false;
  return error.param === "n" || N_REFUSALS.some((re) => re.test(error.providerMessage));
}
