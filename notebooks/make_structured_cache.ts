// Writes notebooks/structured_cache/, the cache structured_output.ipynb
// replays: a scripted stand-in for a model, with the mistakes real models
// make (no tags, an unclosed tag, words instead of a number, wrong answers,
// broken JSON), written through Persistent so the layout is the library's,
// with what the samples cost to draw estimated as for example_cache/ (see
// make_example_usage.ts: the stand-in's own timings would differ each run).
// Deterministic: every run writes the same bytes (tests/notebooks/shipped_caches_test.ts
// checks that the shipped cache is this script's output).
//
//   deno run --allow-read=notebooks --allow-write=notebooks notebooks/make_structured_cache.ts

import { BufferedModel, collect } from "../core/mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { FACTS_PROMPT, PROBLEMS, solvePrompt } from "./structured_prompts.ts";
import { writeEstimatedUsage } from "./make_example_usage.ts";

/** The alias of the model key the notebook reads (`scripted_0.7`). */
export const ALIAS = "scripted";
/** The temperature of the model key the notebook reads (`scripted_0.7`). */
export const TEMPERATURE = 0.7;

/** Per problem: two wrong answers and short reasoning for each answer. */
const SCRIPTS: { wrong: [number, number]; why: Record<number, string>; pattern: string }[] = [
  {
    wrong: [135, 175],
    why: {
      155: "From 14:35 to 16:35 is 2 hours, 120 minutes. From 16:35 to 17:10 is 35 more. " +
        "120 + 35 = 155.",
      135: "14:35 to 17:10 is 2 hours 15 minutes, which is 135 minutes.",
      175: "14:35 to 17:35 is 3 hours = 180 minutes; 17:10 is 5 minutes earlier, so 175.",
    },
    // C correct, 1 and 2 the wrong answers, P prose without tags, U an
    // unclosed tag, W the answer in words. The first three make queryRetry retry.
    pattern: "PWCC1CUC2C",
  },
  {
    wrong: [54, 9],
    why: {
      18: "27 pens are 27 / 3 = 9 groups of 3, each $2: 9 × 2 = 18.",
      54: "Each pen costs $2, so 27 × 2 = 54.",
      9: "27 / 3 = 9 groups, so 9 dollars.",
    },
    pattern: "CCC1CCCCPC",
  },
  {
    wrong: [10, 40],
    why: {
      30: "A quarter full is 60 litres, so 180 litres drain: 180 / 6 = 30 minutes.",
      10: "A quarter of 240 is 60 litres; 60 / 6 = 10 minutes.",
      40: "240 / 6 = 40 minutes to drain the tank.",
    },
    pattern: "1CC1C1U12C",
  },
  {
    wrong: [10, 20],
    why: {
      30: "Let Ben be b. 3b + 10 = 2(b + 10), so b = 10 and Ana is 3 × 10 = 30.",
      10: "3b + 10 = 2(b + 10) gives b = 10.",
      20: "In 10 years Ana is twice Ben's age: 2 × 10 = 20.",
    },
    pattern: "1C11C2W1C1",
  },
  {
    wrong: [500, 250],
    why: {
      150: "Two sides of 10 make 20; the other two sides share 30, so 15 each. 10 × 15 = 150.",
      500: "Area = perimeter × side = 50 × 10 = 500.",
      250: "The other side is 25, so 10 × 25 = 250.",
    },
    pattern: "CCCCCCCCCC",
  },
  {
    wrong: [53, 46],
    why: {
      47: "33 multiples of 3, 20 of 5, 6 of 15 counted twice: 33 + 20 - 6 = 47.",
      53: "33 multiples of 3 and 20 multiples of 5: 33 + 20 = 53.",
      46: "33 + 20 - 7 multiples of 15 = 46.",
    },
    pattern: "1C2111P21C",
  },
  {
    wrong: [18, 24],
    why: {
      21: "6 litres per 100 km is 0.06 per km; 350 × 0.06 = 21.",
      18: "3 × 6 = 18 litres for 300 km.",
      24: "350 km is about 4 hundreds: 4 × 6 = 24.",
    },
    pattern: "CC1CCPCC1C",
  },
  {
    wrong: [26, 24],
    why: {
      28: "n + (n + 2) + (n + 4) = 78, so 3n = 72, n = 24: the numbers are 24, 26, 28.",
      26: "78 / 3 = 26.",
      24: "3n + 6 = 78 gives n = 24.",
    },
    pattern: "C1CC2CU1C1",
  },
];

