// Prompts between this library and the AI SDK, both ways: a chat as the
// prompt and tools of a language model call (fromAiSdk), and a call as the
// prompt and key options it is cached under (cacheMiddleware). Types only
// from the AI SDK.

import type {
  LanguageModelV4CallOptions,
  LanguageModelV4FunctionTool,
  LanguageModelV4Message,
  LanguageModelV4Prompt,
} from "@ai-sdk/provider";
import {
  canonicalJson,
  type Chat,
  imageBytes,
  type Message,
  type Part,
  promptText,
  type Tool,
  type ToolCall,
} from "../core/prompt.ts";
import { sha256HexOfBytes } from "../internal/sha256.ts";
import { argumentsOf, toolNameOf } from "../providers/transport.ts";

/** A chat as a language model call's prompt: consecutive tool results in one tool message. */
export function promptOf(chat: Chat, who: string): LanguageModelV4Prompt {
  const prompt: LanguageModelV4Prompt = [];
  if (chat.system !== undefined) prompt.push({ role: "system", content: chat.system });
  chat.messages.forEach((message, k) => {
    if (message.role === "tool") {
      const result = {
        type: "tool-result" as const,
        toolCallId: message.toolCallId!,
        toolName: toolNameOf(chat, k, who),
        output: { type: "text" as const, value: textOf(message.content) },
      };
      const last = prompt.at(-1);
      if (last?.role === "tool") last.content.push(result);
      else prompt.push({ role: "tool", content: [result] });
    } else if (message.role === "user") {
      prompt.push({ role: "user", content: partsOf(message.content) });
    } else {
      const calls = (message.toolCalls ?? []).map((call) => ({
        type: "tool-call" as const,
        toolCallId: call.id,
        toolName: call.name,
        input: argumentsOf(call, who),
      }));
      const text = message.content === "" ? [] : partsOf(message.content);
      prompt.push({ role: "assistant", content: [...text, ...calls] });
    }
  });
  return prompt;
}

/** A chat's tools as function tools. */
export function toolsOf(chat: Chat): LanguageModelV4FunctionTool[] | undefined {
  return chat.tools?.map(({ name, description, parameters }) => ({
    type: "function",
    name,
    ...(description === undefined ? {} : { description }),
    inputSchema: parameters,
  }));
}

function partsOf(content: string | Part[]) {
  if (typeof content === "string") return [{ type: "text" as const, text: content }];
  return content.map((part) =>
    part.type === "text" ? { type: "text" as const, text: part.text } : {
      type: "file" as const,
      mediaType: part.mediaType,
      data: { type: "data" as const, data: imageBytes(part) },
    }
  );
}

function textOf(content: string | Part[]): string {
  return typeof content === "string"
    ? content
    : content.flatMap((p) => p.type === "text" ? [p.text] : []).join("");
}

/** The first line of the cache identity of a call that no chat stands for. */
export const CALL_HEADER = "llm-cache ai-sdk call v1\n";

/** What a call is cached under: its prompt's canonical text and the settings that join the key. */
export interface CallIdentity {
  /** The canonical text of the call's prompt and tools. */
  prompt: string;
  /** Every other setting that changes the output. */
  keyOptions: Record<string, unknown>;
}

/**
 * The cache identity of a language model call. The prompt and tools are a
 * chat's canonical text when a chat can say exactly what the call sends
 * (one leading system message, text and inline images in user turns, text
 * then tool calls in assistant turns, text tool results, plain function
 * tools, no provider options on any of them), so that a lone user message
 * is the same prompt as its text; else `llm-cache ai-sdk call v1`, a
 * newline, and the canonical JSON of `{prompt, tools}` with every byte
 * array replaced by its SHA-256. Every other setting that changes the
 * output is a key option (`toolChoice: "auto"`, the default, is left out);
 * the abort signal, the headers and raw chunks are not. A call without a
 * temperature has the key option `temperature: "provider default"`.
 */
