// The agent of agent.ipynb, shared with the script that makes the cache it
// replays (make_agent_cache.ts) and with the tests: a calculator tool, four
// word problems, and the loop that runs an episode. An episode asks for the
// next reply of the chat so far, runs the tools it calls, appends the reply
// and each result, and stops at the first reply that calls no tool.

import { z } from "zod";
import {
  type Chat,
  first,
  messageOf,
  type Model,
  repliesOf,
  type Reply,
  type Tool,
  type ToolCall,
} from "../core/mod.ts";

/** The system prompt of every episode. */
export const SYSTEM = "You solve arithmetic word problems. Compute with the calculator tool, " +
  "never in your head; then give the final number inside <answer>…</answer>.";

/** The calculator tool, as the model is offered it. */
export const CALCULATOR: Tool = {
  name: "calculator",
  description: "Evaluates an arithmetic expression: numbers, + - * / and parentheses.",
  parameters: {
    type: "object",
    properties: { expression: { type: "string", description: "e.g. (2 + 3) * 4" } },
    required: ["expression"],
  },
};

/** A word problem and its answer. */
export interface Task {
  /** The question. */
  readonly question: string;
  /** The answer, as the calculator writes it. */
  readonly answer: string;
}

/** Four word problems. */
export const TASKS: readonly Task[] = [
  { question: "What is 17% of 2,340?", answer: "397.8" },
  { question: "Pens cost $2 for 3. How much do 27 pens cost, in dollars?", answer: "18" },
  {
    question: "A train covers 342 km in 3 h 48 min. What is its average speed, in km/h?",
    answer: "90",
  },
  { question: "What is (1,234 + 5,678) × 3 − 999?", answer: "19737" },
];

/**
 * The chat an episode starts from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { taskChat } from "./calculator_agent.ts";
 *
 * assert.equal(taskChat("What is 2 + 2?").messages[0]!.content, "What is 2 + 2?");
 * ```
 */
export function taskChat(question: string): Chat {
  return { system: SYSTEM, tools: [CALCULATOR], messages: [{ role: "user", content: question }] };
}

/**
 * The value of an arithmetic expression (numbers, `+ - * /`, parentheses,
 * unary minus), rounded to 12 significant digits so that `0.1 + 0.2` is
 * `0.3`. Anything else is an error that says where.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { calculate } from "./calculator_agent.ts";
 *
 * assert.equal(calculate("(1234 + 5678) * 3 - 999"), 19737);
 * assert.equal(calculate("0.1 + 0.2"), 0.3);
 * assert.throws(() => calculate("0.17 * 2,340"), /unexpected "," at character 9/);
 * ```
 */
export function calculate(expression: string): number {
  const tokens = [...expression.matchAll(/\s*(\d+(?:\.\d+)?|\S)/gy)];
  let at = 0;
  const where = () => {
    const token = tokens[at];
    return token === undefined
      ? expression.length + 1
      : token.index + token[0].length - token[1]!.length + 1;
  };
  const peek = () => tokens[at]?.[1];
  const fail = (): never => {
    const token = peek();
    throw new SyntaxError(
      token === undefined
        ? `the expression ends early, at character ${where()}`
        : `unexpected ${JSON.stringify(token)} at character ${where()}`,
    );
  };
  const primary = (): number => {
    const token = peek();
    if (token === "-") return at++, -primary();
    if (token === "(") {
      at++;
      const value = sum();
      if (peek() !== ")") fail();
      return at++, value;
    }
    if (token === undefined || !/^\d/.test(token)) return fail();
    return at++, Number(token);
  };
  const product = (): number => {
    let value = primary();
    while (peek() === "*" || peek() === "/") {
      value = peek() === "*" ? (at++, value * primary()) : (at++, value / primary());
    }
    return value;
  };
  const sum = (): number => {
    let value = product();
    while (peek() === "+" || peek() === "-") {
      value = peek() === "+" ? (at++, value + product()) : (at++, value - product());
    }
    return value;
  };
  const value = sum();
  if (at < tokens.length) fail();
  if (!Number.isFinite(value)) throw new RangeError(`the result is not a number (${value})`);
  return Number(value.toPrecision(12));
}

