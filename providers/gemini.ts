/**
 * `Gemini`: Google's Gemini models through the Gemini API's `generateContent`.
 *
 * @module
 */

import type { Chat, Message, Part, ToolCall } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { argumentsOf, base64Of, toolNameOf } from "./_chat.ts";
import type { GenerationOptions } from "./generation.ts";
import type { ApiAnswer, ApiCall, ApiResponse, HttpApi } from "./http_api.ts";
import { HttpProvider, type HttpProviderOptions } from "./http_provider.ts";
import { defined, isRecord } from "./_options.ts";

/** The `generateContent` API. */
const GENERATE: HttpApi = {
  defaultBaseUrl: "https://generativelanguage.googleapis.com/v1beta",
  keyVariable: "GEMINI_API_KEY",
  headers: (key) => (key === undefined ? {} : { "x-goog-api-key": key }),
  maxTemperature: 2,
  // candidateCount goes from 1 to 8.
  defaultBatch: 8,
  batchLimit: 8,
  batched: true,
  reserved: ["contents", "systemInstruction"],
  fields,
  path: (model) => `/${model.includes("/") ? model : `models/${model}`}:generateContent`,
  body: ({ temperature, n, chat, fields, who }: ApiCall) => {
    const { generationConfig, ...rest } = fields;
    return {
      ...rest,
      ...(chat.system === undefined
        ? {}
        : { systemInstruction: { parts: [{ text: chat.system }] } }),
      contents: contentsOf(chat, who),
      ...toolsOf(chat, rest.tools),
      generationConfig: {
        ...(isRecord(generationConfig) ? generationConfig : {}),
        temperature,
        ...(n === 1 ? {} : { candidateCount: n }),
      },
    };
  },
  read,
  refusesN: (error) =>
    error.status === 400 && /multiple candidates|candidate_?count/i.test(error.providerMessage),
  errorDetails,
};

/**
 * A Gemini model through the Gemini API (`POST
 * {baseUrl}/models/{name}:generateContent`; a name with a `/`, such as
 * `tunedModels/x`, is used as the path), the key read from `GEMINI_API_KEY`
 * at the first request and sent as `x-goog-api-key`.
 *
 * A chat's system prompt goes in `systemInstruction`, its turns in
 * `contents` with the roles `user` and `model`, tool calls as
 * `functionCall` parts (arguments as objects), tool results as
 * `functionResponse` parts (consecutive ones in one turn) named after the
 * call they answer (found in the chat by its id): a result that is a JSON
 * object is sent as the response, anything else as `{ output: text }`.
 * Images are `inlineData` parts, tools one `functionDeclarations` entry with
 * each schema as `parametersJsonSchema`.
 *
 * A batch of n is one request with `candidateCount: n` (`maxBatch` defaults
 * to 8, the API's limit; a model that refuses several candidates gets single
 * requests from then on). Each candidate becomes a reply: its text the
 * `text` parts joined, its reasoning the `thought` parts (with
 * `params: { generationConfig: { thinkingConfig: { includeThoughts: true } } }`),
 * its tool calls the `functionCall` parts (named `call_0`, `call_1`, … in
 * the reply when the API gives no id; a part's `thoughtSignature` as the
 * call's `signature`, sent back on the call in the next turn, as Gemini 3
 * models require), a `thoughtSignature` on another part as the reply's
 * `reasoningSignature` (sent back on the turn's last text part; keep both
 * with `messageOf(reply)`), its finish reason `finishReason`
 * (`STOP`, `MAX_TOKENS`, `SAFETY`, …), its model the `modelVersion`. A
 * candidate with no parts (`SAFETY`, or `MAX_TOKENS` when thinking used up
 * the budget) is a reply with the text `""` and that finish reason: a
 * sample, stored like any other, never an error or a retry. A prompt
 * blocked as a whole (`promptFeedback.blockReason`, no candidates) is a
 * {@linkcode ProviderError} with code `prompt_blocked`, not retried.
 *
 * Tokens come from `usageMetadata`: prompt tokens are `promptTokenCount`
 * (plus `toolUsePromptTokenCount`), completion tokens the candidates' and
 * the thoughts' (`thoughtsTokenCount`, also in `stats.reasoningTokens`),
 * which are billed as output; `cachedContentTokenCount` adds up in
 * `stats.cachedTokens`.
 *
 * Generation options go into `generationConfig`: `maxTokens` as
 * `maxOutputTokens`, `stop` as `stopSequences`, `seed`, `topP`, and
 * `responseFormat` `{type: "json_object"}` as `responseMimeType:
 * "application/json"`, a `json_schema` format also as `responseJsonSchema`;
 * `params` are top-level body fields (e.g. `safetySettings`), and
 * `params.generationConfig` merges into `generationConfig`. The temperature
 * goes from 0 to 2. 429 (honouring `RetryInfo.retryDelay`), 500 and 503 are
 * retried; 400 and 403 are not.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Gemini } from "../mod.ts";
 * import { modelKey } from "../cache/stores.ts";
 *
 * const model = new Gemini("gemini-2.5-flash", 1);
 * assert.equal(model.maxBatch, 8);
 * assert.equal(modelKey(model), "gemini-2.5-flash_1");
 * const short = new Gemini("gemini-2.5-flash", 1, { maxTokens: 64, stop: "\n" });
 * assert.deepEqual(short.keyOptions, {
 *   generationConfig: { maxOutputTokens: 64, stopSequences: ["\n"] },
 * });
 * assert.throws(() => new Gemini("gemini-2.5-flash", 1, { maxBatch: 9 }), RangeError);
 * ```
 */
