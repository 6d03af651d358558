// Usage carried with samples (see usage.ts), as a sequence keeps it: one
// record per fill or per look in the store, shares (usage_shares.ts, where
// shares and the tally of what a cache saved are computed) derived when
// asked. The records a store keeps, grouped from shares and read back into
// them, are in usage_records.ts.

import type { SampleUsage, UsageRecord } from "./usage.ts";
import { hasTokens, share, shareOf, type Usages, type UsageTally } from "./usage_shares.ts";

/**
 * A reader of a store's usage records, called when a figure, a manifest or
 * a cache above first needs the usage of the samples it came with.
 */
export type RecordsReader = () => readonly UsageRecord[];

/**
 * The usage of a run of consecutive values: one record that covers exactly
 * them (a fill of one request, the usual case), or the store's records for
 * them (indices as stored: records may reach past the run, and of two
 * records for one index the later counts), maybe still to be read.
 */
type Run = UsageRecord | StoredRun;

interface StoredRun {
  readonly from: number;
  readonly count: number;
  // The store's records or their reader; once looked at, those that cover
  // the run, in index order, none overlapping (see resolved).
  records: readonly UsageRecord[] | RecordsReader;
  resolved: boolean;
}

/**
 * The usage of a sequence's values: one run per fill (a record per request
 * it brought) or per look in the store (the store's records, or a reader of
 * them, read the first time a share is asked for), never one per value, in
 * index order, not overlapping; values without usage have none. Each
 * value's share is derived when asked, exactly the share it came with. A
 * plain array, and `undefined` while there is none: a sequence keeps one
 * per prompt.
 */
export type UsageRuns = Run[];

/**
 * `runs` with the usage of the values at `from` and after: `usage[k]` is
 * the share of value `from + k`, `undefined` where unknown. Kept as records
 * that give back each share exactly (see {@linkcode recordsOfShares}).
 */
export function withShares(runs: UsageRuns | undefined, from: number, usage: Usages) {
  for (const record of recordsOfShares(from, usage)) runs = withRun(runs, record);
  return runs;
}

/**
 * `runs` with the usage of the `count` values at `from` and after, which is
 * in `records` (a store's, indices as stored), or in what `records` answers
 * once it is called.
 */
export function withRecords(
  runs: UsageRuns | undefined,
  from: number,
  count: number,
  records: readonly UsageRecord[] | RecordsReader,
): UsageRuns | undefined {
  return count > 0 ? withRun(runs, { from, count, records, resolved: false }) : runs;
}

function withRun(runs: UsageRuns | undefined, run: Run): UsageRuns {
  // Most sequences have one run: an array of its exact size.
  if (runs === undefined) return [run];
  runs.push(run);
  return runs;
}

/** The share of the value at `index`, when known. */
export function shareAt(runs: UsageRuns, index: number): SampleUsage | undefined {
  const run = runs[find(runs, index)];
  if (run === undefined || index >= run.from + run.count) return undefined;
  if (!isStored(run)) return shareOf(run, run.count, index - run.from);
  const record = covering(resolved(run), index);
  return record && shareOf(record, record.count, index - record.from);
}

/** Counts the values at indices `a` to `b - 1` in `tally`, each with its share. */
export function tallyRuns(runs: UsageRuns, tally: UsageTally, a: number, b: number): void {
  let at = a;
  for (let k = Math.max(find(runs, a), 0); k < runs.length && at < b; k++) {
    const run = runs[k]!;
    const start = Math.max(run.from, at);
    const end = Math.min(run.from + run.count, b);
    if (end <= start) continue;
    tally.addUnknown(start - at);
    if (isStored(run)) tallyStored(tally, resolved(run), start, end);
    else tally.addShares(run, start, end);
    at = end;
  }
  tally.addUnknown(Math.max(0, b - at));
}

/**
 * `runs` without the usage of the values below `index` (a provider's, once
 * handed out); `undefined` when none is left.
 */
export function dropBelow(runs: UsageRuns, index: number): UsageRuns | undefined {
  let gone = 0;
  while (gone < runs.length && runs[gone]!.from + runs[gone]!.count <= index) gone++;
  if (gone === runs.length) return undefined;
  if (gone > 0) runs.splice(0, gone);
  return runs;
}

/** The position of the last run that starts at or before `index`, or -1. */
function find(runs: UsageRuns, index: number): number {
  let [low, high] = [0, runs.length - 1];
  // Most asks are about the latest values.
  if (high < 0 || runs[high]!.from <= index) return high;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (runs[mid]!.from <= index) low = mid;
    else high = mid - 1;
  }
  return runs[low]!.from <= index ? low : low - 1;
}

function isStored(run: Run): run is StoredRun {
  return "resolved" in run;
}

