// An AI SDK language model's answer and this library's reply, both ways:
// the reply a generate result stands for, and the generate result (or
// stream) a reply is served as. Types only from the AI SDK.

import type {
  LanguageModelV4FinishReason,
  LanguageModelV4GenerateResult,
  LanguageModelV4StreamPart,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import type { Reply } from "../core/reply.ts";

/**
 * The reply of a generate result: its text parts joined, its reasoning
 * parts joined by blank lines, the tool calls the caller is to run (not the
 * provider-executed ones), the finish reason in the provider's own word (the
 * unified one when it gave none) and the model that answered.
 */
export function replyOfResult(result: LanguageModelV4GenerateResult): Reply {
  const content = Array.isArray(result?.content) ? result.content : [];
  const text = content.flatMap((part) => part.type === "text" ? [part.text] : []).join("");
  const reasoning = content.flatMap((part) => part.type === "reasoning" ? [part.text] : []);
  const toolCalls = content.flatMap((part) =>
    part.type === "tool-call" && part.providerExecuted !== true
      ? [{ id: part.toolCallId, name: part.toolName, arguments: part.input }]
      : []
  );
  const reply: Reply = { text, toolCalls };
  if (reasoning.length > 0) reply.reasoning = reasoning.join("\n\n");
  const finish = result.finishReason?.raw ?? result.finishReason?.unified;
  if (typeof finish === "string") reply.finishReason = finish;
  if (typeof result.response?.modelId === "string") reply.model = result.response.modelId;
  return reply;
}

/** The counts of a result's usage, as `ApiTokens` names them. */
export function tokensOfUsage(usage: LanguageModelV4Usage | undefined) {
  return {
    input: usage?.inputTokens?.total,
    output: usage?.outputTokens?.total,
    reasoning: usage?.outputTokens?.reasoning,
    cached: usage?.inputTokens?.cacheRead,
  };
}

/** The usage of a served sample: what this call spent is not known (the cache's figures say). */
const UNKNOWN_USAGE: LanguageModelV4Usage = {
  inputTokens: {
    total: undefined,
    noCache: undefined,
    cacheRead: undefined,
    cacheWrite: undefined,
  },
  outputTokens: { total: undefined, text: undefined, reasoning: undefined },
};

/** The AI SDK's own finish reason for a provider's word. */
const UNIFIED: Record<string, LanguageModelV4FinishReason["unified"]> = {
  stop: "stop",
  end_turn: "stop",
  STOP: "stop",
  eos: "stop",
  stop_sequence: "stop",
  length: "length",
  max_tokens: "length",
  MAX_TOKENS: "length",
  content_filter: "content-filter",
  "content-filter": "content-filter",
  SAFETY: "content-filter",
  tool_calls: "tool-calls",
  "tool-calls": "tool-calls",
  tool_use: "tool-calls",
  error: "error",
};

/**
 * The finish reason of a reply: the provider's word as `raw`, and the AI
 * SDK's unified one (`other` when the word is unknown or was not kept).
 */
export function finishOf(reply: Reply): LanguageModelV4FinishReason {
  const raw = reply.finishReason;
  const unified = raw === undefined ? undefined : UNIFIED[raw];
  if (unified !== undefined) return { unified, raw };
  return { unified: reply.toolCalls.length > 0 ? "tool-calls" : "other", raw };
}

/** A reply as the result of a generate call. */
export function resultOfReply(reply: Reply): LanguageModelV4GenerateResult {
  return {
    content: [
      ...(reply.reasoning === undefined
        ? []
        : [{ type: "reasoning" as const, text: reply.reasoning }]),
      ...(reply.text === "" ? [] : [{ type: "text" as const, text: reply.text }]),
      ...reply.toolCalls.map((call) => ({
        type: "tool-call" as const,
        toolCallId: call.id,
        toolName: call.name,
        input: call.arguments,
      })),
    ],
    finishReason: finishOf(reply),
    usage: UNKNOWN_USAGE,
    ...(reply.model === undefined ? {} : { response: { modelId: reply.model } }),
    warnings: [],
  };
}

/** A reply as the stream of a stream call: each part whole, in one chunk. */
export function streamOfReply(reply: Reply): ReadableStream<LanguageModelV4StreamPart> {
  const parts: LanguageModelV4StreamPart[] = [{ type: "stream-start", warnings: [] }];
  if (reply.model !== undefined) parts.push({ type: "response-metadata", modelId: reply.model });
  if (reply.reasoning !== undefined) {
    parts.push(
      { type: "reasoning-start", id: "reasoning-0" },
      { type: "reasoning-delta", id: "reasoning-0", delta: reply.reasoning },
      { type: "reasoning-end", id: "reasoning-0" },
    );
  }
  if (reply.text !== "") {
    parts.push(
      { type: "text-start", id: "text-0" },
      { type: "text-delta", id: "text-0", delta: reply.text },
      { type: "text-end", id: "text-0" },
    );
  }
  for (const call of reply.toolCalls) {
    parts.push({
      type: "tool-call",
      toolCallId: call.id,
      toolName: call.name,
      input: call.arguments,
    });
  }
  parts.push({ type: "finish", finishReason: finishOf(reply), usage: UNKNOWN_USAGE });
  return ReadableStream.from(parts);
}
