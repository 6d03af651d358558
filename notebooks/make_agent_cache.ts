// Writes notebooks/agent_cache/, the cache agent.ipynb replays: five
// episodes of the calculator agent (calculator_agent.ts) on each of its four
// tasks, and a report through a tool call repaired once, drawn from a
// scripted stand-in for a model that calls tools, with the habits real ones
// have: it reasons before it calls, calls two tools at once, writes "2,340"
// in an expression and tries again on the error, slips and answers wrong,
// or notices that a result cannot be right and recomputes. Written through
// Persistent, so the layout (samples, their replies' metadata) is the
// library's, with what the samples cost estimated as for example_cache/
// (make_example_usage.ts). Deterministic: every run writes the same bytes
// (tests/notebooks/shipped_caches_test.ts checks that the shipped cache is this script's
// output).
//
//   deno run --allow-read=notebooks --allow-write=notebooks notebooks/make_agent_cache.ts

import {
  BufferedModel,
  type Chat,
  Independent,
  type Prompt,
  promptHash,
  promptText,
  type QueryResult,
  type Reply,
} from "../core/mod.ts";
import { json, queryRetry } from "../structured/mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { writeEstimatedUsage } from "./make_example_usage.ts";
import { Report, REPORT_CHAT, runEpisode, TASKS } from "./calculator_agent.ts";

/** The alias of the model key the notebook reads (`scripted-agent_1`). */
export const ALIAS = "scripted-agent";
/** The temperature of the model key the notebook reads. */
export const TEMPERATURE = 1;
/** Episodes per task. */
export const EPISODES = 5;

/**
 * How an episode goes: `direct` computes and answers; `typo` writes a
 * number with a thousands separator, reads the error and computes again;
 * `slip` computes the wrong thing and answers with it; `check` computes the
 * wrong thing, sees that the result cannot be right, and computes again;
 * `split` makes two calls at once, then combines their results.
 */
type Style = "direct" | "typo" | "slip" | "check" | "split";

/** A task's script: each style's first calls, and the episodes' styles in order. */
interface Script {
  /** The right expression. */
  readonly right: string;
  /** The expression of a slip (a plausible wrong result). */
  readonly slip: string;
  /** The expression a check catches (a result that cannot be right), and why. */
  readonly check: { readonly expression: string; readonly why: string };
  /** The right expression as the model first writes it, wrongly. */
  readonly typo: string;
  /** Two expressions computed at once, and how their results combine. */
  readonly split: {
    readonly parts: [string, string];
    readonly combine: (a: string, b: string) => string;
  };
  /** The styles of the episodes, in the order they are drawn. */
  readonly episodes: readonly Style[];
}

const SCRIPTS: readonly Script[] = [
  {
    right: "0.17 * 2340",
    slip: "0.17 * 2430",
    check: { expression: "17 * 2340", why: "17% of 2,340 cannot be more than 2,340" },
    typo: "0.17 * 2,340",
    split: { parts: ["0.1 * 2340", "0.07 * 2340"], combine: (a, b) => `${a} + ${b}` },
    episodes: ["direct", "typo", "split", "slip", "check"],
  },
  {
    right: "27 / 3 * 2",
    slip: "27 * 2",
    check: { expression: "27 * 3 * 2", why: "pens at less than $1 each cannot cost $162" },
    typo: "27 ÷ 3 × 2",
    split: { parts: ["27 / 3", "2"], combine: (a, b) => `${a} * ${b}` },
    episodes: ["direct", "slip", "direct", "slip", "check"],
  },
  {
    right: "342 / (3 + 48 / 60)",
    slip: "342 / 3.48",
    check: { expression: "342 * 3.8", why: "no train goes 1,300 km/h" },
    typo: "342 / (3 + 48 / 60",
    split: { parts: ["48 / 60", "342"], combine: (a, b) => `${b} / (3 + ${a})` },
    episodes: ["check", "direct", "typo", "slip", "slip"],
  },
  {
    right: "(1234 + 5678) * 3 - 999",
    slip: "1234 + 5678 * 3 - 999",
    check: { expression: "(1234 + 5678) * 30 - 999", why: "about 7,000 × 3 is near 21,000" },
    typo: "(1,234 + 5,678) * 3 - 999",
    split: { parts: ["1234 * 3", "5678 * 3"], combine: (a, b) => `${a} + ${b} - 999` },
    episodes: ["split", "direct", "slip", "direct", "direct"],
  },
];

/**
 * A stand-in for a model that calls tools: its k-th reply to a chat
 * follows its script (see the top of this file). Deterministic: a reply
 * depends on the chat and k only, and its calls' ids on both.
 */
export class ScriptedAgent extends BufferedModel {
  #drawn = new Map<string, number>();

  constructor() {
    super(ALIAS, TEMPERATURE, { alias: ALIAS, maxBatch: 8 });
  }

