/**
 * Prompts: a string, or a chat (a system prompt, turns, tool calls and
 * tools), and the one canonical text that is a prompt's cache identity.
 *
 * The canonical form, field by field (what {@linkcode promptText} returns
 * and what `promptHash` hashes):
 *
 * - A string prompt is itself, byte for byte (the Python original's key).
 * - A chat that is exactly one user message whose content is a string, with
 *   no `system` and no tools (absent, or an empty list), is that string: the
 *   same prompt, folder and samples as its text.
 * - Any other chat is the line `llm-cache chat v1`, a newline, then one line
 *   of JSON with the keys sorted at every level and no spaces:
 *   - `messages`: each message with `role`, `content`, `toolCalls` (each
 *     `{arguments, id, name}` and its `signature` when it has one,
 *     `arguments` the JSON text exactly as given; left out when empty),
 *     `toolCallId` (left out when absent), and, for an assistant turn,
 *     `reasoning` and `reasoningSignature` (left out when absent: the
 *     reasoning a reply showed, and the provider's signature of it, which
 *     Anthropic's extended thinking and Gemini's thinking models verify
 *     when a tool loop sends them back; see `messageOf`);
 *     `content` is the string as given, or a list of parts: a text part
 *     `{text, type: "text"}`, an image part `{mediaType, sha256, type:
 *     "image"}` (the SHA-256 of the image's bytes, never its bytes or a
 *     URL); a list of exactly one text part is its string;
 *   - `system`: the system prompt, exactly as given (left out when absent);
 *   - `tools`: each tool's `{description, name, parameters}` in the given
 *     order, `parameters` the JSON Schema with its keys sorted (left out when
 *     there are none; `description` when absent).
 *
 * Strings are kept exactly (no trimming, no Unicode normalisation); property
 * order does not matter; `undefined` fields count as absent. An unknown field
 * is a TypeError (a typo such as `sytem` must not silently change nothing),
 * and so is a chat that could not be sent (no messages, a tool result without
 * `toolCallId`).
 *
 * @module
 */

import { sha256HexOfBytes } from "../internal/sha256.ts";
import { assertText, describe, isPromise } from "../internal/validate.ts";

/** What a model is asked: a string, or a {@linkcode Chat}. */
export type Prompt = string | Chat;

/**
 * A conversation: an optional system prompt, the turns so far, and the tools
 * the model may call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Chat, promptText } from "./prompt.ts";
 *
 * const chat: Chat = { system: "Be brief.", messages: [{ role: "user", content: "Hi" }] };
 * assert.ok(promptText(chat).startsWith("llm-cache chat v1\n"));
 * ```
 */
export interface Chat {
  /** The system prompt, when there is one. */
  system?: string | undefined;
  /** The turns, oldest first; at least one. */
  messages: Message[];
  /** The tools the model may call. */
  tools?: Tool[] | undefined;
}

/** One turn of a {@linkcode Chat}. */
export interface Message {
  /** Who speaks: the user, the model (`assistant`), or a tool's result (`tool`). */
  role: "user" | "assistant" | "tool";
  /** The text, or parts (text and images; images in user turns only). */
  content: string | Part[];
  /** The tools an assistant turn called. */
  toolCalls?: ToolCall[] | undefined;
  /** Which call a `tool` turn answers (the call's `id`). */
  toolCallId?: string | undefined;
  /**
   * An assistant turn's reasoning, as its reply showed it: sent back to the
   * APIs that take it (Anthropic, with its signature).
   */
  reasoning?: string | undefined;
  /**
   * The provider's signature of an assistant turn's reasoning (Anthropic's
   * `thinking` block signature, Gemini's `thoughtSignature` on a text part):
   * sent back so that the provider can verify it.
   */
  reasoningSignature?: string | undefined;
}

/** A part of a message's content: text, or an image. */
export type Part = TextPart | ImagePart;

/** Text in a message's content. */
export interface TextPart {
  /** The kind of part. */
  type: "text";
  /** The text. */
  text: string;
}

/** An image in a user message; part of the key by the SHA-256 of its bytes. */
export interface ImagePart {
  /** The kind of part. */
  type: "image";
  /** Its media type, e.g. `image/png`. */
  mediaType: string;
  /** Its bytes, or the bytes as base64 text. */
  data: Uint8Array | string;
}

/** A tool the model may call. */
export interface Tool {
  /** The tool's name, as calls name it. */
  name: string;
  /** What it does, for the model. */
  description?: string | undefined;
  /** Its arguments, as a JSON Schema object. */
  parameters: object;
}

