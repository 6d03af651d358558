// A model object's spending against its budget (the `budget` option, see
// budget.ts), checked when a request is about to be sent: it holds its
// connection slot, and what is in flight counts.
//
// - requests: every HTTP request sent counts, a retry as much as the first
//   attempt; a request (or retry) past the limit is never sent.
// - samples: a request asks for no more than the limit leaves once the
//   samples received and those asked for by requests in flight are counted;
//   when only requests in flight stand in the way, it waits for them (one
//   that fails gives its share back). A server that sends more choices than
//   asked: the extra ones are kept while the budget has room for them (they
//   were paid for), and dropped past it, so the budget is never exceeded.
// - tokens and cost (a Meter each): known only once an answer came. Each
//   request in flight reserves an estimate, the most a sample has cost so
//   far times the samples it asks for; a request is sent when nothing is in
//   flight, or when what was reported and every reservation (its own
//   included) fit in the budget; otherwise it waits for a request in flight
//   to settle. Before the first answer there is no estimate: one request
//   goes out alone. So the budget is overshot by at most the requests in
//   flight at once, and not at all while answers cost no more than the ones
//   before did. An answer that reports no token counts makes the budget
//   impossible to keep: the next request is refused with an error that says
//   so. The cost of an answer is its tokens at the model's price (a total
//   without its split at the output price: never understated); money is
//   compared with a relative tolerance of 1e-9, so that sums of decimal
//   prices that are equal on paper are equal here.
//
// A request that waits gives its connection slot back meanwhile (see
// Sender), so the requests it waits for can still be retried.

import type { QueryResult } from "../core/buffered_model.ts";
import { costOf, currencyOf, type Price } from "../core/cost.ts";
import { assertLengthOrInfinity, assertNonNegative, describe } from "../internal/validate.ts";
import { isTokenUsage } from "../core/query_answer.ts";
import {
  type Budget,
  BudgetExceededError,
  type BudgetLimit,
  type BudgetOptions,
} from "./budget.ts";
import type { Admit } from "./_sender.ts";
import { isRecord } from "./_options.ts";
import type { ProviderError } from "./provider_error.ts";
import { type TokenCounts, tokensOf } from "./_token_counts.ts";

/** The default {@linkcode Budget}: enough for a real experiment, not for a runaway loop. */
const DEFAULT_BUDGET: Readonly<Budget> = Object.freeze({ samples: 10_000 });

/** One request's way through the budget, handed to the HTTP client. */
export interface Ticket {
  /** The samples the request may ask for, known once it was first admitted. */
  readonly n: number;
  /** Admits each attempt of the request (see {@linkcode Admit}). */
  readonly admit: Admit;
}

/** The options a model's spending reads: its budget, and the price its cost is counted at. */
export interface SpendingOptions extends BudgetOptions {
  /** What the provider charges; needed for a `cost` limit. */
  price?: Price | undefined;
}

/**
 * A limit known only once answers came (tokens, cost): what was reported,
 * and the most one sample has cost so far, to reserve for requests in flight.
 */
class Meter {
  /** What the answers reported. */
  spent = 0;
  /** The most one sample has cost so far; undefined before the first counted answer. */
  #perSample: number | undefined;
  /** Whether an answer came without token counts. */
  #uncounted = false;

  /**
   * @param name The limit.
   * @param limit Its value, or Infinity.
   * @param measure What an answer's counts amount to, or undefined when unknown.
   */
  constructor(
    readonly name: "tokens" | "cost",
    readonly limit: number,
    readonly measure: (counts: TokenCounts) => number | undefined,
  ) {}

