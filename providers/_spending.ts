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
// - tokens: known only once an answer came. Each request in flight reserves
//   an estimate, the most tokens a sample has cost so far times the samples
//   it asks for; a request is sent when nothing is in flight, or when the
//   tokens reported and every reservation (its own included) fit in the
//   budget; otherwise it waits for a request in flight to settle. Before the
//   first answer there is no estimate: one request goes out alone. So the
//   budget is overshot by at most the requests in flight at once, and not at
//   all while answers cost no more than the ones before did. An answer that
//   reports no token counts makes the budget impossible to keep: the next
//   request is refused with an error that says so.
//
// A request that waits gives its connection slot back meanwhile (see
// HttpClient), so the requests it waits for can still be retried.

import type { QueryResult } from "../core/buffered_model.ts";
import { assertLengthOrInfinity, describe } from "../core/_validate.ts";
import { isTokenUsage } from "../core/_query_answer.ts";
import {
  type Budget,
  BudgetExceededError,
  type BudgetLimit,
  type BudgetOptions,
} from "./budget.ts";
import type { Admit } from "./_http_client.ts";
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

/** One model object's spending. */
export class Spending {
  #who: string;
  #limits: Required<Budget>;
  /** HTTP requests sent, retries included. */
  #sent = 0;
  /** Samples received and kept. */
  #received = 0;
  /** Samples asked for by the requests in flight. */
  #asked = 0;
  /** Requests in flight: from their first attempt until their last one settled. */
  #inFlight = 0;
  /** Tokens the answers reported. */
  #tokens = 0;
  /** The most tokens one sample has cost so far; undefined before the first counted answer. */
  #perSample: number | undefined;
  /** Whether an answer came without token counts. */
  #uncounted = false;
  /** Requests waiting for one in flight to settle. */
  #waiting: (() => void)[] = [];

  /**
   * @param options The model's options; their `budget` is checked here.
   * @param who The model, for messages.
   */
  constructor(options: BudgetOptions, who: string) {
    this.#limits = limits(options.budget ?? DEFAULT_BUDGET, who);
    this.#who = who;
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
    const { requests, samples } = this.#limits;
    this.#checkTokens(undefined);
    if (this.#sent >= requests) this.#refuse("requests", requests, this.#sent);
    if (this.#received >= samples) this.#refuse("samples", samples, this.#received);
    const n = Math.min(wanted, samples - this.#received - this.#asked);
    // Both waits need a request in flight (asked > 0, or a reservation), which will settle.
    if (n <= 0 || !this.#fits(n)) return new Promise((resolve) => this.#waiting.push(resolve));
    this.#sent++;
    this.#inFlight++;
    this.#asked += n;
    return n;
  }

  /** Admits a retry of a request in flight (its samples are asked for already). */
  #resend(retryOf: ProviderError | undefined): undefined {
    const { requests } = this.#limits;
    this.#checkTokens(retryOf);
    if (this.#sent >= requests) this.#refuse("requests", requests, this.#sent, retryOf);
    this.#sent++;
  }

  /** Whether `n` more samples' estimated tokens fit beside those in flight. */
  #fits(n: number): boolean {
    const { tokens } = this.#limits;
    if (tokens === Infinity || this.#inFlight === 0) return true;
    if (this.#perSample === undefined) return false;
    return this.#tokens + this.#perSample * (this.#asked + n) <= tokens;
  }

  /** Throws when the tokens are spent, or cannot be counted. */
  #checkTokens(retryOf: ProviderError | undefined): void {
    const { tokens } = this.#limits;
    if (tokens === Infinity) return;
    if (this.#uncounted) throw new Error(uncountedMessage(this.#who, tokens));
    if (this.#tokens >= tokens) this.#refuse("tokens", tokens, this.#tokens, retryOf);
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
    const counts = answer ?? billed;
    const tokens = counts === undefined ? undefined : tokensOf(counts);
    if (tokens !== undefined) this.#tokens += tokens;
    let kept = answer;
    if (answer !== undefined) {
      if (tokens === undefined) this.#uncounted = true;
      else this.#perSample = Math.max(this.#perSample ?? 0, tokens / answer.samples.length);
      kept = this.#keep(granted, answer);
      this.#received += kept.samples.length;
    }
    for (const wake of this.#waiting.splice(0)) wake();
    return kept;
  }

  /** `answer` without the choices past what was asked that the budget has no room for. */
  #keep<T extends QueryResult>(granted: number, answer: T): T {
    const room = this.#limits.samples - this.#received - this.#asked;
    const keep = Math.max(granted, room);
    if (answer.samples.length <= keep) return answer;
    return { ...answer, samples: answer.samples.slice(0, keep) };
  }

  #refuse(limit: BudgetLimit, allowed: number, used: number, retryOf?: ProviderError): never {
    const options = retryOf === undefined ? undefined : { cause: retryOf };
    throw new BudgetExceededError(this.#who, limit, allowed, used, options);
  }
}

function uncountedMessage(who: string, tokens: number): string {
  return `${who} cannot keep its budget of ${tokens} tokens: the server reported no token ` +
    "counts for a request (no usage, or neither both prompt and completion tokens nor a " +
    "total), so what is spent cannot be counted; nothing more is sent. The samples already " +
    "received are served (and stored by Persistent, of unknown usage). Limit what can be " +
    "counted instead: pass e.g. { budget: { samples: 1000 } } or { budget: { requests: 100 } } " +
    "to the model's constructor, or use a server that reports usage";
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
