// The prompts of structured_output.ipynb, shared with the script that makes
// the cache it replays (make_structured_cache.ts): eight short word problems
// with their answers, and a fact-extraction prompt.

/** A word problem and its answer. */
export interface Problem {
  /** The question. */
  question: string;
  /** The correct answer. */
  answer: number;
}

/** Eight arithmetic word problems. */
export const PROBLEMS: readonly Problem[] = [
  {
    question: "A train leaves at 14:35 and arrives at 17:10. How many minutes does the trip take?",
    answer: 155,
  },
  { question: "Pens cost $2 for 3. How many dollars do 27 pens cost?", answer: 18 },
  {
    question: "A 240-litre tank drains at 6 litres a minute. After how many minutes is it " +
      "a quarter full?",
    answer: 30,
  },
  {
    question: "Ana is 3 times as old as Ben. In 10 years she will be twice as old as him. " +
      "How old is Ana now?",
    answer: 30,
  },
  {
    question: "A rectangle has a perimeter of 50 cm and one side of 10 cm. What is its area " +
      "in square centimetres?",
    answer: 150,
  },
  { question: "How many integers from 1 to 100 are divisible by 3 or by 5?", answer: 47 },
  {
    question: "A car uses 6 litres of fuel per 100 km. How many litres does it need for 350 km?",
    answer: 21,
  },
  { question: "Three consecutive even numbers add up to 78. What is the largest?", answer: 28 },
];

/**
 * The prompt that asks for reasoning and an answer in tags.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { solvePrompt } from "./structured_prompts.ts";
 *
 * const prompt = solvePrompt("What is 6 × 7?");
 * assert(prompt.startsWith("What is 6 × 7?\n\n") && prompt.endsWith("<answer>…</answer>."));
 * ```
 */
export function solvePrompt(question: string): string {
  return `${question}\n\nThink step by step inside <reasoning>…</reasoning>, then give only ` +
    `the number inside <answer>…</answer>.`;
}

/** A prompt that asks for the facts of the first problem as JSON. */
export const FACTS_PROMPT = `${PROBLEMS[0]!.question}\n\nDo not solve it. Reply with its facts ` +
  `as JSON: {"depart": "HH:MM", "arrive": "HH:MM", "unit": the unit asked for}.`;