/** A call of a tool, as a model made it. */
export interface ToolCall {
  /** The call's id, which a `tool` message's `toolCallId` answers. */
  id: string;
  /** The tool's name. */
  name: string;
  /** The arguments: JSON text exactly as received (it may not even parse). */
  arguments: string;
  /**
   * The provider's signature of the call, when it sent one (Gemini's
   * `thoughtSignature` on a `functionCall` part): sent back with the call in
   * the next turn, which Gemini 3 models require.
   */
  signature?: string | undefined;
}

/** The first line of a chat's canonical text. */
export const CHAT_HEADER = "llm-cache chat v1\n";

/**
 * Whether `prompt` is a chat (not a string).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isChat } from "./prompt.ts";
 *
 * assert.equal(isChat("hi"), false);
 * assert.equal(isChat({ messages: [{ role: "user", content: "hi" }] }), true);
 * ```
 */
export function isChat(prompt: Prompt): prompt is Chat {
  return typeof prompt !== "string";
}

/**
 * The canonical text of a prompt: its cache identity (see the module doc).
 * `prompt.txt` in a cache folder holds it, and `promptHash` hashes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptText } from "./prompt.ts";
 *
 * // A lone user message is its text.
 * assert.equal(promptText({ messages: [{ role: "user", content: "Hi" }] }), "Hi");
 * // Property order does not matter.
 * assert.equal(
 *   promptText({ messages: [{ content: "Hi", role: "user" }], system: "Be brief." }),
 *   promptText({ system: "Be brief.", messages: [{ role: "user", content: "Hi" }] }),
 * );
 * ```
 *
 * @throws {TypeError} When `prompt` is neither a string nor a valid chat.
 */
export function promptText(prompt: Prompt): string {
  if (typeof prompt === "string") {
    assertText("prompt", prompt);
    return prompt;
  }
  // Not a chat's shape: the error that says what it is instead.
  if (typeof prompt !== "object" || prompt === null || Array.isArray(prompt) || isPromise(prompt)) {
    assertPrompt(prompt);
  }
  const chat = canonicalChat(prompt);
  const only = chat.messages[0];
  if (
    chat.messages.length === 1 && only !== undefined && only.role === "user" &&
    typeof only.content === "string" && Object.keys(only).length === 2 &&
    chat.system === undefined && chat.tools === undefined
  ) {
    return only.content;
  }
  return CHAT_HEADER + canonicalJson(chat);
}

/**
 * The chat a canonical text holds, for views (images by their hash only);
 * `undefined` for a string prompt's text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatOfText, promptText } from "./prompt.ts";
 *
 * const chat = { system: "S", messages: [{ role: "user" as const, content: "Hi" }] };
 * assert.deepEqual(chatOfText(promptText(chat)), chat);
 * assert.equal(chatOfText("Hi"), undefined);
 * ```
 */
export function chatOfText(text: string): CanonicalChat | undefined {
  if (!text.startsWith(CHAT_HEADER)) return undefined;
  try {
    const value = JSON.parse(text.slice(CHAT_HEADER.length));
    return typeof value === "object" && value !== null && Array.isArray(value.messages)
      ? value as CanonicalChat
      : undefined;
  } catch {
    return undefined;
  }
}

/** A chat as its canonical text holds it: images by their hash. */
export interface CanonicalChat {
  /** The system prompt, when there is one. */
  readonly system?: string;
  /** The turns. */
  readonly messages: readonly CanonicalMessage[];
  /** The tools. */
  readonly tools?: readonly Tool[];
}

/** A message as a chat's canonical text holds it. */
export interface CanonicalMessage {
  /** Who speaks. */
  readonly role: Message["role"];
  /** The text, or parts (images by their hash). */
  readonly content: string | readonly CanonicalPart[];
  /** The tools an assistant turn called. */
  readonly toolCalls?: readonly ToolCall[];
  /** Which call a `tool` turn answers. */
  readonly toolCallId?: string;
  /** An assistant turn's reasoning. */
  readonly reasoning?: string;
  /** The provider's signature of that reasoning. */
  readonly reasoningSignature?: string;
}

/** A part as a chat's canonical text holds it. */
export type CanonicalPart =
  | { readonly type: "text"; readonly text: string }
  | { readonly type: "image"; readonly mediaType: string; readonly sha256: string };

