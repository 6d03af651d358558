/**
 * `Anthropic`: Claude through Anthropic's Messages API.
 *
 * @module
 */

import type { Chat, Message, Part, ToolCall } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { argumentsOf, base64Of } from "./_chat.ts";
import type { GenerationOptions } from "./generation.ts";
import type { ApiAnswer, ApiCall, ApiResponse, HttpApi } from "./http_api.ts";
import { HttpProvider, type HttpProviderOptions } from "./http_provider.ts";
import { defined, isRecord } from "./_options.ts";

/** `max_tokens` when the `maxTokens` option is not given: every Claude model can write this many. */
const DEFAULT_MAX_TOKENS = 4096;

/** The Messages API. */
const MESSAGES: HttpApi = {
  defaultBaseUrl: "https://api.anthropic.com/v1",
  keyVariable: "ANTHROPIC_API_KEY",
  headers: (key) => ({
    ...(key === undefined ? {} : { "x-api-key": key }),
    "anthropic-version": "2023-06-01",
  }),
  maxTemperature: 1,
  defaultBatch: 8,
  batchLimit: Infinity,
  batched: false,
  reserved: ["model", "messages", "system", "temperature", "stream"],
  fields,
  path: () => "/messages",
  body: ({ model, temperature, chat, fields, who }: ApiCall) => ({
    max_tokens: DEFAULT_MAX_TOKENS,
    ...fields,
    model,
    temperature,
    ...(chat.system === undefined ? {} : { system: chat.system }),
    messages: messagesOf(chat, who),
    ...toolsOf(chat, fields.tools),
  }),
  read,
  errorDetails: (body) =>
    isRecord(body) && typeof body.request_id === "string"
      ? { requestId: body.request_id }
      : undefined,
};

/**
 * A Claude model through Anthropic's Messages API (`POST
 * {baseUrl}/messages`), the key read from `ANTHROPIC_API_KEY` at the first
 * request and sent as `x-api-key`, with `anthropic-version: 2023-06-01`.
 *
 * A chat's system prompt goes in the `system` field, tool calls as
 * `tool_use` blocks of assistant turns (their arguments as objects), tool
 * results as `tool_result` blocks of user turns (consecutive ones in one
 * turn), images as base64 `image` blocks, and tools with their schema as
 * `input_schema`. A reply's text is its `text` blocks joined, its tool calls
 * the `tool_use` blocks (arguments as JSON text), its reasoning the
 * `thinking` blocks (joined by blank lines; enable them with
 * `params: { thinking: { type: "enabled", budget_tokens: 1024 } }`) and,
 * when there is one signed block, its `signature` as the reply's
 * `reasoningSignature`, its finish reason the `stop_reason` (`end_turn`,
 * `max_tokens`, `tool_use`, …). An assistant turn with a
 * `reasoningSignature` (`messageOf(reply)` keeps it) is sent back with its
 * `thinking` block first, as extended thinking requires in a tool loop
 * (replies with several thinking blocks, or a `redacted_thinking` block,
 * keep no signature: the API then refuses the next turn, saying so).
 * Prompt tokens are `input_tokens` plus the cache's
 * `cache_creation_input_tokens` and `cache_read_input_tokens` (the latter
 * also in `stats.cachedTokens`); `output_tokens_details.thinking_tokens`
 * adds up in `stats.reasoningTokens`.
 *
 * The API requires `max_tokens`: it is the `maxTokens` option, or 4096
 * (every Claude model can write that many), which is not part of the cache
 * key. `stop` is sent as `stop_sequences`, `topP` as `top_p`; the API has
 * no `seed` and no `response_format` (use tools, or `params`), so those
 * options are a TypeError. The temperature goes from 0 to 1.
 *
 * The API has no `n`: a batch of n is n requests at once, within
 * `maxConcurrency`; `maxBatch` defaults to 8. 429 (honouring `retry-after`)
 * and 5xx, 529 `overloaded_error` included, are retried; 400 and 401 are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Anthropic } from "../mod.ts";
 * import { modelKey } from "../cache/stores.ts";
 *
 * const model = new Anthropic("claude-haiku-4-5", 1, { maxBatch: 4 });
 * assert.equal(model.baseUrl, "https://api.anthropic.com/v1");
 * assert.equal(modelKey(model), "claude-haiku-4-5_1");
 * assert.deepEqual(new Anthropic("claude-haiku-4-5", 1, { maxTokens: 512 }).keyOptions, {
 *   max_tokens: 512,
 * });
 * assert.throws(() => new Anthropic("claude-haiku-4-5", 1.5), RangeError);
 * ```
 */
export class Anthropic extends HttpProvider {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name, e.g. `claude-haiku-4-5`.
   * @param temperature Sampling temperature, from 0 to 1.
   * @param options Batch limit, `maxTokens`, retries, budget, …
   */
  constructor(name: string, temperature: number, options: HttpProviderOptions = {}) {
    super(name, temperature, options, MESSAGES);
  }
}

