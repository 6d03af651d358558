// Per-sample usage shares and the tally of what a cache saved: the arithmetic
// the engine (_usage.ts), the stores (a SQLite row per share, the store walk)
// and the command line's `stats` share. Offered to the layers above the core
// as it is; not part of the public API (no entrypoint exports it).
//
// Shares are whole numbers that add up to their total exactly (the k-th of
// n shares of t is ceil((k + 1)·t / n) − ceil(k·t / n)), so that any sum over
// samples is a whole number, and the sum over all of a request's samples is
// the request's figure, however they were stored and read back. The sum of
// the shares k = a … b − 1 is ceil(b·t / n) − ceil(a·t / n): a tally over a
// record's samples costs one step, not one per sample.

import { costOf, type Price, type SavedFigures } from "./cost.ts";
import type { SampleUsage, UsageRecord } from "./usage.ts";

/** The usage of each sample of a list, `undefined` where it is unknown. */
export type Usages = readonly (SampleUsage | undefined)[];

/** The `k`-th of `n` whole-number shares of `total`; the first ones are the larger. */
export function share(total: number, n: number, k: number): number {
  return Math.ceil((k + 1) * total / n) - Math.ceil(k * total / n);
}

/** The sum of the shares `a` to `b - 1` of the `n` shares of `total`. */
function shares(total: number, n: number, a: number, b: number): number {
  return Math.ceil(b * total / n) - Math.ceil(a * total / n);
}

/** Whether `usage` knows its tokens (both counts). */
export function hasTokens(usage: SampleUsage): boolean {
  return usage.promptTokens !== undefined && usage.completionTokens !== undefined;
}

/** The `k`-th of `n` shares of `usage` (a request's, or a record's sums). */
export function shareOf(usage: SampleUsage, n: number, k: number): SampleUsage {
  const requests = share(usage.requests, n, k);
  const latencyMs = share(usage.latencyMs, n, k);
  if (usage.promptTokens === undefined || usage.completionTokens === undefined) {
    return { requests, latencyMs };
  }
  return {
    requests,
    promptTokens: share(usage.promptTokens, n, k),
    completionTokens: share(usage.completionTokens, n, k),
    latencyMs,
  };
}

/** A request's usage split over the `n` samples it brought. */
export function sharesOf(request: SampleUsage, n: number): SampleUsage[] {
  return Array.from({ length: n }, (_, k) => shareOf(request, n, k));
}

/** What a cache saved, summed as samples are served (see `SavedFigures`). */
export class UsageTally {
  samples = 0;
  unknown = 0;
  requests = 0;
  promptTokens = 0;
  completionTokens = 0;
  latencyMs = 0;

  /** Counts one sample served from the cache, of known or unknown usage. */
  add(usage: SampleUsage | undefined): void {
    this.samples++;
    if (usage === undefined) {
      this.unknown++;
      return;
    }
    this.requests += usage.requests;
    this.latencyMs += usage.latencyMs;
    if (usage.promptTokens === undefined || usage.completionTokens === undefined) this.unknown++;
    else {
      this.promptTokens += usage.promptTokens;
      this.completionTokens += usage.completionTokens;
    }
  }

  /**
   * Counts the samples at indices `a` to `b - 1`, each with its share of
   * `record` (which covers them), as `add` would one by one.
   */
  addShares(record: UsageRecord, a: number, b: number): void {
    const [n, p, q] = [record.count, a - record.from, b - record.from];
    this.samples += b - a;
    this.requests += shares(record.requests, n, p, q);
    this.latencyMs += shares(record.latencyMs, n, p, q);
    if (!hasTokens(record)) this.unknown += b - a;
    else {
      this.promptTokens += shares(record.promptTokens!, n, p, q);
      this.completionTokens += shares(record.completionTokens!, n, p, q);
    }
  }

  /** Counts `n` samples of unknown usage. */
  addUnknown(n: number): void {
    this.samples += n;
    this.unknown += n;
  }

  /** Adds another tally's counts to this one. */
  addTally(other: UsageTally): void {
    this.samples += other.samples;
    this.unknown += other.unknown;
    this.requests += other.requests;
    this.promptTokens += other.promptTokens;
    this.completionTokens += other.completionTokens;
    this.latencyMs += other.latencyMs;
  }

  /** The figures, with the cost of the tokens at `price` when there is one. */
  figures(price: Price | undefined): SavedFigures {
    const cost = costOf(price, this.promptTokens, this.completionTokens);
    return {
      samples: this.samples,
      unknown: this.unknown,
      requests: this.requests,
      promptTokens: this.promptTokens,
      completionTokens: this.completionTokens,
      ...(cost === undefined ? {} : { cost }),
      queryTime: this.latencyMs / 1000,
    };
  }
}