/**
 * Throws unless `prompt` is a string or a valid chat, saying what is wrong.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertPrompt } from "./prompt.ts";
 *
 * assert.throws(() => assertPrompt({ messages: [] }), /at least one message/);
 * assertPrompt("hi");
 * ```
 */
export function assertPrompt(prompt: unknown): asserts prompt is Prompt {
  if (isPromise(prompt)) {
    throw new TypeError(
      "prompt must be a string or a chat, got a Promise: did you forget await? " +
        "(pass the prompt itself, e.g. sample(await makePrompt()))",
    );
  }
  if (typeof prompt === "string") assertText("prompt", prompt);
  else if (typeof prompt === "object" && prompt !== null && !Array.isArray(prompt)) {
    canonicalChat(prompt as Chat);
  } else {
    const got = Array.isArray(prompt) ? "an array" : describe(prompt);
    throw new TypeError(
      `prompt must be a string or a chat ({ messages: [...] }), got ${got}; ` +
        `pass the prompt text, or e.g. { messages: [{ role: "user", content: "Hi" }] }`,
    );
  }
}

function canonicalChat(chat: Chat): CanonicalChat {
  known("chat", chat, ["system", "messages", "tools"]);
  const { system, messages, tools } = chat;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new TypeError(
      `a chat needs at least one message, got messages: ${describe(messages)}; ` +
        `pass e.g. { messages: [{ role: "user", content: "Hi" }] }`,
    );
  }
  if (system !== undefined) assertText("chat.system", system);
  const out: { system?: string; messages: CanonicalMessage[]; tools?: Tool[] } = {
    messages: messages.map(canonicalMessage),
  };
  if (system !== undefined) out.system = system;
  if (tools !== undefined) {
    if (!Array.isArray(tools)) {
      throw new TypeError(`chat.tools must be a list of tools, got ${describe(tools)}`);
    }
    if (tools.length > 0) out.tools = tools.map(canonicalTool);
  }
  return out;
}

const ROLES = new Set(["user", "assistant", "tool"]);

function canonicalMessage(message: Message, i: number): CanonicalMessage {
  const where = `chat.messages[${i}]`;
  known(where, message, [
    "role",
    "content",
    "toolCalls",
    "toolCallId",
    "reasoning",
    "reasoningSignature",
  ]);
  const { role, content, toolCalls, toolCallId } = message;
  if (!ROLES.has(role)) {
    throw new TypeError(
      `${where}.role must be "user", "assistant" or "tool", got ${describe(role)} ` +
        `(the system prompt is chat.system)`,
    );
  }
  const out: {
    role: Message["role"];
    content: string | CanonicalPart[];
    toolCalls?: ToolCall[];
    toolCallId?: string;
    reasoning?: string;
    reasoningSignature?: string;
  } = { role, content: canonicalContent(where, role, content) };
  if (toolCalls !== undefined) {
    if (!Array.isArray(toolCalls)) {
      throw new TypeError(`${where}.toolCalls must be a list, got ${describe(toolCalls)}`);
    }
    if (toolCalls.length > 0 && role !== "assistant") {
      throw new TypeError(`${where}: only an assistant message calls tools, not a ${role} one`);
    }
    if (toolCalls.length > 0) {
      out.toolCalls = toolCalls.map((call, k) => canonicalCall(`${where}.toolCalls[${k}]`, call));
    }
  }
  if (role === "tool") {
    if (typeof toolCallId !== "string" || toolCallId === "") {
      throw new TypeError(
        `${where} is a tool result and needs toolCallId, the id of the call it answers; ` +
          `got ${describe(toolCallId)}`,
      );
    }
  } else if (toolCallId !== undefined) {
    throw new TypeError(`${where}: only a tool message has a toolCallId, not a ${role} one`);
  }
  if (toolCallId !== undefined) {
    assertText(`${where}.toolCallId`, toolCallId);
    out.toolCallId = toolCallId;
  }
  for (const field of ["reasoning", "reasoningSignature"] as const) {
    const value = message[field];
    if (value === undefined) continue;
    if (role !== "assistant") {
      throw new TypeError(`${where}: only an assistant message has ${field}, not a ${role} one`);
    }
    assertText(`${where}.${field}`, value);
    out[field] = value;
  }
  return out;
}

