// A model object's spending, checked before each request against its budget
// (the `budget` option, see budget.ts).

import type { Model } from "../core/model.ts";
import { assertLengthOrInfinity, describe } from "../core/_validate.ts";
import {
  type Budget,
  BudgetExceededError,
  type BudgetLimit,
  type BudgetOptions,
} from "./budget.ts";
import { isRecord } from "./_options.ts";

/** The default {@linkcode Budget}: enough for a real experiment, not for a runaway loop. */
const DEFAULT_BUDGET: Readonly<Budget> = Object.freeze({ samples: 10_000 });

/** One model object's spending, checked before each request. */
export class Spending {
  #who: string;
  #limits: Required<Budget>;
  #model: Pick<Model, "totalTokenCount">;
  #requests = 0;
  #samples = 0;
  #pending = 0;

  /**
   * @param options The model's options; their `budget` is checked here.
   * @param who The model, for messages.
   * @param model Where the tokens reported so far are counted.
   */
  constructor(options: BudgetOptions, who: string, model: Pick<Model, "totalTokenCount">) {
    this.#limits = limits(options.budget ?? DEFAULT_BUDGET, who);
    this.#who = who;
    this.#model = model;
  }

  /**
   * Sends one request for up to `n` samples within the budget: `send` gets
   * how many to ask for (fewer than `n` when less is left). Throws
   * {@linkcode BudgetExceededError} instead of calling `send` when nothing
   * may be asked for.
   */
  async request<T extends { readonly samples: readonly string[] }>(
    n: number,
    send: (n: number) => Promise<T>,
  ): Promise<T> {
    const granted = this.#grant(n);
    this.#requests++;
    this.#pending += granted;
    try {
      const answer = await send(granted);
      this.#samples += answer.samples.length;
      return answer;
    } finally {
      this.#pending -= granted;
    }
  }

  #grant(n: number): number {
    const { requests, samples, tokens } = this.#limits;
    if (this.#requests >= requests) this.#refuse("requests", requests, this.#requests);
    const [prompt, completion] = this.#model.totalTokenCount();
    const spent = prompt + completion;
    if (spent >= tokens) this.#refuse("tokens", tokens, spent);
    const asked = this.#samples + this.#pending;
    if (asked >= samples) this.#refuse("samples", samples, asked);
    return Math.min(n, samples - asked);
  }

  #refuse(limit: BudgetLimit, allowed: number, used: number): never {
    throw new BudgetExceededError(this.#who, limit, allowed, used);
  }
}

function limits(budget: unknown, who: string): Required<Budget> {
  if (!isRecord(budget)) {
    throw new TypeError(
      `${who}: budget must be an object, got ${describe(budget)}; pass e.g. { samples: 1000 }`,
    );
  }
  const unknown = Object.keys(budget).find((k) => !["requests", "samples", "tokens"].includes(k));
  if (unknown !== undefined) {
    throw new TypeError(
      `${who}: budget has no limit ${JSON.stringify(unknown)}; use requests, samples or tokens`,
    );
  }
  return {
    requests: limit("requests", budget.requests, who),
    samples: limit("samples", budget.samples, who),
    tokens: limit("tokens", budget.tokens, who),
  };
}

function limit(name: BudgetLimit, value: unknown, who: string): number {
  if (value === undefined) return Infinity;
  assertLengthOrInfinity(`budget.${name}`, value, who);
  return value;
}