export class Gemini extends HttpProvider {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name, e.g. `gemini-2.5-flash`.
   * @param temperature Sampling temperature, from 0 to 2.
   * @param options Batch limit, retries, generation options, budget, …
   */
  constructor(name: string, temperature: number, options: HttpProviderOptions = {}) {
    super(name, temperature, options, GENERATE);
  }
}

function fields(options: GenerationOptions, who: string): Record<string, unknown> {
  const { maxTokens, stop, seed, topP, responseFormat, params = {} } = options;
  const { generationConfig: own, ...rest } = params;
  if (own !== undefined && !isRecord(own)) {
    throw new TypeError(
      `${who}: params.generationConfig must be an object, got ${describe(own)}; ` +
        "pass e.g. { topK: 40 }",
    );
  }
  const clash = ["temperature", "candidateCount"].find((name) => isRecord(own) && name in own);
  if (clash !== undefined) {
    throw new TypeError(
      `${who}: params.generationConfig may not set ${clash}: the model sets it itself ` +
        "(the temperature is the constructor's second argument, candidateCount the batch)",
    );
  }
  const config = defined({
    maxOutputTokens: maxTokens,
    stopSequences: typeof stop === "string" ? [stop] : stop,
    seed,
    topP,
    ...formatOf(responseFormat, who),
    ...own,
  });
  return Object.keys(config).length === 0 ? rest : { ...rest, generationConfig: config };
}

function formatOf(format: Record<string, unknown> | undefined, who: string) {
  if (format === undefined || format.type === "text") return {};
  if (format.type === "json_object") return { responseMimeType: "application/json" };
  if (format.type === "json_schema" && isRecord(format.json_schema)) {
    return { responseMimeType: "application/json", responseJsonSchema: format.json_schema.schema };
  }
  throw new TypeError(
    `${who}: responseFormat ${JSON.stringify(format)} has no Gemini equivalent; use ` +
      `{ type: "json_object" }, a json_schema format, or params: { generationConfig: { … } }`,
  );
}

type Content = { role: string; parts: unknown[] };

function contentsOf(chat: Chat, who: string): Content[] {
  const contents: Content[] = [];
  chat.messages.forEach((message, k) => {
    const role = message.role === "assistant" ? "model" : "user";
    const parts = partsOf(chat, message, k, who);
    const last = contents.at(-1);
    // The results of one turn's calls go together in the turn after it.
    const joins = role === "user" && last?.role === "user" &&
      last.parts.some((p) => isRecord(p) && "functionResponse" in p);
    if (joins) last!.parts.push(...parts);
    else contents.push({ role, parts });
  });
  return contents;
}

function partsOf(chat: Chat, message: Message, k: number, who: string): unknown[] {
  const { role, content, toolCalls = [], reasoningSignature } = message;
  if (role === "tool") {
    const name = toolNameOf(chat, k, who);
    return [{ functionResponse: { name, response: responseOf(textOf(content)) } }];
  }
  const parts: Record<string, unknown>[] = typeof content === "string"
    ? (content === "" && toolCalls.length > 0 ? [] : [{ text: content }])
    : content.map((part) =>
      part.type === "text"
        ? { text: part.text }
        : { inlineData: { mimeType: part.mediaType, data: base64Of(part) } }
    );
  // A signature goes back on the part it came with: the last text part, or a call.
  const last = parts.findLast((part) => "text" in part);
  if (reasoningSignature !== undefined && last !== undefined) {
    last.thoughtSignature = reasoningSignature;
  }
  const calls = toolCalls.map((call) => ({
    functionCall: { name: call.name, args: argumentsOf(call, who) },
    ...(call.signature === undefined ? {} : { thoughtSignature: call.signature }),
  }));
  return [...parts, ...calls];
}

function textOf(content: string | Part[]): string {
  return typeof content === "string"
    ? content
    : content.flatMap((p) => p.type === "text" ? [p.text] : []).join("");
}

/** A tool's result as the object the API wants. */
function responseOf(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text);
    if (isRecord(value)) return value;
  } catch {
    // Not JSON: the text itself is the output.
  }
  return { output: text };
}

function toolsOf(chat: Chat, own: unknown): { tools?: unknown[] } {
  if (chat.tools === undefined) return {};
  const functionDeclarations = chat.tools.map(({ name, description, parameters }) => ({
    name,
    ...(description === undefined ? {} : { description }),
    parametersJsonSchema: parameters,
  }));
  // Tools set in params (e.g. Google Search) come first.
  return { tools: [...(Array.isArray(own) ? own : []), { functionDeclarations }] };
}