/**
 * What the calculator answers a call: the value, or `error: …` (arguments
 * that are not JSON, a missing expression, an expression it cannot read),
 * which the model reads as the tool's result.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runTool } from "./calculator_agent.ts";
 *
 * assert.equal(runTool({ id: "c1", name: "calculator", arguments: '{"expression":"27 / 3 * 2"}' }), "18");
 * assert.equal(runTool({ id: "c2", name: "search", arguments: "{}" }), 'error: there is no tool "search"');
 * ```
 */
export function runTool(call: ToolCall): string {
  if (call.name !== CALCULATOR.name) return `error: there is no tool ${JSON.stringify(call.name)}`;
  try {
    const { expression } = JSON.parse(call.arguments);
    if (typeof expression !== "string") return "error: expression must be a string";
    return String(calculate(expression));
  } catch (error) {
    return `error: ${(error as Error).message}`;
  }
}

/** One episode: its chat as it ended, and every reply the model gave. */
export interface Episode {
  /** The chat: the task, each reply (`messageOf`) and each tool result. */
  readonly chat: Chat;
  /** The replies, in order, whole (reasoning, finish reasons). */
  readonly replies: readonly Reply[];
  /** Whether it ended with a reply that called no tool (else it ran out of steps). */
  readonly finished: boolean;
}

/**
 * Runs one episode of `question` with `model`: the next reply of the chat
 * so far, its tool calls run, the reply and each result appended, until a
 * reply calls no tool or `maxSteps` replies were drawn. Over
 * `new Independent(model)` every episode is an independent draw; over a
 * `Persistent` cache a rerun replays each step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, type Prompt } from "../mod.ts";
 * import type { QueryResult } from "../core/engine.ts";
 * import { runEpisode } from "./calculator_agent.ts";
 *
 * class Once extends BufferedModel {
 *   protected query(prompt: Prompt, n: number): Promise<QueryResult> {
 *     const called = typeof prompt !== "string" && prompt.messages.length > 1;
 *     const reply = called
 *       ? { text: "<answer>4</answer>", toolCalls: [] }
 *       : { text: "", toolCalls: [{ id: "c1", name: "calculator", arguments: '{"expression":"2+2"}' }] };
 *     return Promise.resolve({ samples: Array(n).fill(reply) });
 *   }
 * }
 *
 * const episode = await runEpisode(new Once("once", 1), "What is 2 + 2?");
 * assert.equal(episode.replies.length, 2);
 * assert.equal(episode.chat.messages[2]!.content, "4");
 * ```
 */
export async function runEpisode(model: Model, question: string, maxSteps = 6): Promise<Episode> {
  const chat = taskChat(question);
  const replies: Reply[] = [];
  for (let step = 0; step < maxSteps; step++) {
    const reply = await first(repliesOf(model, chat));
    replies.push(reply);
    if (reply.toolCalls.length === 0) return { chat, replies, finished: true };
    chat.messages.push(messageOf(reply));
    for (const call of reply.toolCalls) {
      chat.messages.push({ role: "tool", toolCallId: call.id, content: runTool(call) });
    }
  }
  return { chat, replies, finished: false };
}

/** The tool a model reports a final answer with, for structured output through a tool call. */
export const REPORT: Tool = {
  name: "report",
  description: "Reports a final answer with its unit.",
  parameters: {
    type: "object",
    properties: { answer: { type: "number" }, unit: { type: "string" } },
    required: ["answer", "unit"],
  },
};

/** What a call of {@linkcode REPORT} must hold. */
export const Report = z.object({ answer: z.number(), unit: z.string() });

/** A chat that asks for a report through the tool. */
export const REPORT_CHAT: Chat = {
  system: "Report answers with the report tool.",
  tools: [REPORT],
  messages: [{ role: "user", content: `${TASKS[2]!.question} It is 90.` }],
};
