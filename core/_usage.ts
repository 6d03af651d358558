// Usage carried with samples (see usage.ts): a request's figures split into
// per-sample shares, and the tally of what a cache saved. The records a
// store keeps, grouped from shares and read back into them, are in
// usage_records.ts.
//
// Shares are whole numbers that add up to their total exactly (the k-th of
// n shares of t is ceil((k + 1)·t / n) − ceil(k·t / n)), so that any sum over
// samples is a whole number, and the sum over all of a request's samples is
// the request's figure, however they were stored and read back.

import { costOf, type Price, type SavedFigures } from "./cost.ts";
import type { SampleUsage } from "./usage.ts";

/** The usage of each sample of a list, `undefined` where it is unknown. */
export type Usages = readonly (SampleUsage | undefined)[];

/** The `k`-th of `n` whole-number shares of `total`; the first ones are the larger. */
function share(total: number, n: number, k: number): number {
  return Math.ceil((k + 1) * total / n) - Math.ceil(k * total / n);
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
