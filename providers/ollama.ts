/**
 * `Ollama`: a local Ollama server through its native streaming chat API.
 *
 * @module
 */

import type { Chat, Message, Part, ToolCall } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { argumentsOf, base64Of, toolNameOf, toolsOf } from "./_chat.ts";
import { openAIFields } from "./_generation.ts";
import type { ApiAnswer, ApiCall, ApiResponse, HttpApi } from "./http_api.ts";
import { HttpProvider, type HttpProviderOptions } from "./http_provider.ts";
import { parseJson } from "./_http_client.ts";
import { defined, isRecord } from "./_options.ts";

/**
 * Options of {@linkcode Ollama}: batching, connection, generation and
 * budget. Durations are milliseconds.
 *
 * @example A remote Ollama with a longer context
 * ```ts
 * import assert from "node:assert/strict";
 * import { Ollama, type OllamaOptions } from "../mod.ts";
 *
 * const options: OllamaOptions = {
 *   baseUrl: "http://gpu-box:11434",
 *   maxConcurrency: 2,
 *   params: { options: { num_ctx: 8192 } },
 * };
 * const model = new Ollama("llama3.2", 0.8, options);
 * assert.deepEqual(model.keyOptions, { options: { num_ctx: 8192 } });
 * ```
 */
export interface OllamaOptions extends Omit<HttpProviderOptions, "apiKeyVariable"> {}

/** Ollama's native chat API. */
const OLLAMA_CHAT: HttpApi = {
  defaultBaseUrl: "http://localhost:11434",
  maxTemperature: 2,
  // Ollama serves a few requests of one model at once (OLLAMA_NUM_PARALLEL) and queues the rest.
  defaultBatch: 4,
  batchLimit: Infinity,
  batched: false,
  reserved: ["model", "messages", "stream"],
  fields: (options, who) => ollamaFields(openAIFields(options), who),
  path: () => "/api/chat",
  body: ({ model, temperature, chat, fields, who }: ApiCall) => {
    const { options, ...rest } = fields;
    return {
      ...rest,
      model,
      messages: messagesOf(chat, who),
      ...(chat.tools === undefined ? {} : { tools: toolsOf(chat.tools, rest.tools) }),
      stream: true,
      options: { ...(isRecord(options) ? options : {}), temperature },
    };
  },
  read: readStream,
};

/**
 * A model served by Ollama (`POST {baseUrl}/api/chat`, streamed NDJSON).
 *
 * A chat is sent in Ollama's form: its system prompt as a `system`
 * message, images as base64 `images` of their message, tool calls with
 * their arguments as objects, each tool result with the `tool_name` of the
 * call it answers, and the tools as `function` tools. A reply's text is the
 * streamed `message.content`, its reasoning `message.thinking` (with
 * `think: true` in `params`), its tool calls `message.tool_calls` (named
 * `call_0`, `call_1`, … when Ollama gives no id), its finish reason
 * `done_reason`.
 *
 * Ollama has no `n`: a request for n samples sends n concurrent chats
 * (at most `maxConcurrency` at a time); `maxBatch` defaults to 4 (a server
 * runs a few chats of a model at once and queues the rest). Token counts come from
 * `prompt_eval_count` and `eval_count`; when one is left out (older servers
 * do for a cached prompt), the chat's usage is unknown, never 0, and a
 * `tokens` budget cannot be kept. No API key is needed; `apiKey` is
 * sent as a bearer token when given (e.g. behind a proxy).
 *
 * Generation options map to Ollama's: `maxTokens` → `options.num_predict`,
 * `stop`, `seed` and `topP` → `options.stop`, `options.seed`,
 * `options.top_p`, `responseFormat` `{type: "json_object"}` → `format:
 * "json"` and a `json_schema` format → its schema; `params` are top-level
 * body fields, and `params.options` merges into `options`.
 *
 * The stream is cut off past `maxResponseBytes` (a generation that never
 * ends), and a `budget` (default: 10,000 samples, one chat each) stops a
 * stream that is read without end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "../cache/stores.ts";
 * import { Ollama } from "./ollama.ts";
 *
 * const model = new Ollama("llama3.2", 0.8, { maxBatch: 4 });
 * assert.equal(model.baseUrl, "http://localhost:11434");
 * assert.equal(modelKey(model), "llama3.2_0.8");
 * assert(
 *   new Ollama("llama3.2", 0.8, { maxTokens: 20 }).keyOptions?.options !== undefined,
 * );
 * ```
 */
