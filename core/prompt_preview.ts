/**
 * Prompts as people read them: a chat on one line (a preview) or as its
 * turns (a transcript), for the command line, run manifests, error messages
 * and notebook views. A chat is read from its canonical text (what
 * `prompt.txt` holds) with `chatOfText`, so a view of a store shows the same
 * as a view of the chat that was asked.
 *
 * Nothing here escapes: the command line escapes terminal controls, views
 * escape HTML.
 *
 * @module
 */

import {
  type CanonicalChat,
  type CanonicalMessage,
  chatOfText,
  type Prompt,
  promptText,
  type ToolCall,
} from "./prompt.ts";

/**
 * The chat `prompt` is, as its canonical text holds it (images by their
 * hash); `undefined` for a string prompt, and for a chat that is one user
 * message and nothing else, which is the same prompt as its text. A string
 * holding a chat's canonical text (a `prompt.txt`) is read as that chat.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatOf } from "./prompt_preview.ts";
 * import { promptText } from "./prompt.ts";
 *
 * const chat = { system: "Be brief.", messages: [{ role: "user" as const, content: "Hi" }] };
 * assert.deepEqual(chatOf(chat), chat);
 * assert.deepEqual(chatOf(promptText(chat)), chat);
 * assert.equal(chatOf("Hi"), undefined);
 * assert.equal(chatOf({ messages: [{ role: "user", content: "Hi" }] }), undefined);
 * ```
 *
 * @throws {TypeError} When `prompt` is neither a string nor a valid chat.
 */
export function chatOf(prompt: Prompt): CanonicalChat | undefined {
  return chatOfText(typeof prompt === "string" ? prompt : promptText(prompt));
}

/**
 * A tool call as code: `name(arguments)`, the arguments exactly as the
 * model wrote them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { callText } from "./prompt_preview.ts";
 *
 * assert.equal(callText({ id: "c1", name: "add", arguments: '{"a":2}' }), 'add({"a":2})');
 * ```
 */
export function callText(call: ToolCall): string {
  return `${call.name}(${call.arguments})`;
}

/**
 * A message's content as text: its string, or its parts (an image as
 * `[image <media type>]`), one after the other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { contentText } from "./prompt_preview.ts";
 *
 * assert.equal(contentText("hi"), "hi");
 * assert.equal(
 *   contentText([{ type: "text", text: "What is this?" }, { type: "image", mediaType: "image/png", sha256: "ab" }]),
 *   "What is this? [image image/png]",
 * );
 * ```
 */
export function contentText(content: CanonicalMessage["content"]): string {
  if (typeof content === "string") return content;
  return content.map((part) => part.type === "text" ? part.text : `[image ${part.mediaType}]`)
    .join(" ");
}

/**
 * One line per turn: `role: content`, an assistant's tool calls as
 * `→ name(arguments)`, a tool result as `tool: content` (its call's id is
 * left out: the transcript has it); white space runs are one space.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { turnLine } from "./prompt_preview.ts";
 *
 * assert.equal(turnLine({ role: "user", content: "What is\n2 + 2?" }), "user: What is 2 + 2?");
 * assert.equal(
 *   turnLine({ role: "assistant", content: "", toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }] }),
 *   'assistant: → add({"a":2,"b":2})',
 * );
 * assert.equal(turnLine({ role: "tool", toolCallId: "c1", content: "4" }), "tool: 4");
 * ```
 */
export function turnLine(message: CanonicalMessage): string {
  const parts = [contentText(message.content)];
  for (const call of message.toolCalls ?? []) parts.push(`→ ${callText(call)}`);
  return `${message.role}: ${oneLine(parts.filter((p) => p !== "").join(" "))}`;
}

/**
 * `prompt` on one line of at most `max` characters (code points): a string
 * as it is (line breaks as spaces); a chat as what it holds, then its turns
 * (see {@linkcode turnLine}) joined by ` › `. When a chat does not fit, its
 * first turn (the task, most often) and its last (the step an agent is at)
 * are kept, each cut with `…`, and the turns between are one `…`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptPreview } from "./prompt_preview.ts";
 *
 * assert.equal(promptPreview("Choose a number\nbetween 1 and 10."), "Choose a number between 1 and 10.");
 * assert.equal(promptPreview("abcdef", 4), "abc…");
 * const chat = {
 *   system: "You are a calculator.",
 *   tools: [{ name: "add", parameters: {} }],
 *   messages: [
 *     { role: "user" as const, content: "What is 2 + 2?" },
 *     { role: "assistant" as const, content: "", toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }] },
 *     { role: "tool" as const, toolCallId: "c1", content: "4" },
 *   ],
 * };
 * assert.equal(
 *   promptPreview(chat),
 *   '(chat: system, 1 tool, 3 turns) user: What is 2 + 2? › assistant: → add({"a":2,"b":2}) › tool: 4',
 * );
 * assert.equal(promptPreview(chat, 70), "(chat: system, 1 tool, 3 turns) user: What is 2 + 2? › … › tool: 4");
 * assert.equal(promptPreview(chat, 60), "(chat: system, 1 tool, 3 turns) user: What is… › … › tool: 4");
 * ```
 *
 * @param prompt A prompt, or a prompt's canonical text (`prompt.txt`).
 * @param max The longest preview, in characters; at least 10.
 * @returns The preview.
 * @throws {TypeError} When `prompt` is neither a string nor a valid chat.
 */