export function callIdentity(params: LanguageModelV4CallOptions): CallIdentity {
  const { prompt, tools, abortSignal: _a, headers: _h, includeRawChunks: _r, ...settings } = params;
  const chat = chatOf(prompt, tools);
  const text = chat === undefined
    ? CALL_HEADER + canonicalJson(hashed({ prompt, tools }))
    : promptText(chat);
  const { temperature, toolChoice, ...rest } = settings;
  // "auto" is what a call without a toolChoice means (generateText always sends it).
  const choice = toolChoice?.type === "auto" ? {} : { toolChoice };
  const keyOptions = JSON.parse(JSON.stringify(hashed({ ...rest, ...choice })));
  if (temperature === undefined) keyOptions.temperature = "provider default";
  return { prompt: text, keyOptions };
}

/** `value` with every byte array replaced by `{ sha256 }` of its bytes. */
function hashed(value: unknown): unknown {
  if (value instanceof Uint8Array) return { sha256: sha256HexOfBytes(value) };
  if (Array.isArray(value)) return value.map(hashed);
  if (typeof value !== "object" || value === null || value instanceof URL) return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hashed(v)]));
}

/** The chat a call's prompt and tools are exactly, or undefined when none is. */
function chatOf(
  prompt: LanguageModelV4Prompt,
  tools: LanguageModelV4CallOptions["tools"],
): Chat | undefined {
  const chat: Chat = { messages: [] };
  for (const [k, message] of prompt.entries()) {
    if (message.providerOptions !== undefined) return undefined;
    if (message.role === "system") {
      if (k !== 0) return undefined;
      chat.system = message.content;
      continue;
    }
    const turns = turnsOf(message);
    if (turns === undefined) return undefined;
    chat.messages.push(...turns);
  }
  if (chat.messages.length === 0) return undefined;
  if (tools !== undefined && tools.length > 0) {
    const plain = tools.map(plainTool);
    if (plain.some((tool) => tool === undefined)) return undefined;
    chat.tools = plain as Tool[];
  }
  return chat;
}

function turnsOf(
  message: Exclude<LanguageModelV4Message, { role: "system" }>,
): Message[] | undefined {
  const parts = message.content as { type: string; providerOptions?: unknown }[];
  if (parts.some((part) => part.providerOptions !== undefined)) return undefined;
  if (message.role === "tool") {
    const turns: Message[] = [];
    for (const part of message.content) {
      if (part.type !== "tool-result" || part.output.type !== "text") return undefined;
      turns.push({ role: "tool", toolCallId: part.toolCallId, content: part.output.value });
    }
    return turns;
  }
  const content: Part[] = [];
  const toolCalls: ToolCall[] = [];
  for (const part of message.content) {
    if (part.type === "text" && toolCalls.length === 0) {
      content.push({ type: "text", text: part.text });
    } else if (part.type === "tool-call" && part.providerExecuted !== true) {
      toolCalls.push({
        id: part.toolCallId,
        name: part.toolName,
        arguments: JSON.stringify(part.input),
      });
    } else if (part.type === "file" && message.role === "user") {
      const image = imageOf(part.mediaType, part.data);
      if (image === undefined) return undefined;
      content.push(image);
    } else return undefined;
  }
  if (message.role === "user" && toolCalls.length > 0) return undefined;
  const text = content.length === 1 && content[0]!.type === "text" ? content[0]!.text : content;
  const turn: Message = { role: message.role, content: content.length === 0 ? "" : text };
  if (toolCalls.length > 0) turn.toolCalls = toolCalls;
  return [turn];
}

function imageOf(mediaType: string, data: unknown): Part | undefined {
  const inline = data as { type?: string; data?: unknown };
  if (!/^image\/[\w.+-]+$/.test(mediaType) || inline.type !== "data") return undefined;
  const bytes = inline.data;
  if (!(bytes instanceof Uint8Array) && typeof bytes !== "string") return undefined;
  try {
    const part: Part = { type: "image", mediaType, data: bytes };
    imageBytes(part);
    return part;
  } catch {
    return undefined; // not base64: the call's own form keeps it exactly
  }
}

function plainTool(
  tool: NonNullable<LanguageModelV4CallOptions["tools"]>[number],
): Tool | undefined {
  if (tool.type !== "function") return undefined;
  const { type: _, name, description, inputSchema, ...extras } = tool;
  if (Object.values(extras).some((v) => v !== undefined)) return undefined;
  return { name, ...(description === undefined ? {} : { description }), parameters: inputSchema };
}
