// Where two chats differ, said in their terms (the system prompt, the
// tools, turn 3's content) rather than as a character of their canonical
// JSON: for a replication miss whose closest recorded prompt is a chat.

import { type CanonicalChat, canonicalJson, type CanonicalMessage } from "../core/prompt.ts";
import { callText, contentText } from "../core/prompt_preview.ts";
import { whereTheyDiffer } from "./_edit_distance.ts";

/**
 * Where the recorded chat and the asked one differ: the first part that
 * does, with the differing text of each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chatDifference } from "./_chat_difference.ts";
 *
 * const recorded = { messages: [{ role: "user" as const, content: "Add 2 and 3." }] };
 * const asked = { messages: [{ role: "user" as const, content: "Add 2 and 4." }] };
 * assert.equal(
 *   chatDifference(recorded, asked),
 *   'in turn 1 (user), at character 11: recorded "Add 2 and 3.", asked "Add 2 and 4."',
 * );
 * ```
 */
export function chatDifference(recorded: CanonicalChat, asked: CanonicalChat): string {
  if (recorded.system !== asked.system) {
    return `in the system prompt, ${textDifference(recorded.system, asked.system)}`;
  }
  if (canonicalJson(recorded.tools ?? []) !== canonicalJson(asked.tools ?? [])) {
    const names = (chat: CanonicalChat) => (chat.tools ?? []).map((t) => t.name).join(", ");
    return `in the tools: recorded ${names(recorded) || "none"}, asked ${names(asked) || "none"}` +
      (names(recorded) === names(asked) ? " (their descriptions or parameters differ)" : "");
  }
  const turns = Math.max(recorded.messages.length, asked.messages.length);
  for (let i = 0; i < turns; i++) {
    const [a, b] = [recorded.messages[i], asked.messages[i]];
    if (a === undefined || b === undefined) {
      return `recorded ${count(recorded.messages.length)}, asked ${count(asked.messages.length)}`;
    }
    if (canonicalJson(a) !== canonicalJson(b)) return `in turn ${i + 1} ${turnDifference(a, b)}`;
  }
  return "nowhere: they are the same chat";
}

function turnDifference(a: CanonicalMessage, b: CanonicalMessage): string {
  if (a.role !== b.role) return `: recorded a ${a.role} turn, asked a ${b.role} one`;
  const [textA, textB] = [contentText(a.content), contentText(b.content)];
  if (textA !== textB) return `(${a.role}), ${textDifference(textA, textB)}`;
  const calls = (m: CanonicalMessage) => (m.toolCalls ?? []).map(callText).join(" ") || "none";
  if (calls(a) !== calls(b)) {
    return `(${a.role}), in its tool calls: recorded ${calls(a)}, asked ${calls(b)}`;
  }
  return `(${a.role}), in its ids, reasoning or image bytes`;
}

function textDifference(recorded: string | undefined, asked: string | undefined): string {
  if (recorded === undefined || asked === undefined) {
    return recorded === undefined ? "recorded none, asked one" : "recorded one, asked none";
  }
  return whereTheyDiffer(recorded, asked);
}

function count(turns: number): string {
  return `${turns} turn${turns === 1 ? "" : "s"}`;
}
