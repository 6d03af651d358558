/**
 * The chat view: a conversation as its turns, with the tool calls, the
 * reasoning (folded) and the finish reasons of the replies in it; an agent's
 * trajectory.
 *
 * @module
 */

import { type CanonicalChat, type Prompt, promptText } from "../core/prompt.ts";
import { chatOf } from "../core/prompt_preview.ts";
import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { CAPTION, container, escapeHtml, type MimeBundle, View } from "./html.ts";
import { chatTable } from "./_turns.ts";

/**
 * Options of {@linkcode showChat}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showChat, type ShowChatOptions } from "./mod.ts";
 *
 * const options: ShowChatOptions = { title: "Episode 1", fold: 80 };
 * assert.match(String(showChat("Hi", options)), /^Episode 1 · 1 turn\n/);
 * ```
 */
export interface ShowChatOptions {
  /**
   * Replies of the model: the i-th is shown as the chat's i-th assistant
   * turn with what the turn does not hold (its reasoning, finish reason and
   * model; `messageOf` leaves them out of the turn); those past the chat's
   * assistant turns are shown after the chat, as its next turns. An agent
   * that keeps its replies passes them all with its chat.
   * @default {[]}
   */
  replies?: readonly Reply[];
  /**
   * A title on the caption line.
   * @default {"Chat"}
   */
  title?: string;
  /**
   * Turns longer than this many characters, or of more than 3 lines, are
   * folded behind their first line.
   * @default {240}
   */
  fold?: number;
}

/**
 * Shows a chat as its turns, one row each: the system prompt, then each
 * turn's number, role (a tool result with the id of the call it answers)
 * and what it says; an assistant's tool calls as code
 * (`→ name(arguments)`), reasoning folded, finish reason and model in a
 * muted line; the tools the chat offers above the table. A string prompt is
 * a chat of one user turn. With `replies`, the view is an agent's
 * trajectory: its chat as it ended, and every reply with what it held.
 *
 * @example An agent's trajectory
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Chat, messageOf, type Reply } from "../mod.ts";
 * import { showChat } from "./mod.ts";
 *
 * const chat: Chat = {
 *   tools: [{ name: "add", parameters: { properties: { a: {}, b: {} } } }],
 *   messages: [{ role: "user", content: "What is 2 + 2?" }],
 * };
 * const call: Reply = {
 *   text: "",
 *   toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }],
 *   reasoning: "Use the tool.",
 *   finishReason: "tool_calls",
 * };
 * chat.messages.push(messageOf(call), { role: "tool", toolCallId: "c1", content: "4" });
 * const answer: Reply = { text: "4", toolCalls: [], finishReason: "stop" };
 * const view = showChat(chat, { replies: [call, answer], title: "Episode 1" });
 * const text = String(view);
 * assert.match(text, /^Episode 1 · 4 turns · 1 tool call\ntools: add\(a, b\)\n/);
 * assert.match(text, /^2  assistant  reasoning: Use the tool\.$/m);
 * assert.match(text, /^ +→ add\(\{"a":2,"b":2\}\) c1$/m);
 * assert.match(text, /^3  tool c1 +4$/m);
 * assert.match(text, /^4  assistant  4\n +finish: stop$/m);
 * ```
 *
 * @param prompt The chat (or a string, a chat of one user turn), or a
 * prompt's canonical text as `prompt.txt` holds it.
 * @param options The replies, a title and folding.
 * @returns The view.
 * @throws {TypeError} When `prompt` is not a valid chat, or `replies` not a
 * list of replies.
 */
export function showChat(prompt: Prompt, options: ShowChatOptions = {}): ChatView {
  const { replies = [], title = "Chat", fold = 240 } = options;
  if (!Array.isArray(replies) || !replies.every(isReply)) {
    throw new TypeError(
      `showChat(): replies must be a list of replies ({ text, toolCalls }), got ` +
        `${Array.isArray(replies) ? "a list with other values" : describe(replies)}; pass ` +
        "what model.replies() yielded",
    );
  }
  // A prompt that is no chat is the same prompt as a chat of one user turn.
  const chat = chatOf(prompt) ?? { messages: [{ role: "user", content: promptText(prompt) }] };
  return new ChatView(chat, { replies, title, fold });
}

function isReply(value: unknown): value is Reply {
  const reply = value as Partial<Reply> | null;
  return typeof reply === "object" && reply !== null && typeof reply.text === "string" &&
    Array.isArray(reply.toolCalls);
}

/**
 * A chat as its turns; see {@linkcode showChat}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ChatView } from "./mod.ts";
 *
 * const view = new ChatView({ system: "Be <brief>.", messages: [{ role: "user", content: "Hi" }] });
 * assert.match(view.bundle()["text/html"], /Be &lt;brief&gt;\./);
 * assert.match(String(view), /^ +system +Be <brief>\.$/m);
 * ```
 */
export class ChatView extends View {
  /** The replies shown with it (see {@linkcode ShowChatOptions.replies}). */
  readonly replies: readonly Reply[];
  #chat: CanonicalChat;
  #title: string;
  #fold: number;

  /**
   * Makes the view of a chat in its canonical form.
   *
   * @param chat The chat.
   * @param options The replies, a title and folding.
   */
  constructor(chat: CanonicalChat, options: ShowChatOptions = {}) {
    super();
    this.#chat = chat;
    this.replies = options.replies ?? [];
    this.#title = options.title ?? "Chat";
    this.#fold = options.fold ?? 240;
  }

  /**
   * The number of turns shown: the chat's, and the replies past its
   * assistant turns.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ChatView } from "./mod.ts";
   *
   * const view = new ChatView({ messages: [{ role: "user", content: "Hi" }] }, {
   *   replies: [{ text: "Hello", toolCalls: [] }],
   * });
   * assert.equal(view.turns, 2);
   * ```
   */
  get turns(): number {
    const answered = this.#chat.messages.filter((m) => m.role === "assistant").length;
    return this.#chat.messages.length + Math.max(0, this.replies.length - answered);
  }

  /**
   * The view as `text/html` and `text/plain`: a caption (the title, the
   * turns and tool calls), the tools, and a table of the turns.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { ChatView } from "./mod.ts";
   *
   * const view = new ChatView({ messages: [{ role: "user", content: "x".repeat(300) }] });
   * const html = view.bundle()["text/html"];
   * assert(html.includes("<details>") && html.includes("(300\u00a0chars)"));
   * ```
   */
  bundle(): MimeBundle {
    const calls = this.#chat.messages.reduce((n, m) => n + (m.toolCalls?.length ?? 0), 0) +
      this.replies.slice(this.#answered()).reduce((n, r) => n + r.toolCalls.length, 0);
    const caption = [
      this.#title,
      plural(this.turns, "turn"),
      ...(calls === 0 ? [] : [plural(calls, "tool call")]),
    ].join(" · ");
    const { html, text } = chatTable(this.#chat, this.replies, this.#fold);
    return {
      "text/html": container(`<div style="${CAPTION}">${escapeHtml(caption)}</div>${html}`),
      "text/plain": `${caption}\n${text}`,
    };
  }

  #answered(): number {
    return this.#chat.messages.filter((m) => m.role === "assistant").length;
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
