// How the engine holds a prompt: its canonical text is the key of every
// per-prompt map (a string prompt is its own key, at no cost), and a chat
// is copied once, when its sequence is made, to be sent from then on.
//
// Why a copy: an agent grows its conversation by pushing to the same
// `messages` array. The sequence of the chat as it was must keep sending
// that chat on its next miss, never the grown one, which has another key.

import { assertPrompt as assertText } from "../internal/validate.ts";
import {
  type Chat,
  type Message,
  type Part,
  type Prompt,
  promptText,
  type Tool,
} from "./prompt.ts";

/**
 * The key of `prompt`: a string checked as before (no copy, no
 * allocation), a chat's canonical text.
 */
export function promptKey(prompt: Prompt): string {
  if (typeof prompt === "string") {
    assertText(prompt);
    return prompt;
  }
  return promptText(prompt);
}

/**
 * `prompt` as it is to be sent from now on: a string itself, a chat copied
 * (checked already: only its known fields are copied; a tool's parameters as
 * the JSON they are sent as).
 */
export function promptToSend(prompt: Prompt): Prompt {
  return typeof prompt === "string" ? prompt : copyOfChat(prompt);
}

function copyOfChat(chat: Chat): Chat {
  const copy: Chat = { messages: chat.messages.map(copyOfMessage) };
  if (chat.system !== undefined) copy.system = chat.system;
  if (chat.tools !== undefined) copy.tools = chat.tools.map(copyOfTool);
  return copy;
}

function copyOfMessage(message: Message): Message {
  const { role, content, toolCalls, toolCallId, reasoning, reasoningSignature } = message;
  const copy: Message = {
    role,
    content: typeof content === "string" ? content : content.map(copyOfPart),
  };
  if (toolCalls !== undefined) copy.toolCalls = toolCalls.map((call) => ({ ...call }));
  if (toolCallId !== undefined) copy.toolCallId = toolCallId;
  if (reasoning !== undefined) copy.reasoning = reasoning;
  if (reasoningSignature !== undefined) copy.reasoningSignature = reasoningSignature;
  return copy;
}

function copyOfPart(part: Part): Part {
  if (part.type === "text") return { type: "text", text: part.text };
  const data = part.data instanceof Uint8Array ? part.data.slice() : part.data;
  return { type: "image", mediaType: part.mediaType, data };
}

function copyOfTool({ name, description, parameters }: Tool): Tool {
  const copy: Tool = { name, parameters: JSON.parse(JSON.stringify(parameters)) };
  if (description !== undefined) copy.description = description;
  return copy;
}