export function promptPreview(prompt: Prompt, max = 100): string {
  const chat = chatOf(prompt);
  if (chat === undefined) return cut(oneLine(promptText(prompt)), max);
  const head = `(${chatSummary(chat)}) `;
  const turns = chat.messages.map(turnLine);
  const first = turns[0]!;
  // The first turn and as many of the last turns as fit, whole.
  let tail: string[] = [];
  for (let i = turns.length - 1; i >= 1; i--) {
    const candidate = [turns[i]!, ...tail];
    if (length(joined(head, first, candidate, i > 1)) > max) break;
    tail = candidate;
  }
  if (turns.length === 1 || tail.length > 0) {
    const fits = joined(head, first, tail, tail.length < turns.length - 1);
    if (length(fits) <= max) return fits;
  }
  const room = Math.max(2, max - length(head));
  if (turns.length === 1) return head + cut(first, room);
  const between = turns.length > 2 ? " › … › " : " › ";
  const last = turns.at(-1)!;
  const lastRoom = Math.min(length(last), Math.max(1, Math.floor((room - between.length) / 2)));
  return head + cut(first, room - between.length - lastRoom) + between + cut(last, lastRoom);
}

function joined(head: string, first: string, tail: readonly string[], skipped: boolean): string {
  if (tail.length === 0) return head + first;
  return head + first + (skipped ? " › … › " : " › ") + tail.join(" › ");
}

/**
 * What a chat holds, in a few words: `chat: system, 1 tool, 3 turns`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatSummary } from "./prompt_preview.ts";
 *
 * assert.equal(chatSummary({ messages: [{ role: "user", content: "Hi" }] }), "chat: 1 turn");
 * ```
 */
export function chatSummary(chat: CanonicalChat): string {
  return "chat: " + [
    ...(chat.system === undefined ? [] : ["system"]),
    ...(chat.tools === undefined ? [] : [count(chat.tools.length, "tool")]),
    count(chat.messages.length, "turn"),
  ].join(", ");
}

/**
 * A chat as lines a person reads: the system prompt, the tools (name,
 * parameters, description), then each turn (`role: content`, an
 * assistant's tool calls as `→ name(arguments)`); a content of several
 * lines goes on indented.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatTranscript } from "./prompt_preview.ts";
 *
 * const text = chatTranscript({
 *   system: "Be brief.",
 *   tools: [{ name: "add", description: "Adds", parameters: { properties: { a: {}, b: {} } } }],
 *   messages: [
 *     { role: "user", content: "2 + 2?\nThen + 3." },
 *     { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "add", arguments: "{}" }] },
 *   ],
 * });
 * assert.equal(
 *   text,
 *   "system: Be brief.\ntools: add(a, b): Adds\nuser: 2 + 2?\n  Then + 3.\nassistant: → add({}) (c1)",
 * );
 * ```
 */
export function chatTranscript(chat: CanonicalChat): string {
  const lines: string[] = [];
  const add = (label: string, text: string) =>
    lines.push(`${label}: ${text.split("\n").join("\n  ")}`);
  if (chat.system !== undefined) add("system", chat.system);
  for (const tool of chat.tools ?? []) {
    add("tools", toolSignature(tool) + (tool.description ? `: ${tool.description}` : ""));
  }
  for (const message of chat.messages) {
    const who = message.role === "tool" ? `tool (${message.toolCallId})` : message.role;
    const text = [
      contentText(message.content),
      ...(message.toolCalls ?? []).map((call) => `→ ${callText(call)} (${call.id})`),
    ].filter((t) => t !== "").join("\n");
    add(who, text);
  }
  return lines.join("\n");
}

/**
 * A tool's name and the names of its parameters (the properties of its
 * JSON Schema), as a signature: `add(a, b)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toolSignature } from "./prompt_preview.ts";
 *
 * assert.equal(toolSignature({ name: "now", parameters: { type: "object" } }), "now()");
 * ```
 */
export function toolSignature(tool: { name: string; parameters: object }): string {
  const properties = (tool.parameters as { properties?: unknown }).properties;
  const names = typeof properties === "object" && properties !== null
    ? Object.keys(properties)
    : [];
  return `${tool.name}(${names.join(", ")})`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

function length(text: string): number {
  return [...text].length;
}

function cut(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, Math.max(0, max - 1)).join("") + "…";
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
