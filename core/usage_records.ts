/**
 * Usage records, for stores: what a store keeps of what its samples cost to
 * draw. A store's `append` gets one share per sample (see `SampleUsage`) and
 * keeps the records {@linkcode recordsOf} groups them into, for the indices
 * the samples landed at; its `usage` answers the records, in the order they
 * were stored; {@linkcode usageAt} reads them back into shares, exactly
 * (the shares of a record add up to its sums). {@linkcode asRecord} checks a
 * record read back from storage, and {@linkcode recordsBelow} keeps what a
 * deletion leaves.
 *
 * @module
 */

import { shareOf } from "./usage_shares.ts";
import type { SampleUsage, UsageRecord } from "./usage.ts";

/**
 * The records to store for samples stored at `indices` (ascending) with
 * `usage` (`usage[k]` is the share of the sample at `indices[k]`): one per
 * run of consecutive indices whose tokens are all known or all unknown.
 * Samples of unknown usage (`undefined`) get none.
 *
 * @example An append of three samples that landed at indices 4, 5 and 7
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordsOf } from "./usage_records.ts";
 *
 * const share = { requests: 0, promptTokens: 5, completionTokens: 2, latencyMs: 10 };
 * assert.deepEqual(recordsOf([4, 5, 7], [{ ...share, requests: 1 }, share, share]), [
 *   { from: 4, count: 2, requests: 1, promptTokens: 10, completionTokens: 4, latencyMs: 20 },
 *   { from: 7, count: 1, requests: 0, promptTokens: 5, completionTokens: 2, latencyMs: 10 },
 * ]);
 * ```
 *
 * @param indices Where the samples landed, ascending.
 * @param usage Each sample's share, `undefined` where unknown.
 * @returns The records, by index.
 */
export function recordsOf(
  indices: readonly number[],
  usage: readonly (SampleUsage | undefined)[],
): UsageRecord[] {
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
    add(open, u);
  }
  return sums.map(recordOf);
}

/**
 * The share of each of the `count` samples from index `from` on, from a
 * sequence's records in the order they were stored (a later record for an
 * index wins); `undefined` where no record covers an index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usageAt } from "./usage_records.ts";
 *
 * const records = [{ from: 0, count: 2, requests: 1, promptTokens: 35, completionTokens: 20, latencyMs: 801 }];
 * assert.deepEqual(usageAt(records, 1, 2), [
 *   { requests: 0, promptTokens: 17, completionTokens: 10, latencyMs: 400 },
 *   undefined,
 * ]);
 * ```
 *
 * @param records The sequence's records, as `Store.usage` answers them.
 * @param from The first index.
 * @param count How many indices.
 * @returns One share per index.
 */
export function usageAt(
  records: readonly UsageRecord[],
  from: number,
  count: number,
): (SampleUsage | undefined)[] {
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
 * garbage, a record of a newer format): whole numbers, `from` ≥ 0, `count`
 * ≥ 1, both token counts or neither. Fields it does not know are left out.
 * A store reads what it stored through it, so that nothing it did not write
 * reaches a figure.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { asRecord } from "./usage_records.ts";
 *
 * const line = '{"from":0,"count":1,"requests":1,"latencyMs":20,"note":"x"}';
 * assert.deepEqual(asRecord(JSON.parse(line)), { from: 0, count: 1, requests: 1, latencyMs: 20 });
 * assert.equal(asRecord({ from: 0, count: 0, requests: 1, latencyMs: 20 }), undefined);
 * ```
 *
 * @param value What was read back (e.g. parsed JSON).
 * @returns The record, or `undefined`.
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

/**
 * The records that stay when the samples at index `keep` and after are
 * deleted (see `Store.delete`), in the same order: a record below `keep`
 * stays as it is, one at or past it goes, and one that covers both is cut
 * down to the shares of its samples below `keep` (which `usageAt` reads
 * back unchanged).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordsBelow } from "./usage_records.ts";
 *
 * const records = [{ from: 0, count: 3, requests: 1, latencyMs: 30 }, { from: 3, count: 1, requests: 1, latencyMs: 5 }];
 * assert.deepEqual(recordsBelow(records, 2), [{ from: 0, count: 2, requests: 1, latencyMs: 20 }]);
 * ```
 *
 * @param records A sequence's records, in the order they were stored.
 * @param keep The first index deleted.
 * @returns The records of the samples below `keep`.
 */
export function recordsBelow(records: readonly UsageRecord[], keep: number): UsageRecord[] {
  const out: UsageRecord[] = [];
  for (const record of records) {
    if (record.from + record.count <= keep) out.push(record);
    else if (record.from < keep) {
      const known = record.promptTokens !== undefined && record.completionTokens !== undefined;
      const cut = {
        from: record.from,
        count: 0,
        known,
        requests: 0,
        prompt: 0,
        completion: 0,
        latency: 0,
      };
      for (let k = 0; k < keep - record.from; k++) add(cut, shareOf(record, record.count, k));
      out.push(recordOf(cut));
    }
  }
  return out;
}

/** The sums of a run of consecutive samples, as a record is built. */
interface Sum {
  from: number;
  count: number;
  known: boolean;
  requests: number;
  prompt: number;
  completion: number;
  latency: number;
}

function add(sum: Sum, usage: SampleUsage): void {
  sum.count++;
  sum.requests += usage.requests;
  sum.latency += usage.latencyMs;
  if (sum.known) {
    sum.prompt += usage.promptTokens!;
    sum.completion += usage.completionTokens!;
  }
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

function whole(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