const FENCE = "`".repeat(3);

/** Three answers to the facts prompt: broken JSON, a wrong format, then good JSON. */
const FACTS = [
  `${FENCE}json\n{"depart": "14:35", "arrive": "17:10", "unit": "minutes",}\n${FENCE}`,
  `{"depart": "2:35 pm", "arrive": "5:10 pm", "unit": "minutes"}`,
  `Here are the facts:\n\n${FENCE}json\n{\n  "depart": "14:35",\n  "arrive": "17:10",\n  ` +
  `"unit": "minutes"\n}\n${FENCE}`,
];

/**
 * The scripted responses to every prompt, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scriptedResponses } from "./make_structured_cache.ts";
 * import { FACTS_PROMPT, PROBLEMS, solvePrompt } from "./structured_prompts.ts";
 *
 * const responses = scriptedResponses();
 * assert.equal(responses.size, PROBLEMS.length + 1);
 * assert.equal(responses.get(solvePrompt(PROBLEMS[0]!.question))![0], (
 *   "From 14:35 to 16:35 is 2 hours, 120 minutes. From 16:35 to 17:10 is 35 more. " +
 *   "120 + 35 = 155. So the answer is 155."
 * ));
 * assert.equal(responses.get(FACTS_PROMPT)!.length, 3);
 * ```
 */
export function scriptedResponses(): Map<string, string[]> {
  const responses = new Map<string, string[]>();
  PROBLEMS.forEach((problem, p) => {
    const script = SCRIPTS[p]!;
    const [w1, w2] = script.wrong;
    const answers = [...script.pattern].map((mode) => {
      const value = mode === "1" ? w1 : mode === "2" ? w2 : problem.answer;
      const reasoning = `<reasoning>${script.why[value]}</reasoning>`;
      switch (mode) {
        case "P":
          return `${script.why[value]} So the answer is ${value}.`;
        case "U":
          return `${reasoning}\n<answer>${value}`;
        case "W":
          return `${reasoning}\n<answer>${words(p, value)}</answer>`;
        default:
          return `${reasoning}\n<answer>${value}</answer>`;
      }
    });
    responses.set(solvePrompt(problem.question), answers);
  });
  responses.set(FACTS_PROMPT, FACTS);
  return responses;
}

/** An answer given in words rather than as a number. */
function words(problem: number, value: number): string {
  return problem === 0 ? `${Math.floor(value / 60)} h ${value % 60} min` : `about ${value}`;
}

/** A "model" that answers each prompt from its script. */
class Scripted extends BufferedModel {
  #left: Map<string, string[]>;
  constructor(responses: Map<string, string[]>) {
    super("scripted", TEMPERATURE, { alias: ALIAS, maxBatch: 10 });
    this.#left = new Map([...responses].map(([k, v]) => [k, [...v]]));
  }
  protected query(prompt: string, n: number): Promise<string[]> {
    const out = this.#left.get(prompt)?.splice(0, n) ?? [];
    return Promise.resolve(out);
  }
}

/**
 * Writes the cache into `dir` (which should be empty).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "../cache/fs_store.ts";
 * import { makeStructuredCache } from "./make_structured_cache.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * await makeStructuredCache(dir);
 * assert.deepEqual(await Array.fromAsync(new FsStore(dir).models()), ["scripted_0.7"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function makeStructuredCache(dir: string): Promise<void> {
  const responses = scriptedResponses();
  const model = new Persistent(new Scripted(responses), dir);
  for (const [prompt, answers] of responses) {
    await collect(model.sample(prompt, answers.length), answers.length);
  }
  await model.store.close();
  await writeEstimatedUsage(dir);
}

if (import.meta.main) {
  const dir = new URL("./structured_cache", import.meta.url).pathname;
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await makeStructuredCache(dir);
  console.log(`wrote ${dir}`);
}