function fields(options: GenerationOptions, who: string): Record<string, unknown> {
  const { maxTokens, stop, seed, topP, responseFormat, params = {} } = options;
  for (const [name, value] of [["seed", seed], ["responseFormat", responseFormat]] as const) {
    if (value === undefined) continue;
    throw new TypeError(
      `${who}: the Messages API has no ${name}; leave it out (for JSON output, give the chat ` +
        "a tool with the schema, or pass the API's own fields in params)",
    );
  }
  const named = {
    max_tokens: maxTokens,
    stop_sequences: typeof stop === "string" ? [stop] : stop,
    top_p: topP,
  };
  return { ...params, ...defined(named) };
}

function messagesOf(chat: Chat, who: string): { role: string; content: unknown }[] {
  const turns: { role: string; content: unknown }[] = [];
  for (const message of chat.messages) {
    const role = message.role === "assistant" ? "assistant" : "user";
    const last = turns.at(-1);
    // Results of one turn's calls go in one user turn, and what the user adds joins them.
    if (role === "user" && last?.role === "user" && hasResults(last)) {
      (last.content as unknown[]).push(...blocksOf(message, who));
    } else if (role === "user" && message.role === "user" && typeof message.content === "string") {
      turns.push({ role, content: message.content });
    } else {
      turns.push({ role, content: blocksOf(message, who) });
    }
  }
  return turns;
}

function hasResults(turn: { content: unknown }): boolean {
  return Array.isArray(turn.content) &&
    turn.content.some((block) => (block as { type?: string }).type === "tool_result");
}

function blocksOf(message: Message, who: string): unknown[] {
  const { role, content, toolCalls = [], toolCallId, reasoning, reasoningSignature } = message;
  if (role === "tool") {
    return [{ type: "tool_result", tool_use_id: toolCallId, content: partsOf(content) }];
  }
  const blocks = typeof content === "string"
    ? (content === "" ? [] : [{ type: "text", text: content }])
    : partsOf(content) as unknown[];
  // Signed reasoning goes back first, as the API verifies it.
  const thinking = reasoningSignature === undefined
    ? []
    : [{ type: "thinking", thinking: reasoning ?? "", signature: reasoningSignature }];
  return [
    ...thinking,
    ...blocks,
    ...toolCalls.map((call) => ({
      type: "tool_use",
      id: call.id,
      name: call.name,
      input: argumentsOf(call, who),
    })),
  ];
}

function partsOf(content: string | Part[]): unknown {
  if (typeof content === "string") return content;
  return content.map((part) =>
    part.type === "text" ? part : {
      type: "image",
      source: { type: "base64", media_type: part.mediaType, data: base64Of(part) },
    }
  );
}

function toolsOf(chat: Chat, own: unknown): { tools?: unknown[] } {
  if (chat.tools === undefined) return {};
  const tools = chat.tools.map(({ name, description, parameters }) => ({
    name,
    ...(description === undefined ? {} : { description }),
    input_schema: parameters,
  }));
  // Tools set in params (e.g. the API's server tools) come first.
  return { tools: [...(Array.isArray(own) ? own : []), ...tools] };
}

async function read(response: ApiResponse): Promise<ApiAnswer> {
  const body = await response.json();
  if (!isRecord(body) || !Array.isArray(body.content)) {
    throw response.fail({
      ...(isRecord(body) ? { message: "a JSON body without content" } : {}),
      code: "invalid_response",
      hint: "check baseUrl: it must be the API root that /messages is under",
    });
  }
  const blocks = body.content.filter(isRecord);
  const text = blocks.flatMap((b) =>
    b.type === "text" && typeof b.text === "string" ? [b.text] : []
  );
  const thinkingBlocks = blocks.filter((b) =>
    b.type === "thinking" && typeof b.thinking === "string"
  );
  const thinking = thinkingBlocks.map((b) => b.thinking as string);
  const signed = thinkingBlocks.length === 1 && !blocks.some((b) => b.type === "redacted_thinking")
    ? thinkingBlocks[0]!.signature
    : undefined;
  const toolCalls: ToolCall[] = blocks.filter((b) => b.type === "tool_use").map((b, k) => ({
    id: typeof b.id === "string" ? b.id : `toolu_${k}`,
    name: typeof b.name === "string" ? b.name : "",
    arguments: JSON.stringify(b.input ?? {}),
  }));
  const reply: Reply = { text: text.join(""), toolCalls };
  if (thinking.length > 0) reply.reasoning = thinking.join("\n\n");
  if (typeof signed === "string" && signed !== "") reply.reasoningSignature = signed;
  if (typeof body.stop_reason === "string") reply.finishReason = body.stop_reason;
  if (typeof body.model === "string") reply.model = body.model;
  return { replies: [reply], tokens: tokensOf(body.usage) };
}

/** Every prompt token, cached or not, and the output tokens (thinking included). */
function tokensOf(usage: unknown) {
  if (!isRecord(usage)) return undefined;
  const { input_tokens: input, cache_creation_input_tokens, cache_read_input_tokens } = usage;
  const extra = [cache_creation_input_tokens, cache_read_input_tokens]
    .reduce((sum: number, n) => sum + (typeof n === "number" ? n : 0), 0);
  const details = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    input: typeof input === "number" ? input + extra : undefined,
    output: usage.output_tokens,
    reasoning: details.thinking_tokens,
    cached: cache_read_input_tokens,
  };
}
