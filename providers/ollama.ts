/**
 * `Ollama`: a local Ollama server through its native streaming chat API.
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
import { generation, keyOptionsOf, messages } from "./_generation.ts";
import type { GenerationOptions } from "./generation.ts";
import { HttpClient, parseJson } from "./_http_client.ts";
import type { HttpOptions } from "./http_options.ts";
import type { ResponseBody } from "./_response_body.ts";
import { assertApiTemperature, batchOptions, defined, isRecord } from "./_options.ts";
import { tokenCounts } from "./_token_counts.ts";
import { settleSamples } from "./_settle.ts";

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
export interface OllamaOptions
  extends BufferedModelOptions, HttpOptions, GenerationOptions, BudgetOptions {}

/**
 * A model served by Ollama (`POST {baseUrl}/api/chat`, streamed NDJSON).
 *
 * Ollama has no `n`: a request for n samples sends n concurrent chats
 * (at most `maxConcurrency` at a time). Token counts come from
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
 * import { modelKey } from "../mod.ts";
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
export class Ollama extends BufferedModel {
  /** Generation options that join the cache key; undefined when none are set. */
  readonly keyOptions: Readonly<Record<string, unknown>> | undefined;
  #client: HttpClient;
  #budget: Spending;
  #fields: Record<string, unknown>;
  #system: string | undefined;
  #requests = 0;

  /**
   * Creates the model; nothing is sent until a sample is needed.
   *
   * @param name The Ollama model tag, e.g. `llama3.2`.
   * @param temperature Sampling temperature, from 0 to 2.
   * @param options Server, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: OllamaOptions = {}) {
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `Ollama "${name}": options must be an object, got ${describe(options)}; ` +
          `pass e.g. { maxBatch: 4 }, or leave them out`,
      );
    }
    super(name, temperature, batchOptions(options));
    const label = `Ollama "${name}"`;
    assertApiTemperature(label, temperature);
    const chosen = generation(options, ["model", "messages", "stream"], label);
    this.#fields = ollamaFields(chosen.fields, label);
    this.#system = chosen.system;
    this.keyOptions = keyOptionsOf({ fields: this.#fields, system: chosen.system });
    this.#client = new HttpClient(options, {
      label,
      defaultBaseUrl: "http://localhost:11434",
      onRetry: () => this.countRetry(),
    });
    this.#budget = new Spending(options, label);
  }

  /** Where requests go, without a trailing slash. */
  get baseUrl(): string {
    return this.#client.baseUrl;
  }

  /** HTTP requests answered with samples, retries, and samples received. */
  override get stats(): Readonly<ProviderStats> {
    return { ...super.stats, requests: this.#requests };
  }

  /** Fetches `n` samples with `n` concurrent chats. */
  protected query(prompt: string, n: number): Promise<QueryResult> {
    return settleSamples(Array.from({ length: n }, () => this.#chat(prompt)));
  }

  #chat(prompt: string): Promise<QueryResult> {
    const { options, ...rest } = this.#fields;
    const body = {
      ...rest,
      model: this.name,
      messages: messages(prompt, this.#system),
      stream: true,
      options: { ...(isRecord(options) ? options : {}), temperature: this.temperature },
    };
    return this.#budget.request(1, async (ticket) => {
      const answer = await this.#client.post("/api/chat", {
        admit: ticket.admit,
        body: () => body,
        read: (response, stream) => this.#read(response, stream),
      });
      this.#requests++;
      return answer;
    });
  }

  /** Joins the streamed message parts; the last line carries the token counts. */
  async #read(response: Response, body: ResponseBody): Promise<QueryResult> {
    let text = "";
    for await (const line of lines(body.chunks())) {
      const chunk = parseJson(line);
      if (!isRecord(chunk) || chunk.error !== undefined) {
        // A failure after the headers: the server gave up mid-stream.
        throw this.#client.errorFrom(response, line, chunk, {
          message: "a stream line that is not a chat chunk",
          code: "stream_error",
          status: 500,
        });
      }
      if (isRecord(chunk.message) && typeof chunk.message.content === "string") {
        text += chunk.message.content;
      }
      if (chunk.done === true) {
        // Older servers leave prompt_eval_count out when the prompt was cached: unknown, not 0.
        return {
          samples: [text],
          ...tokenCounts(chunk.prompt_eval_count, chunk.eval_count, undefined),
        };
      }
    }
    throw this.#client.errorFrom(response, text, undefined, {
      message: "the stream ended before its final (done) line",
      code: "truncated_stream",
      status: 0,
      hint: "the connection closed mid-answer; check the Ollama server's log if it keeps happening",
    });
  }
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