async function read(response: ApiResponse): Promise<ApiAnswer> {
  const body = await response.json();
  if (!isRecord(body)) throw response.fail({ code: "invalid_response" });
  const tokens = tokensOf(body.usageMetadata);
  const candidates = Array.isArray(body.candidates) ? body.candidates.filter(isRecord) : [];
  if (candidates.length === 0) {
    const feedback = isRecord(body.promptFeedback) ? body.promptFeedback : {};
    const blocked = typeof feedback.blockReason === "string" ? feedback.blockReason : undefined;
    throw response.fail({
      message: blocked === undefined
        ? "a response without candidates"
        : `the prompt was blocked (blockReason: ${blocked}); no candidate was generated`,
      code: blocked === undefined ? "invalid_response" : "prompt_blocked",
      tokens,
      hint: blocked === undefined
        ? "check baseUrl and the model name"
        : "change the prompt, or the safetySettings in params",
    });
  }
  const model = typeof body.modelVersion === "string" ? body.modelVersion : undefined;
  const replies = candidates
    .map((candidate, position) => ({ candidate, at: indexOf(candidate, position) }))
    .sort((a, b) => a.at - b.at)
    .map(({ candidate }) => replyOf(candidate, model));
  return { replies, tokens };
}

function replyOf(candidate: Record<string, unknown>, model: string | undefined): Reply {
  const content = isRecord(candidate.content) ? candidate.content : {};
  const parts = Array.isArray(content.parts) ? content.parts.filter(isRecord) : [];
  const texts = (thought: boolean) =>
    parts.flatMap((p) =>
      typeof p.text === "string" && (p.thought === true) === thought ? [p.text] : []
    )
      .join("");
  const toolCalls: ToolCall[] = parts.filter((p) => isRecord(p.functionCall)).map((p, k) => {
    const call = p.functionCall as Record<string, unknown>;
    const signature = p.thoughtSignature;
    return {
      id: typeof call.id === "string" && call.id !== "" ? call.id : `call_${k}`,
      name: typeof call.name === "string" ? call.name : "",
      arguments: JSON.stringify(call.args ?? {}),
      ...(typeof signature === "string" && signature !== "" ? { signature } : {}),
    };
  });
  const reply: Reply = { text: texts(false), toolCalls };
  const reasoning = texts(true);
  if (reasoning !== "") reply.reasoning = reasoning;
  // A signature on a part that is not a call: the model's thoughts, to send back with the text.
  const signed = parts.findLast((p) =>
    !isRecord(p.functionCall) && typeof p.thoughtSignature === "string" && p.thoughtSignature !== ""
  );
  if (signed !== undefined) reply.reasoningSignature = signed.thoughtSignature as string;
  if (typeof candidate.finishReason === "string") reply.finishReason = candidate.finishReason;
  if (model !== undefined) reply.model = model;
  return reply;
}

/** Candidate 0 may come without its index (a default value left out of the JSON). */
function indexOf(candidate: Record<string, unknown>, position: number): number {
  return typeof candidate.index === "number" ? candidate.index : position;
}

/**
 * Counts left out are 0 in this API's JSON when the rest is there: the
 * output follows from the total when no candidate tokens are reported.
 */
function tokensOf(usage: unknown) {
  if (!isRecord(usage)) return undefined;
  const { promptTokenCount: prompt, toolUsePromptTokenCount: toolUse } = usage;
  const { candidatesTokenCount: candidates, thoughtsTokenCount: thoughts } = usage;
  return {
    input: typeof prompt === "number"
      ? prompt + (typeof toolUse === "number" ? toolUse : 0)
      : undefined,
    output: typeof candidates === "number"
      ? candidates + (typeof thoughts === "number" ? thoughts : 0)
      : undefined,
    total: usage.totalTokenCount,
    reasoning: thoughts,
    cached: usage.cachedContentTokenCount,
  };
}

/** Google's error envelope: the `ErrorInfo` reason or `status` as the code, `RetryInfo`'s delay. */
function errorDetails(body: unknown) {
  const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
  if (error === undefined) return undefined;
  const details = Array.isArray(error.details) ? error.details.filter(isRecord) : [];
  const of = (type: string) => details.find((d) => String(d["@type"]).endsWith(type));
  const reason = of("google.rpc.ErrorInfo")?.reason;
  const delay = of("google.rpc.RetryInfo")?.retryDelay;
  const seconds = typeof delay === "string" ? /^(\d+(?:\.\d+)?)s$/.exec(delay)?.[1] : undefined;
  const code = [reason, error.status].find((c) => typeof c === "string" && c !== "");
  return {
    ...(typeof code === "string" ? { code } : {}),
    ...(seconds === undefined ? {} : { retryAfter: Number(seconds) * 1000 }),
  };
}
