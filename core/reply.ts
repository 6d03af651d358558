/**
 * Replies: a sample whole, its text and what else the model answered (tool
 * calls, reasoning, the finish reason, a refusal, the model the server
 * reported, log probabilities when asked).
 *
 * The i-th reply of a prompt's sequence is its i-th sample: `sample()`
 * yields `reply.text`, `replies()` the reply. `text` is the answer's text
 * content; a reply that only calls tools has the text `""` (its calls are in
 * `toolCalls`), in every store and on every replay. A store keeps the text
 * as the sample (in a cache folder, `i.md`, which the Python original reads)
 * and the rest beside it, in the same write (see `ReplyMeta`).
 *
 * @module
 */

import type { Message, ToolCall } from "./prompt.ts";
import { canonicalJson } from "./prompt.ts";
import { describe } from "../internal/validate.ts";

/**
 * One sample, whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Reply } from "./reply.ts";
 *
 * const reply: Reply = {
 *   text: "",
 *   toolCalls: [{ id: "call_1", name: "add", arguments: '{"a":2,"b":2}' }],
 *   finishReason: "tool_calls",
 * };
 * assert.equal(reply.toolCalls[0]!.name, "add");
 * ```
 */
export interface Reply {
  /** The text; `""` for a reply that only calls tools. */
  text: string;
  /** The tools it calls, in order; empty when it calls none. */
  toolCalls: ToolCall[];
  /** The reasoning a reasoning model showed, when the server sent it. */
  reasoning?: string;
  /**
   * The provider's signature of the reasoning, when it sent one (Anthropic's
   * `thinking` block signature; Gemini's `thoughtSignature` on a text part):
   * {@linkcode messageOf} keeps it, so that a tool loop sends it back.
   */
  reasoningSignature?: string;
  /** Why the model stopped, in the server's own word (`"stop"`, `"length"`, `"tool_calls"`, `"end_turn"`, `"STOP"`, …). */
  finishReason?: string;
  /** A refusal the server reported apart from the text. */
  refusal?: string;
  /** The model that answered, as the server named it (it may differ from the one asked). */
  model?: string;
  /** Log probabilities, as the server sent them, when they were asked for. */
  logprobs?: unknown;
}

/** What a reply holds beyond its text: stored beside the sample. */
export type ReplyMeta = Omit<Partial<Reply>, "text">;

const TEXTS = ["reasoning", "reasoningSignature", "finishReason", "refusal", "model"] as const;
const FIELDS = ["toolCalls", ...TEXTS, "logprobs"] as const;

/**
 * The reply of `text` with `meta` (absent: nothing beyond the text).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { replyOf } from "./reply.ts";
 *
 * assert.deepEqual(replyOf("42"), { text: "42", toolCalls: [] });
 * assert.deepEqual(replyOf("42", { finishReason: "stop" }), {
 *   text: "42",
 *   toolCalls: [],
 *   finishReason: "stop",
 * });
 * ```
 */
export function replyOf(text: string, meta?: ReplyMeta): Reply {
  if (meta === undefined) return { text, toolCalls: [] };
  const reply: Reply = { text, toolCalls: meta.toolCalls?.map((call) => ({ ...call })) ?? [] };
  for (const field of TEXTS) {
    const value = meta[field];
    if (value !== undefined) reply[field] = value;
  }
  if (meta.logprobs !== undefined) reply.logprobs = meta.logprobs;
  return reply;
}

/**
 * What `reply` holds beyond its text, with empty fields left out;
 * `undefined` when nothing (a store then keeps the text alone).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaOf } from "./reply.ts";
 *
 * assert.equal(metaOf({ text: "hi", toolCalls: [] }), undefined);
 * assert.deepEqual(metaOf({ text: "hi", toolCalls: [], finishReason: "stop" }), {
 *   finishReason: "stop",
 * });
 * ```
 *
 * @throws {TypeError} When a field has the wrong type (a reply from a model
 * that does not follow the `Reply` type).
 */
export function metaOf(reply: Reply): ReplyMeta | undefined {
  const meta = checkedMeta(reply, "a reply");
  return Object.keys(meta).length === 0 ? undefined : meta;
}

/**
 * The text a store keeps for a reply's metadata: canonical JSON (sorted
 * keys), so equal metadata is equal text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeMeta, decodeMeta } from "./reply.ts";
 *
 * const text = encodeMeta({ reasoning: "r", finishReason: "stop" });
 * assert.equal(text, '{"finishReason":"stop","reasoning":"r"}');
 * assert.deepEqual(decodeMeta(text, "0.json"), { finishReason: "stop", reasoning: "r" });
 * ```
 */