  /** Whether the estimates of `asked` samples in flight (a new request's included) fit. */
  fits(asked: number): boolean {
    if (this.limit === Infinity) return true;
    if (this.#perSample === undefined) return false;
    return within(this.spent + this.#perSample * asked, this.limit);
  }

  /** Whether nothing more may be sent: spent, or impossible to count. */
  spentOut(): "uncounted" | boolean {
    if (this.limit === Infinity) return false;
    if (this.#uncounted) return "uncounted";
    return within(this.limit, this.spent);
  }

  /** Counts what an answer (or a failure's bill) reported. */
  add(counts: TokenCounts | undefined, samples: number | undefined): void {
    const amount = counts === undefined ? undefined : this.measure(counts);
    if (amount !== undefined) this.spent += amount;
    if (samples === undefined) return;
    if (amount === undefined) this.#uncounted = true;
    else this.#perSample = Math.max(this.#perSample ?? 0, amount / samples);
  }
}

/** `value <= limit`, for money with a relative tolerance of 1e-9. */
function within(value: number, limit: number): boolean {
  return value <= limit + Math.abs(limit) * 1e-9;
}

/** One model object's spending. */
export class Spending {
  #who: string;
  #requests: number;
  #samples: number;
  #meters: Meter[];
  #currency: string | undefined;
  /** HTTP requests sent, retries included. */
  #sent = 0;
  /** Samples received and kept. */
  #received = 0;
  /** Samples asked for by the requests in flight. */
  #asked = 0;
  /** Requests in flight: from their first attempt until their last one settled. */
  #inFlight = 0;
  /** Requests waiting for one in flight to settle. */
  #waiting: (() => void)[] = [];

  /**
   * @param options The model's options; their `budget` is checked here, and
   * their `price` counts the cost.
   * @param who The model, for messages.
   */
  constructor(options: SpendingOptions, who: string) {
    const limits = limitsOf(options.budget ?? DEFAULT_BUDGET, who);
    if (limits.cost !== Infinity && options.price === undefined) {
      throw new TypeError(
        `${who}: budget.cost needs a price to count the cost at; pass e.g. ` +
          "price: { input: 2.5, output: 10 } (currency units per million tokens, with " +
          'currency: "EUR" for other than US dollars), or limit tokens instead',
      );
    }
    const price = options.price;
    this.#who = who;
    this.#requests = limits.requests;
    this.#samples = limits.samples;
    this.#currency = currencyOf(price);
    this.#meters = [
      new Meter("tokens", limits.tokens, tokensOf),
      new Meter("cost", limits.cost, (counts) => costOfCounts(price, counts)),
    ];
  }

  /**
   * Sends one request for up to `wanted` samples within the budget: `send`
   * gets a {@linkcode Ticket} whose `admit` the HTTP client calls before each
   * attempt, and whose `n` is then how many samples to ask for. Throws
   * {@linkcode BudgetExceededError} instead of sending past the budget.
   */
  async request<T extends QueryResult>(
    wanted: number,
    send: (ticket: Ticket) => Promise<T>,
  ): Promise<T> {
    let granted = 0;
    const ticket: Ticket = {
      get n() {
        return granted;
      },
      admit: (retryOf) => {
        if (granted > 0) return this.#resend(retryOf);
        const verdict = this.#grant(wanted);
        if (typeof verdict !== "number") return verdict;
        granted = verdict;
      },
    };
    let answer: T | undefined;
    let billed: TokenCounts | undefined;
    try {
      answer = await send(ticket);
    } catch (error) {
      // A request that brought no sample may still have been billed.
      const usage = (error as { usage?: unknown } | null)?.usage;
      if (isTokenUsage(usage)) billed = { usage };
      throw error;
    } finally {
      if (granted > 0) answer = this.#settle(granted, answer, billed);
    }
    return answer!;
  }

  /** How many samples a first attempt may ask for, or a wait; throws past the budget. */
  #grant(wanted: number): number | Promise<void> {
    this.#checkMeters(undefined);
    if (this.#sent >= this.#requests) this.#refuse("requests", this.#requests, this.#sent);
    if (this.#received >= this.#samples) this.#refuse("samples", this.#samples, this.#received);
    const n = Math.min(wanted, this.#samples - this.#received - this.#asked);
    // Both waits need a request in flight (asked > 0, or a reservation), which will settle.
    const fits = this.#inFlight === 0 || this.#meters.every((m) => m.fits(this.#asked + n));
    if (n <= 0 || !fits) return new Promise((resolve) => this.#waiting.push(resolve));
    this.#sent++;
    this.#inFlight++;
    this.#asked += n;
    return n;
  }

  /** Admits a retry of a request in flight (its samples are asked for already). */
  #resend(retryOf: ProviderError | undefined): undefined {
    this.#checkMeters(retryOf);
    if (this.#sent >= this.#requests) {
      this.#refuse("requests", this.#requests, this.#sent, retryOf);
    }
    this.#sent++;
  }

  /** Throws when the tokens or the money are spent, or cannot be counted. */
  #checkMeters(retryOf: ProviderError | undefined): void {
    for (const meter of this.#meters) {
      const out = meter.spentOut();
      if (out === "uncounted") {
        throw new Error(uncountedMessage(this.#who, this.#amount(meter.name, meter.limit)));
      }
      if (out) this.#refuse(meter.name, meter.limit, meter.spent, retryOf);
    }
  }

  /**
   * Counts what a request in flight brought (its answer, or the tokens a
   * failure was billed) and wakes the requests waiting; returns the answer
   * with the samples the budget keeps.
   */
  #settle<T extends QueryResult>(
    granted: number,
    answer: T | undefined,
    billed: TokenCounts | undefined,
  ): T | undefined {
    this.#inFlight--;
    this.#asked -= granted;
    for (const meter of this.#meters) meter.add(answer ?? billed, answer?.samples.length);
    let kept = answer;
    if (answer !== undefined) {
      kept = this.#keep(granted, answer);
      this.#received += kept.samples.length;
    }
    for (const wake of this.#waiting.splice(0)) wake();
    return kept;
  }

  /** `answer` without the choices past what was asked that the budget has no room for. */
  #keep<T extends QueryResult>(granted: number, answer: T): T {
    const room = this.#samples - this.#received - this.#asked;
    const keep = Math.max(granted, room);
    if (answer.samples.length <= keep) return answer;
    return { ...answer, samples: answer.samples.slice(0, keep) };
  }

  /** `value` of limit `name`, as messages say it (money in its currency). */
  #amount(name: BudgetLimit, value: number): string {
    return name === "cost" ? `${value} ${this.#currency}` : `${value} ${name}`;
  }

  #refuse(limit: BudgetLimit, allowed: number, used: number, retryOf?: ProviderError): never {
    const options = {
      ...(retryOf === undefined ? {} : { cause: retryOf }),
      ...(limit === "cost" ? { currency: this.#currency } : {}),
    };
    throw new BudgetExceededError(this.#who, limit, allowed, used, options);
  }
}

/** What an answer's tokens cost at `price`; a total without its split at the output price. */
function costOfCounts(
  price: Price | undefined,
  { usage, totalTokens }: TokenCounts,
): number | undefined {
  if (usage !== undefined) return costOf(price, usage.promptTokens, usage.completionTokens);
  return totalTokens === undefined ? undefined : costOf(price, 0, totalTokens);
}

function uncountedMessage(who: string, budget: string): string {
  return `${who} cannot keep its budget of ${budget}: the server reported no token ` +
    "counts for a request (no usage, or neither both prompt and completion tokens nor a " +
    "total), so what is spent cannot be counted; nothing more is sent. The samples already " +
    "received are served (and stored by Persistent, of unknown usage). Limit what can be " +
    "counted instead: pass e.g. { budget: { samples: 1000 } } or { budget: { requests: 100 } } " +
    "to the model's constructor, or use a server that reports usage";
}

function limitsOf(budget: unknown, who: string): Required<Budget> {
  if (!isRecord(budget)) {
    throw new TypeError(
      `${who}: budget must be an object, got ${describe(budget)}; pass e.g. { samples: 1000 }`,
    );
  }
  const names = ["requests", "samples", "tokens", "cost"];
  const unknown = Object.keys(budget).find((k) => !names.includes(k));
  if (unknown !== undefined) {
    throw new TypeError(
      `${who}: budget has no limit ${JSON.stringify(unknown)}; use requests, samples, tokens ` +
        "or cost",
    );
  }
  const { cost = Infinity } = budget;
  if (cost !== Infinity) {
    assertNonNegative("budget.cost", cost, who, "e.g. 5, in the currency of price");
  }
  return {
    requests: limit("requests", budget.requests, who),
    samples: limit("samples", budget.samples, who),
    tokens: limit("tokens", budget.tokens, who),
    cost: cost as number,
  };
}

function limit(name: BudgetLimit, value: unknown, who: string): number {
  if (value === undefined) return Infinity;
  assertLengthOrInfinity(`budget.${name}`, value, who);
  return value;
}
