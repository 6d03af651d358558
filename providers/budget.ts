/**
 * Spending limits: a provider stops before a request that would go past its
 * budget, so that a stream read without `take()` cannot sample forever.
 *
 * @module
 */

/**
 * The most one model object may spend. Limits left out are unlimited;
 * `Infinity` lifts a limit.
 *
 * @example At most 50 requests and 200,000 tokens
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI } from "../mod.ts";
 * import type { Budget } from "../providers/http.ts";
 *
 * const budget: Budget = { requests: 50, tokens: 200_000 };
 * const model = new CloseAI("gpt-4o", 1, { budget });
 * assert.equal(model.stats.requests, 0);
 * assert.throws(() => new CloseAI("gpt-4o", 1, { budget: { samples: -1 } }), RangeError);
 * ```
 *
 * @example At most 5 euros: the cost is counted at the model's price
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI } from "../mod.ts";
 *
 * const price = { input: 2.3, output: 9.2, currency: "EUR" };
 * new CloseAI("gpt-4o", 1, { price, budget: { cost: 5 } });
 * assert.throws(() => new CloseAI("gpt-4o", 1, { budget: { cost: 5 } }), /needs a price/);
 * ```
 */
export interface Budget {
  /**
   * HTTP requests sent, retries included: a request that failed and would be
   * sent again is not, past the limit (the error's `cause` is its failure).
   */
  requests?: number;
  /**
   * Samples received. A request asks for no more than what is left once the
   * samples of the requests in flight are counted. A server that sends more
   * choices than asked never takes the budget past the limit: the extra ones
   * are kept while the budget has room for them, and dropped past it.
   */
  samples?: number;
  /**
   * Prompt and completion tokens the server reported (or its `total_tokens`
   * when that is all it reported), checked when a request is about to be
   * sent. A request is sent when none is in flight, or when the tokens
   * reported plus, for each request in flight (its own included), the most a
   * sample has cost so far times its samples fit in the budget; else it waits
   * for one in flight to answer. Before the first answer, one request goes
   * out alone. So the request that crosses the limit completes, and the
   * overshoot is at most the requests in flight at once. A server that
   * reports no token counts cannot be held to it: its first answer is
   * served, and the next request fails with an error that says so.
   */
  tokens?: number;
  /**
   * Money, in the currency of the model's `price` (which it needs: without
   * a price, a `cost` limit is a TypeError at construction): the tokens the
   * server reported at that price (a total without its split at the output
   * price, never understated), checked like `tokens` when a request is
   * about to be sent, counting what the requests in flight will cost. Any
   * amount ≥ 0, e.g. `2.5`.
   */
  cost?: number;
}

/**
 * The spending limit of a provider.
 *
 * @example No limit, for a run that is known to end
 * ```ts
 * import assert from "node:assert/strict";
 * import { OpenAI } from "../mod.ts";
 * import type { BudgetOptions } from "../providers/http.ts";
 *
 * const options: BudgetOptions = { budget: { samples: Infinity } };
 * assert.equal(new OpenAI("gpt-4o-mini", 1, options).alias, "gpt-4o-mini");
 * ```
 */
export interface BudgetOptions {
  /**
   * What this model object may spend before it throws a
   * {@linkcode BudgetExceededError}. The default stops a loop that never
   * ends (`for await` without `take()` or `break`) after 10,000 samples, far
   * beyond a usual run of one model over a benchmark. A budget given replaces
   * the default: `{ requests: 500 }` allows 500 requests of any size, `{}` or
   * `{ samples: Infinity }` sets no limit. Samples served from a cache are
   * free.
   * @default {{ samples: 10000 }}
   */
  budget?: Budget;
}

/**
 * Which limit of a {@linkcode Budget} was reached.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BudgetExceededError } from "../mod.ts";
 * import type { BudgetLimit } from "../providers/http.ts";
 *
 * const limit: BudgetLimit = new BudgetExceededError("m", "tokens", 1000, 1200).limit;
 * assert.equal(limit, "tokens");
 * ```
 */
export type BudgetLimit = "requests" | "samples" | "tokens" | "cost";

/**
 * A provider refused to send a request that would go past its budget (the
 * `budget` option). It is thrown before the request, so nothing more is paid
 * for; samples received before it are served, and stored by `Persistent`.
 *
 * @example A budget of two requests
 * ```ts
 * import assert from "node:assert/strict";
 * import { BudgetExceededError, OpenAICompatible } from "../mod.ts";
 *
 * const model = new OpenAICompatible("m", 1, {
 *   baseUrl: "http://localhost:8000/v1",
 *   budget: { requests: 2 },
 *   fetch: () => Promise.resolve(Response.json({ choices: [{ message: { content: "hi" } }] })),
 * });
 * const stream = model.sample("p");
 * assert.equal((await stream.next()).value, "hi");
 * assert.equal((await stream.next()).value, "hi");
 * await assert.rejects(stream.next(), (error) => {
 *   assert.ok(error instanceof BudgetExceededError);
 *   assert.equal(error.limit, "requests");
 *   assert.equal(error.allowed, 2);
 *   assert.match(error.message, /budget: \{ requests: 4 \}/);
 *   return true;
 * });
 * ```
 */
export class BudgetExceededError extends Error {
  /** Always `"BudgetExceededError"`. */
  override readonly name: string = "BudgetExceededError";
  /** The limit reached. */
  readonly limit: BudgetLimit;
  /** Its value in the budget. */
  readonly allowed: number;
  /** What was spent when the request was refused. */
  readonly used: number;

  /**
   * Says which limit of whose budget was reached, and how to raise it.
   *
   * @param who The model, e.g. `CloseAI "gpt-4o"`.
   * @param limit The limit reached.
   * @param allowed Its value.
   * @param used What was spent when the request was refused.
   * @param options `cause`: the failure of a request whose retry was refused;
   * `currency`: the unit of a `cost` limit (default `"USD"`).
   */
  constructor(
    who: string,
    limit: BudgetLimit,
    allowed: number,
    used: number,
    options?: ErrorOptions & { currency?: string | undefined },
  ) {
    const before = options?.cause === undefined
      ? "a request that"
      : "retrying a failed request (its failure is this error's cause), which";
    const unit = limit === "cost" ? (options?.currency ?? "USD") : limit;
    // Money summed from decimal prices: shown to 6 significant digits.
    const spent = limit === "cost" ? Number(used.toPrecision(6)) : used;
    super(
      `${who} stopped before ${before} would go past its budget of ${allowed} ${unit} ` +
        `(${spent}${limit === "cost" ? ` ${unit}` : ""} ${SPENT[limit]}); the samples already ` +
        `received are served (and stored by Persistent). If the run really needs more, pass ` +
        `{ budget: { ${limit}: ${Math.max(2 * allowed, 1)} } } (or Infinity) to the model's ` +
        `constructor; if not, look for a stream that is read without take() or a break`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.limit = limit;
    this.allowed = allowed;
    this.used = used;
  }
}

const SPENT: Record<BudgetLimit, string> = {
  requests: "sent so far",
  samples: "received so far",
  tokens: "reported so far",
  cost: "spent so far",
};
