// How views show chats and replies: a chat as a table of its turns, a
// reply's text with its tool calls and, folded, its reasoning; in HTML and
// in text that say the same (every word of the text is on the page, a folded
// part in both by the same preview), for the views of this folder only.

import {
  type CanonicalChat,
  type CanonicalMessage,
  type Prompt,
  promptText,
} from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import {
  callText,
  chatOf,
  chatTranscript,
  contentText,
  promptPreview,
  toolSignature,
} from "../core/prompt_preview.ts";
import { escapeHtml, foldedText, MONO, MUTED, preview, table, textTable, wrap } from "./html.ts";

/** Code that wraps anywhere, so that arguments without spaces never widen a table. */
const CODE = `${MONO};overflow-wrap:anywhere`;

/** How many characters of a folded part its summary shows. */
const SHOWN = 60;

/**
 * `text` folded behind `label: <its preview>` and its length, whatever its
 * length (reasoning is read on demand).
 */
function foldedAlways(label: string, text: string): string {
  return `<details><summary style="cursor:pointer;white-space:nowrap;overflow:hidden;` +
    `text-overflow:ellipsis"><span style="${MUTED}">${escapeHtml(label)}:</span> ` +
    `<code style="${MONO};white-space:pre">${escapeHtml(preview(text, SHOWN))}</code> ` +
    `<span style="${MUTED}">(${[...text].length}\u00a0chars)</span></summary>` +
    `<pre style="${CODE}">${escapeHtml(text)}</pre></details>`;
}

/** The muted line of a reply's finish reason and model, or nothing. */
function aboutReply(reply: Shown): string[] {
  const about: string[] = [];
  if (reply.refusal !== undefined && reply.refusal !== "") about.push(`refusal: ${reply.refusal}`);
  if (reply.finishReason !== undefined) about.push(`finish: ${reply.finishReason}`);
  if (reply.model !== undefined) about.push(`model: ${reply.model}`);
  return about;
}

/** What a view shows of one turn or reply. */
interface Shown {
  readonly text: string;
  readonly toolCalls: readonly { id: string; name: string; arguments: string }[];
  readonly reasoning?: string | undefined;
  readonly finishReason?: string | undefined;
  readonly model?: string | undefined;
  readonly refusal?: string | undefined;
}

/**
 * A reply (or an assistant turn) as HTML: its text (folded behind `shown`
 * characters of its first line when longer than `fold`), each tool call as
 * code, its reasoning folded, and its finish reason and model in a muted
 * line; `open` shows a folded text unfolded at first.
 */
export function replyHtml(reply: Shown, fold: number, shown = 80, open = false): string {
  const parts: string[] = [];
  if (reply.reasoning !== undefined) parts.push(foldedAlways("reasoning", reply.reasoning));
  if (reply.text !== "" || reply.toolCalls.length === 0) {
    parts.push(foldedText(reply.text, fold, shown, open));
  }
  for (const call of reply.toolCalls) {
    parts.push(
      `<div><code style="${CODE}">→ ${escapeHtml(callText(call))}</code> ` +
        `<span style="${MUTED}">${escapeHtml(call.id)}</span></div>`,
    );
  }
  const about = aboutReply(reply);
  if (about.length > 0) {
    parts.push(`<div style="${MUTED}">${escapeHtml(about.join(" · "))}</div>`);
  }
  return parts.join("");
}

/**
 * A reply as text, on lines of at most `width` characters: its text (its
 * first `shown` characters when HTML folds it), each call, its reasoning's
 * preview (as the folded HTML shows it) and its finish reason and model.
 */
export function replyText(reply: Shown, fold: number, width: number, shown = 80): string {
  const lines: string[] = [];
  if (reply.reasoning !== undefined) {
    lines.push(`reasoning: ${preview(reply.reasoning, SHOWN)}`);
  }
  if (reply.text !== "" || reply.toolCalls.length === 0) {
    lines.push(folds(reply.text, fold) ? preview(reply.text, shown) : reply.text);
  }
  for (const call of reply.toolCalls) lines.push(`→ ${callText(call)} ${call.id}`);
  const about = aboutReply(reply);
  if (about.length > 0) lines.push(about.join(" · "));
  return lines.map((line) => wrap(line, width)).join("\n");
}

/**
 * A reply on one line of about `max` characters: its text's preview, then
 * its calls (`→ name(arguments)`).
 */
export function replyLine(reply: Shown, max: number): string {
  if (reply.toolCalls.length === 0) return preview(reply.text, max);
  const calls = reply.toolCalls.map((call) => `→ ${callText(call)}`);
  return preview(
    [reply.text === "" ? "" : preview(reply.text, max), ...calls]
      .filter((part) => part !== "").join(" "),
    max,
  );
}