export function encodeMeta(meta: ReplyMeta): string {
  return canonicalJson(meta);
}

/**
 * The metadata a store kept (see {@linkcode encodeMeta}); `where` names it
 * in the error when it is not metadata.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeMeta } from "./reply.ts";
 *
 * assert.throws(() => decodeMeta('{"toolCalls":7}', "cache/m_1/ab/0.json"), /cache\/m_1\/ab\/0.json/);
 * ```
 *
 * @throws {TypeError} When `text` is not reply metadata.
 */
export function decodeMeta(text: string, where: string): ReplyMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`${where}: reply metadata is not JSON (${(error as Error).message})`);
  }
  return asMeta(value, where);
}

/**
 * `value` (parsed JSON) as reply metadata, checked; `where` names it in the
 * error when it is not metadata.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asMeta } from "./reply.ts";
 *
 * assert.deepEqual(asMeta({ finishReason: "stop" }, "0.json"), { finishReason: "stop" });
 * assert.throws(() => asMeta({ colour: "red" }, "0.json"), /0.json: a reply has no field "colour"/);
 * ```
 *
 * @throws {TypeError} When `value` is not reply metadata.
 */
export function asMeta(value: unknown, where: string): ReplyMeta {
  return checkedMeta(value, where);
}

function checkedMeta(value: unknown, where: string): ReplyMeta {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${where} is not a reply: got ${describe(value)}`);
  }
  const source = value as Record<string, unknown>;
  const meta: ReplyMeta = {};
  const calls = source.toolCalls;
  if (calls !== undefined) {
    if (!Array.isArray(calls) || !calls.every(isToolCall)) {
      throw new TypeError(
        `${where}: toolCalls must be a list of { id, name, arguments } strings (and a signature ` +
          `string, optional), got ${describe(calls)}`,
      );
    }
    if (calls.length > 0) {
      meta.toolCalls = calls.map(({ id, name, arguments: args, signature }) =>
        signature === undefined ? { id, name, arguments: args } : {
          id,
          name,
          arguments: args,
          signature,
        }
      );
    }
  }
  for (const field of TEXTS) {
    const v = source[field];
    if (v === undefined) continue;
    if (typeof v !== "string") {
      throw new TypeError(`${where}: ${field} must be a string, got ${describe(v)}`);
    }
    meta[field] = v;
  }
  if (source.logprobs !== undefined && source.logprobs !== null) meta.logprobs = source.logprobs;
  for (const key of Object.keys(source)) {
    if (key !== "text" && !(FIELDS as readonly string[]).includes(key)) {
      throw new TypeError(`${where}: a reply has no field ${JSON.stringify(key)}`);
    }
  }
  return meta;
}

function isToolCall(call: unknown): call is ToolCall {
  if (typeof call !== "object" || call === null) return false;
  const { id, name, arguments: args, signature } = call as Record<string, unknown>;
  return typeof id === "string" && typeof name === "string" && typeof args === "string" &&
    (signature === undefined || typeof signature === "string");
}

/**
 * The assistant turn that `reply` is, to append to a chat: its text, its
 * tool calls (with their signatures), and its reasoning with the provider's
 * signature when it has one (APIs that verify reasoning, such as
 * Anthropic's extended thinking, get it back this way; reasoning without a
 * signature is left out, since no API takes it back). An agent loop
 * appends it, then a `tool` message per call.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { messageOf } from "./reply.ts";
 *
 * const call = { id: "c1", name: "add", arguments: '{"a":2,"b":2}', signature: "sig" };
 * assert.deepEqual(messageOf({ text: "", toolCalls: [call], reasoning: "2+2", finishReason: "tool_calls" }), {
 *   role: "assistant",
 *   content: "",
 *   toolCalls: [call],
 * });
 * assert.deepEqual(messageOf({ text: "4", toolCalls: [], reasoning: "r", reasoningSignature: "s" }), {
 *   role: "assistant",
 *   content: "4",
 *   reasoning: "r",
 *   reasoningSignature: "s",
 * });
 * ```
 */
export function messageOf(reply: Reply): Message {
  const message: Message = { role: "assistant", content: reply.text };
  if (reply.toolCalls.length > 0) message.toolCalls = reply.toolCalls.map((call) => ({ ...call }));
  if (reply.reasoningSignature !== undefined) {
    if (reply.reasoning !== undefined) message.reasoning = reply.reasoning;
    message.reasoningSignature = reply.reasoningSignature;
  }
  return message;
}
