// What every API's request needs from a prompt: the chat it stands for (a
// string is one user turn; the model's `system` option joins it), the name
// of the tool a result answers, tool arguments as an object, images as base64.

import {
  assertPrompt,
  type Chat,
  imageBytes,
  type ImagePart,
  type Prompt,
} from "../core/prompt.ts";
import type { ToolCall } from "../core/prompt.ts";
import { describe } from "../internal/validate.ts";
import { isRecord } from "./_options.ts";

/**
 * The chat `prompt` stands for, with the model's `system` option as its
 * system prompt. A chat with a system prompt of its own sent to a model
 * with a `system` option is a TypeError: neither may silently win.
 */
export function chatOf(prompt: Prompt, system: string | undefined, who: string): Chat {
  assertPrompt(prompt);
  if (typeof prompt === "string") {
    const messages: Chat["messages"] = [{ role: "user", content: prompt }];
    return system === undefined ? { messages } : { system, messages };
  }
  if (system === undefined) return prompt;
  if (prompt.system !== undefined) {
    throw new TypeError(
      `${who} has a system option and the chat has a system prompt of its own; ` +
        "set one of them: leave system out of the model's options, or out of the chat",
    );
  }
  return { ...prompt, system };
}

/**
 * The name of the tool that message `index` of `chat` (a tool result)
 * answers: the call with its `toolCallId` in the nearest assistant turn
 * before it.
 */
export function toolNameOf(chat: Chat, index: number, who: string): string {
  const id = chat.messages[index]?.toolCallId;
  for (let k = index - 1; k >= 0; k--) {
    const call = chat.messages[k]?.toolCalls?.find((c) => c.id === id);
    if (call !== undefined) return call.name;
  }
  throw new TypeError(
    `${who}: chat.messages[${index}] answers the tool call ${JSON.stringify(id)}, which no ` +
      "assistant turn before it made; this API names the tool of every result, so pass the " +
      "assistant turn with that call (toolCalls: [{ id, name, arguments }]) before it",
  );
}

/** A call's arguments as the object the API wants; a TypeError when they are not one. */
export function argumentsOf(call: ToolCall, who: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(call.arguments);
  } catch {
    value = undefined;
  }
  if (isRecord(value)) return value;
  throw new TypeError(
    `${who}: the arguments of tool call ${JSON.stringify(call.id)} (${call.name}) must be a ` +
      `JSON object to be sent to this API, got ${describe(call.arguments)}`,
  );
}

/** An image's bytes as base64 text. */
export function base64Of(part: ImagePart): string {
  if (typeof part.data === "string") {
    imageBytes(part); // checks that it is base64
    return part.data;
  }
  return part.data.toBase64();
}

/**
 * The chat's tools as OpenAI-style function tools (OpenAI-compatible servers
 * and Ollama), after the tools set in the model's params (`own`).
 */
export function toolsOf(tools: NonNullable<Chat["tools"]>, own: unknown): unknown[] {
  const functions = tools.map(({ name, description, parameters }) => ({
    type: "function",
    function: { name, ...(description === undefined ? {} : { description }), parameters },
  }));
  return [...(Array.isArray(own) ? own : []), ...functions];
}