/**
 * A stored run's records, read when first asked for: those that cover its
 * values, in index order, none overlapping (where two did, the later one's
 * shares are kept as records of one sample each).
 */
function resolved(run: StoredRun): readonly UsageRecord[] {
  if (run.resolved) return run.records as readonly UsageRecord[];
  const end = run.from + run.count;
  const all = typeof run.records === "function" ? run.records() : run.records;
  const found = all.filter((r) => r.from < end && r.from + r.count > run.from);
  const sorted = [...found].sort((a, b) => a.from - b.from);
  const overlap = sorted.some((r, k) =>
    k > 0 && r.from < sorted[k - 1]!.from + sorted[k - 1]!.count
  );
  const records = overlap ? winners(found, run.from, end) : sorted;
  run.records = records;
  run.resolved = true;
  return records;
}

/** For each index from `from` to `end - 1`, the later record's share, as a record of one sample. */
function winners(records: readonly UsageRecord[], from: number, end: number): UsageRecord[] {
  const out: UsageRecord[] = [];
  for (let i = from; i < end; i++) {
    const record = records.findLast((r) => r.from <= i && i < r.from + r.count);
    if (record !== undefined) {
      out.push({ from: i, count: 1, ...shareOf(record, record.count, i - record.from) });
    }
  }
  return out;
}

/** The record among `records` (in index order, not overlapping) that covers `index`. */
function covering(records: readonly UsageRecord[], index: number): UsageRecord | undefined {
  return records.find((r) => r.from <= index && index < r.from + r.count);
}

/** Counts the indices `a` to `b - 1` in `tally`, with the shares of `records` (in index order). */
function tallyStored(tally: UsageTally, records: readonly UsageRecord[], a: number, b: number) {
  let at = a;
  for (const record of records) {
    const start = Math.max(record.from, at);
    const end = Math.min(record.from + record.count, b);
    if (end <= start) continue;
    tally.addUnknown(start - at);
    tally.addShares(record, start, end);
    at = end;
  }
  tally.addUnknown(Math.max(0, b - at));
}

/**
 * Records of the values at `from` and after whose shares are exactly
 * `usage` (`usage[k]` is value `from + k`'s, `undefined` where unknown):
 * one per request, its shares' sums, where those split back into the same
 * shares (a request's own shares always do); else one per value.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordsOfShares } from "./_usage.ts";
 * import { sharesOf } from "./usage_shares.ts";
 *
 * const request = { requests: 1, promptTokens: 35, completionTokens: 20, latencyMs: 801 };
 * assert.deepEqual(recordsOfShares(4, sharesOf(request, 3)), [{ from: 4, count: 3, ...request }]);
 * ```
 */
export function recordsOfShares(from: number, usage: Usages): UsageRecord[] {
  const out: UsageRecord[] = [];
  for (let k = 0; k < usage.length;) {
    const first = usage[k];
    if (first === undefined) {
      k++;
      continue;
    }
    // A request's shares: the first carries the request, the others none.
    let end = k + 1;
    while (end < usage.length && usage[end]?.requests === 0 && sameKind(usage[end]!, first)) end++;
    const record = sumOf(from + k, usage, k, end);
    if (splitsInto(record, usage, k)) out.push(record);
    else for (let j = k; j < end; j++) out.push(sumOf(from + j, usage, j, j + 1));
    k = end;
  }
  return out;
}

function sameKind(a: SampleUsage, b: SampleUsage): boolean {
  return hasTokens(a) === hasTokens(b);
}

/** The record of the shares `usage[a]` to `usage[b - 1]` (all known, of one kind), from index `from`. */
function sumOf(from: number, usage: Usages, a: number, b: number): UsageRecord {
  let [requests, prompt, completion, latencyMs] = [0, 0, 0, 0];
  for (let k = a; k < b; k++) {
    const u = usage[k]!;
    requests += u.requests;
    latencyMs += u.latencyMs;
    if (hasTokens(u)) {
      prompt += u.promptTokens!;
      completion += u.completionTokens!;
    }
  }
  const count = b - a;
  return hasTokens(usage[a]!)
    ? { from, count, requests, promptTokens: prompt, completionTokens: completion, latencyMs }
    : { from, count, requests, latencyMs };
}

/** Whether `record`'s shares are `usage[k]`, `usage[k + 1]`, … exactly. */
function splitsInto(record: UsageRecord, usage: Usages, k: number): boolean {
  const n = record.count;
  for (let j = 0; j < n; j++) {
    const u = usage[k + j]!;
    if (
      share(record.requests, n, j) !== u.requests || share(record.latencyMs, n, j) !== u.latencyMs
    ) return false;
    if (
      hasTokens(record) && (share(record.promptTokens!, n, j) !== u.promptTokens ||
        share(record.completionTokens!, n, j) !== u.completionTokens)
    ) return false;
  }
  return true;
}