function canonicalContent(
  where: string,
  role: Message["role"],
  content: Message["content"],
): string | CanonicalPart[] {
  if (typeof content === "string") {
    assertText(`${where}.content`, content);
    return content;
  }
  if (!Array.isArray(content)) {
    throw new TypeError(
      `${where}.content must be a string or a list of parts, got ${describe(content)}`,
    );
  }
  const parts = content.map((part, k) => canonicalPart(`${where}.content[${k}]`, role, part));
  const only = parts[0];
  return parts.length === 1 && only?.type === "text" ? only.text : parts;
}

function canonicalPart(where: string, role: Message["role"], part: Part): CanonicalPart {
  if (typeof part !== "object" || part === null) {
    throw new TypeError(`${where} must be a part ({ type: "text", text }), got ${describe(part)}`);
  }
  if (part.type === "text") {
    known(where, part, ["type", "text"]);
    assertText(`${where}.text`, part.text);
    return { type: "text", text: part.text };
  }
  if (part.type === "image") {
    known(where, part, ["type", "mediaType", "data"]);
    if (role !== "user") {
      throw new TypeError(`${where}: images go in user messages only, not in a ${role} one`);
    }
    if (typeof part.mediaType !== "string" || !/^image\/[\w.+-]+$/.test(part.mediaType)) {
      throw new TypeError(
        `${where}.mediaType must be an image media type such as "image/png", got ` +
          describe(part.mediaType),
      );
    }
    return { type: "image", mediaType: part.mediaType, sha256: sha256HexOfBytes(imageBytes(part)) };
  }
  throw new TypeError(
    `${where}.type must be "text" or "image", got ${describe((part as { type?: unknown }).type)}`,
  );
}

/**
 * The bytes of an image part (its `data`, decoded when it is base64 text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageBytes } from "./prompt.ts";
 *
 * assert.deepEqual(imageBytes({ type: "image", mediaType: "image/png", data: "AAE=" }), new Uint8Array([0, 1]));
 * ```
 *
 * @throws {TypeError} When `data` is neither bytes nor base64 text.
 */
export function imageBytes(part: ImagePart): Uint8Array {
  const { data } = part;
  if (data instanceof Uint8Array) return data;
  if (typeof data === "string" && /^[A-Za-z0-9+/]*={0,2}$/.test(data) && data.length % 4 === 0) {
    const binary = atob(data);
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }
  throw new TypeError(
    `an image's data must be its bytes (a Uint8Array) or base64 text, got ${describe(data)}`,
  );
}

function canonicalCall(where: string, call: ToolCall): ToolCall {
  known(where, call, ["id", "name", "arguments", "signature"]);
  assertText(`${where}.id`, call.id);
  assertText(`${where}.name`, call.name);
  assertText(`${where}.arguments`, call.arguments);
  const out: ToolCall = { id: call.id, name: call.name, arguments: call.arguments };
  if (call.signature !== undefined) {
    assertText(`${where}.signature`, call.signature);
    out.signature = call.signature;
  }
  return out;
}

function canonicalTool(tool: Tool, i: number): Tool {
  const where = `chat.tools[${i}]`;
  known(where, tool, ["name", "description", "parameters"]);
  assertText(`${where}.name`, tool.name);
  if (tool.name === "") throw new TypeError(`${where}.name must not be empty`);
  if (tool.description !== undefined) assertText(`${where}.description`, tool.description);
  const { parameters } = tool;
  if (typeof parameters !== "object" || parameters === null || Array.isArray(parameters)) {
    throw new TypeError(
      `${where}.parameters must be a JSON Schema object, got ${describe(parameters)}; ` +
        `e.g. { type: "object", properties: {} }`,
    );
  }
  const out: Tool = { name: tool.name, parameters };
  if (tool.description !== undefined) out.description = tool.description;
  return out;
}

function known(where: string, value: unknown, fields: readonly string[]): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} must be an object, got ${describe(value)}`);
  }
  for (const key of Object.keys(value)) {
    if (!fields.includes(key) && (value as Record<string, unknown>)[key] !== undefined) {
      throw new TypeError(
        `${where} has an unknown field ${JSON.stringify(key)}; the fields are ` +
          `${fields.join(", ")} (a field the cache does not know would change nothing it sends)`,
      );
    }
  }
}

/**
 * JSON with the keys of every object sorted and no spaces: one text for
 * equal values, whatever their property order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canonicalJson } from "./prompt.ts";
 *
 * assert.equal(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] }), '{"a":[{"c":3,"d":2}],"b":1}');
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) sorted[k] = v[k];
    return sorted;
  });
}