  protected query(prompt: Prompt, n: number): Promise<QueryResult> {
    const key = promptText(prompt);
    const from = this.#drawn.get(key) ?? 0;
    this.#drawn.set(key, from + n);
    const samples = Array.from({ length: n }, (_, i) => reply(prompt, from + i));
    return Promise.resolve({ samples });
  }
}

/** The k-th reply to `prompt`. */
function reply(prompt: Prompt, k: number): Reply {
  if (typeof prompt === "string") throw new TypeError("the scripted agent answers chats only");
  const id = (i: number) => `call_${promptHash(`${promptText(prompt)}#${k}#${i}`).slice(0, 12)}`;
  const call = (i: number, name: string, args: object) => ({
    id: id(i),
    name,
    arguments: JSON.stringify(args),
  });
  if (prompt.tools?.some((tool) => tool.name === "report")) return report(prompt, call);
  const task = TASKS.findIndex((t) => t.question === prompt.messages[0]?.content);
  const script = SCRIPTS[task];
  if (script === undefined) throw new TypeError(`no script for ${JSON.stringify(prompt)}`);
  const results = prompt.messages.filter((m) => m.role === "tool").map((m) => String(m.content));
  const step = prompt.messages.filter((m) => m.role === "assistant").length;
  const first = prompt.messages[1]?.toolCalls?.map((c) => JSON.parse(c.arguments).expression);
  const style = step === 0 ? script.episodes[k % script.episodes.length]! : styleOf(script, first!);
  const calc = (i: number, expression: string) => call(i, "calculator", { expression });
  const calls = (reasoning: string, ...expressions: string[]): Reply => ({
    text: "",
    toolCalls: expressions.map((e, i) => calc(i, e)),
    reasoning,
    finishReason: "tool_calls",
  });
  const answer = (reasoning: string, value: string): Reply => ({
    text: `The answer is <answer>${value}</answer>.`,
    toolCalls: [],
    reasoning,
    finishReason: "stop",
  });
  const last = results.at(-1) ?? "";
  switch (`${style} ${step}`) {
    case "direct 0":
      return calls(`I compute ${script.right} with the calculator.`, script.right);
    case "typo 0":
      return calls(`I compute ${script.typo} with the calculator.`, script.typo);
    case "typo 1":
      return calls(`The calculator says: ${last}. I write the numbers plainly.`, script.right);
    case "slip 0":
      return calls(`I compute ${script.slip} with the calculator.`, script.slip);
    case "check 0":
      return calls(
        `I compute ${script.check.expression} with the calculator.`,
        script.check.expression,
      );
    case "check 1":
      return calls(
        `${last} cannot be right: ${script.check.why}. I compute ${script.right} instead.`,
        script.right,
      );
    case "split 0":
      return calls(
        `Two parts first, at once: ${script.split.parts.join(" and ")}.`,
        ...script.split.parts,
      );
    case "split 1": {
      const combined = script.split.combine(results[0]!, results[1]!);
      return calls(
        `The parts are ${results.join(" and ")}; I combine them: ${combined}.`,
        combined,
      );
    }
    default:
      return answer(`The calculator says ${last}.`, last);
  }
}

/** The style of an episode under way, from the expressions of its first calls. */
function styleOf(script: Script, first: readonly string[]): Style {
  const [expression] = first;
  if (first.length === 2) return "split";
  if (expression === script.typo) return "typo";
  if (expression === script.slip) return "slip";
  if (expression === script.check.expression) return "check";
  return "direct";
}

/** A report: its answer as text and no unit at first; right once told what was wrong. */
function report(
  prompt: Chat,
  call: (i: number, name: string, args: object) => Reply["toolCalls"][number],
): Reply {
  const told = prompt.messages.at(-1)?.role === "tool";
  return {
    text: "",
    toolCalls: [call(0, "report", told ? { answer: 90, unit: "km/h" } : { answer: "90 km/h" })],
    reasoning: told ? "The answer must be a number, and the unit apart." : "I report 90 km/h.",
    finishReason: "tool_calls",
  };
}

/**
 * Writes the cache into `dir` (which should be empty): the episodes of
 * every task, each task's run at once (as the notebook runs them), then the
 * report.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "../cache/fs_store.ts";
 * import { makeAgentCache } from "./make_agent_cache.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * await makeAgentCache(dir);
 * assert.deepEqual(await Array.fromAsync(new FsStore(dir).models()), ["scripted-agent_1"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function makeAgentCache(dir: string): Promise<void> {
  const cache = new Persistent(new ScriptedAgent(), dir, { announce: false });
  const model = new Independent(cache);
  for (const task of TASKS) {
    await Promise.all(Array.from({ length: EPISODES }, () => runEpisode(model, task.question)));
  }
  await queryRetry(cache, REPORT_CHAT, json(Report, { from: "toolCall", name: "report" }), {
    retries: 3,
    repair: true,
  });
  await cache.store.close();
  await writeEstimatedUsage(dir);
}

if (import.meta.main) {
  const dir = new URL("./agent_cache", import.meta.url).pathname;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await makeAgentCache(dir);
  console.log(`wrote ${dir}`);
}
