// Usage carried with samples (see usage.ts): a request's figures split into
// per-sample shares, shares grouped into the records a store keeps, records
// read back into shares, and the tally of what a cache saved.
//
// Shares are whole numbers that add up to their total exactly (the k-th of
// n shares of t is ceil((k + 1)·t / n) − ceil(k·t / n)), so that any sum over
// samples is a whole number, and the sum over all of a request's samples is
// the request's figure, however they were stored and read back.

import { costOf, type Price, type SavedFigures } from "./cost.ts";
import type { SampleUsage, UsageRecord } from "./usage.ts";

/** The usage of each sample of a list, `undefined` where it is unknown. */
export type Usages = readonly (SampleUsage | undefined)[];

/** The `k`-th of `n` whole-number shares of `total`; the first ones are the larger. */
function share(total: number, n: number, k: number): number {
  return Math.ceil((k + 1) * total / n) - Math.ceil(k * total / n);
}

/** The `k`-th of `n` shares of `usage` (a request's, or a record's sums). */
function shareOf(usage: SampleUsage, n: number, k: number): SampleUsage {
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

/**
 * The records of samples stored at `indices` (ascending) with `usage`: one
 * per run of consecutive indices whose tokens are all known or all unknown;
 * samples of unknown usage get none.
 */
export function recordsOf(indices: readonly number[], usage: Usages): UsageRecord[] {
  const sums: Sum[] = [];
  let open: Sum | undefined;
  for (const [k, index] of indices.entries()) {
    const u = usage[k];
    if (u === undefined) {
      open = undefined;
      continue;
    }
    const known = u.promptTokens !== undefined && u.completionTokens !== undefined;
    if (open === undefined || open.from + open.count !== index || open.known !== known) {
      open = { from: index, count: 0, known, requests: 0, prompt: 0, completion: 0, latency: 0 };
      sums.push(open);
    }
    open.count++;
    open.requests += u.requests;
    open.latency += u.latencyMs;
    if (known) {
      open.prompt += u.promptTokens!;
      open.completion += u.completionTokens!;
    }
  }
  return sums.map(recordOf);
}

interface Sum {
  from: number;
  count: number;
  known: boolean;
  requests: number;
  prompt: number;
  completion: number;
  latency: number;
}

function recordOf(sum: Sum): UsageRecord {
  const { from, count, requests, latency: latencyMs } = sum;
  return sum.known
    ? {
      from,
      count,
      requests,
      promptTokens: sum.prompt,
      completionTokens: sum.completion,
      latencyMs,
    }
    : { from, count, requests, latencyMs };
}

/**
 * The usage of the `count` samples from index `from` on, from a sequence's
 * records in the order they were stored (a later record for an index wins).
 */
export function usageAt(records: readonly UsageRecord[], from: number, count: number): Usages {
  const out = new Array<SampleUsage | undefined>(count).fill(undefined);
  for (const record of records) {
    const start = Math.max(record.from, from);
    const end = Math.min(record.from + record.count, from + count);
    for (let i = start; i < end; i++) {
      out[i - from] = shareOf(record, record.count, i - record.from);
    }
  }
  return out;
}

/**
 * `value` as a usage record, or `undefined` when it is not one (a torn line,
 * a record of a newer format): whole numbers, `from` ≥ 0, `count` ≥ 1,
 * both token counts or neither. Fields it does not know are left out.
 */
export function asRecord(value: unknown): UsageRecord | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { from, count, requests, promptTokens, completionTokens, latencyMs } = value as Record<
    string,
    unknown
  >;
  if (!whole(from) || !whole(count) || count < 1 || !whole(requests) || !whole(latencyMs)) {
    return undefined;
  }
  if (promptTokens === undefined && completionTokens === undefined) {
    return { from, count, requests, latencyMs };
  }
  if (!whole(promptTokens) || !whole(completionTokens)) return undefined;
  return { from, count, requests, promptTokens, completionTokens, latencyMs };
}

function whole(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
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