/** Whether `foldedText` folds `text` at `fold`. */
function folds(text: string, fold: number): boolean {
  return text.length > fold || text.split("\n").length > 3;
}

/** A turn's role as a view names it: a tool result with the call it answers. */
function roleOf(message: CanonicalMessage): string {
  return message.role === "tool" ? `tool ${message.toolCallId}` : message.role;
}

/** A role in HTML: a tool result's call id on a line of its own, muted, wrapped anywhere. */
function roleHtml(message: CanonicalMessage | undefined, role: string): string {
  if (message?.role !== "tool") return escapeHtml(role);
  return `tool<div style="${MUTED};overflow-wrap:anywhere;font-size:11px">` +
    `${escapeHtml(message.toolCallId ?? "")}</div>`;
}

/** One row of a chat's table: its number, its role, and what it says. */
interface Turn {
  readonly number: string;
  readonly role: string;
  readonly message?: CanonicalMessage | undefined;
  readonly shown: Shown;
}

/**
 * The turns of `chat`, the system prompt first; `replies` annotate its
 * assistant turns in order (reasoning, finish reason, model), and those past
 * them are turns of their own, after the chat.
 */
function turnsOf(chat: CanonicalChat, replies: readonly Reply[]): Turn[] {
  const turns: Turn[] = [];
  if (chat.system !== undefined) {
    turns.push({ number: "", role: "system", shown: { text: chat.system, toolCalls: [] } });
  }
  let answered = 0;
  chat.messages.forEach((message, i) => {
    const reply = message.role === "assistant" ? replies[answered++] : undefined;
    const shown: Shown = {
      ...(reply ?? {}),
      text: contentText(message.content),
      toolCalls: message.toolCalls ?? [],
    };
    turns.push({ number: String(i + 1), role: roleOf(message), message, shown });
  });
  replies.slice(answered).forEach((reply, k) => {
    turns.push({ number: String(chat.messages.length + k + 1), role: "assistant", shown: reply });
  });
  return turns;
}

/** A chat's tools, on one line: `tools: add(a, b), now()`. */
function toolsLine(chat: CanonicalChat): string | undefined {
  return chat.tools === undefined
    ? undefined
    : `tools: ${chat.tools.map((tool) => toolSignature(tool)).join(", ")}`;
}

/**
 * A chat as a table of its turns, in HTML and text: `#`, the role, and
 * what the turn says (see {@linkcode replyHtml}); its tools on a line above.
 */
export function chatTable(
  chat: CanonicalChat,
  replies: readonly Reply[],
  fold: number,
): { html: string; text: string } {
  const turns = turnsOf(chat, replies);
  const headers = ["#", "role", "turn"];
  const tools = toolsLine(chat);
  const html = (tools === undefined ? "" : `<div style="${MUTED}">${escapeHtml(tools)}</div>`) +
    table(
      headers,
      turns.map((t) => [t.number, roleHtml(t.message, t.role), replyHtml(t.shown, fold)]),
      { numeric: [true], widths: ["2.5em", "9em", ""] },
    );
  const text = textTable(
    headers,
    turns.map((t) => [t.number, t.role, replyText(t.shown, fold, 90)]),
    { numeric: [true] },
  );
  return { html, text: tools === undefined ? text : `${tools}\n${text}` };
}

/**
 * A prompt folded behind its one-line preview (of `shown` characters): a
 * string as `foldedText` folds it, a chat with its transcript inside.
 */
export function foldedPrompt(prompt: Prompt, fold: number, shown: number): string {
  const chat = chatOf(prompt);
  if (chat === undefined) return foldedText(promptText(prompt), fold, shown);
  return `<details><summary style="cursor:pointer;white-space:nowrap;overflow:hidden;` +
    `text-overflow:ellipsis"><code style="${MONO};white-space:pre">` +
    `${escapeHtml(promptPreview(prompt, shown))}</code></summary>` +
    `<pre style="${CODE}">${escapeHtml(chatTranscript(chat))}</pre></details>`;
}

/** A prompt on one line of at most `max` characters, as {@linkcode foldedPrompt} shows it. */
export function promptLine(prompt: Prompt, max: number): string {
  return chatOf(prompt) === undefined
    ? preview(promptText(prompt), max)
    : promptPreview(prompt, max);
}

/** A prompt whole, for a tooltip: a string as it is, a chat as its transcript. */
export function promptTitle(prompt: Prompt): string {
  const chat = chatOf(prompt);
  return chat === undefined ? promptText(prompt) : chatTranscript(chat);
}