export class Ollama extends HttpProvider {
  /**
   * Creates the model; nothing is sent until a sample is needed.
   *
   * @param name The Ollama model tag, e.g. `llama3.2`.
   * @param temperature Sampling temperature, from 0 to 2.
   * @param options Server, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: OllamaOptions = {}) {
    super(name, temperature, options, OLLAMA_CHAT);
  }
}

function messagesOf(chat: Chat, who: string): unknown[] {
  const turns = chat.messages.map((message, k) => messageOf(chat, message, k, who));
  return chat.system === undefined ? turns : [{ role: "system", content: chat.system }, ...turns];
}

function messageOf(chat: Chat, message: Message, k: number, who: string): Record<string, unknown> {
  const { role, content, toolCalls = [] } = message;
  const { text, images } = split(content);
  const turn: Record<string, unknown> = { role, content: text };
  if (images.length > 0) turn.images = images;
  if (toolCalls.length > 0) {
    turn.tool_calls = toolCalls.map((call) => ({
      function: { name: call.name, arguments: argumentsOf(call, who) },
    }));
  }
  if (role === "tool") turn.tool_name = toolNameOf(chat, k, who);
  return turn;
}

/** Ollama's message text and its images (base64), from a content. */
function split(content: string | Part[]): { text: string; images: string[] } {
  if (typeof content === "string") return { text: content, images: [] };
  const text = content.flatMap((p) => p.type === "text" ? [p.text] : []).join("");
  return { text, images: content.flatMap((p) => p.type === "image" ? [base64Of(p)] : []) };
}

/** Joins the streamed message parts; the last line carries the token counts. */
async function readStream(response: ApiResponse): Promise<ApiAnswer> {
  let text = "";
  let thinking = "";
  const toolCalls: ToolCall[] = [];
  for await (const line of lines(response.chunks())) {
    const chunk = parseJson(line);
    if (!isRecord(chunk) || chunk.error !== undefined) {
      // A failure after the headers: the server gave up mid-stream.
      throw response.fail({
        message: "a stream line that is not a chat chunk",
        code: "stream_error",
        status: 500,
        raw: line,
        parsed: chunk,
      });
    }
    const message = isRecord(chunk.message) ? chunk.message : {};
    if (typeof message.content === "string") text += message.content;
    if (typeof message.thinking === "string") thinking += message.thinking;
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls.filter(isRecord)) {
        toolCalls.push(toolCallOf(call, toolCalls.length));
      }
    }
    if (chunk.done === true) {
      const reply: Reply = { text, toolCalls };
      if (thinking !== "") reply.reasoning = thinking;
      if (typeof chunk.done_reason === "string") reply.finishReason = chunk.done_reason;
      if (typeof chunk.model === "string") reply.model = chunk.model;
      // Older servers leave prompt_eval_count out when the prompt was cached: unknown, not 0.
      return {
        replies: [reply],
        tokens: { input: chunk.prompt_eval_count, output: chunk.eval_count },
      };
    }
  }
  throw response.fail({
    message: "the stream ended before its final (done) line",
    code: "truncated_stream",
    status: 0,
    hint: "the connection closed mid-answer; check the Ollama server's log if it keeps happening",
    raw: text,
  });
}

function toolCallOf(call: Record<string, unknown>, k: number): ToolCall {
  const fn = isRecord(call.function) ? call.function : {};
  const args = fn.arguments;
  return {
    // Ollama names no call (newer versions may): one by position in the reply.
    id: typeof call.id === "string" && call.id !== "" ? call.id : `call_${k}`,
    name: typeof fn.name === "string" ? fn.name : "",
    // Ollama sends the arguments as an object: their JSON text.
    arguments: typeof args === "string" ? args : JSON.stringify(args ?? {}),
  };
}

/** The non-empty lines of an NDJSON body. */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    const parts = pending.split("\n");
    pending = parts.pop()!;
    for (const part of parts) if (part.trim() !== "") yield part;
  }
  pending += decoder.decode();
  if (pending.trim() !== "") yield pending;
}

/** OpenAI-named generation fields in Ollama's request shape. */
function ollamaFields(fields: Record<string, unknown>, who: string): Record<string, unknown> {
  const { max_tokens, stop, seed, top_p, response_format, options, ...rest } = fields;
  if (options !== undefined && !isRecord(options)) {
    throw new TypeError(
      `${who}: params.options must be an object, got ${describe(options)}; ` +
        "pass Ollama's options as an object, e.g. { num_ctx: 8192 }",
    );
  }
  if (isRecord(options) && "temperature" in options) {
    throw new TypeError(
      `${who}: params.options may not set temperature: the model sends its own; ` +
        "pass the temperature as the constructor's second argument",
    );
  }
  const merged = defined({ num_predict: max_tokens, stop, seed, top_p, ...options });
  return defined({
    ...rest,
    format: response_format === undefined ? rest.format : ollamaFormat(response_format, who),
    options: Object.keys(merged).length === 0 ? undefined : merged,
  });
}

function ollamaFormat(format: unknown, who: string): unknown {
  if (isRecord(format) && format.type === "json_object") return "json";
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.json_schema)) {
    return format.json_schema.schema;
  }
  if (isRecord(format) && format.type === "text") return undefined;
  throw new TypeError(
    `${who}: responseFormat ${JSON.stringify(format)} has no Ollama equivalent; ` +
      `use { type: "json_object" }, a json_schema format, or params: { format }`,
  );
}
