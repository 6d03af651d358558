// How a sequence keeps its values' usage (one record per request, or the
// store's records, read when asked) gives back exactly the shares the values
// came with, and exactly their sums: a figure or a manifest reads the same
// numbers as when every value kept its own share.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  recordsOfShares,
  shareAt,
  tallyRuns,
  type UsageRuns,
  withRecords,
  withShares,
} from "../../core/_usage.ts";
import { sharesOf, type Usages, UsageTally } from "../../core/usage_shares.ts";
import { recordsOf, usageAt } from "../../core/usage_records.ts";
import type { SampleUsage, UsageRecord } from "../../core/usage.ts";

/** A request's usage: with tokens or without. */
const request = fc.record({
  requests: fc.constant(1),
  latencyMs: fc.nat(100_000),
  tokens: fc.option(fc.tuple(fc.nat(100_000), fc.nat(100_000)), { nil: undefined }),
}).map(({ requests, latencyMs, tokens }): SampleUsage =>
  tokens === undefined
    ? { requests, latencyMs }
    : { requests, promptTokens: tokens[0], completionTokens: tokens[1], latencyMs }
);

/**
 * Shares as fills bring them: whole requests, parts of requests (a cache
 * above reads a window of one), and values of unknown usage.
 */
const fills = fc.array(
  fc.tuple(request, fc.integer({ min: 1, max: 12 }), fc.nat(11), fc.nat(12), fc.boolean()),
  { maxLength: 8 },
).map((parts) =>
  parts.flatMap(([usage, n, skip, take, unknown]): Usages => {
    if (unknown) return Array(n).fill(undefined);
    const shares = sharesOf(usage, n);
    return take === 0 ? shares : shares.slice(Math.min(skip, n - 1), skip + take);
  })
);

/** The tally of `usage`, one value at a time. */
function tallyOf(usage: Usages): UsageTally {
  const tally = new UsageTally();
  for (const u of usage) tally.add(u);
  return tally;
}

Deno.test("usageAt: a fill's shares, kept as records, come back exactly, one by one and summed", () => {
  fc.assert(fc.property(fills, fc.nat(50), fc.nat(40), fc.nat(40), (usage, from, a, b) => {
    const runs = withShares(undefined, from, usage) ?? [];
    usage.forEach((u, k) => assert.deepEqual(shareAt(runs, from + k), u, `value ${k}`));
    const [start, end] = [Math.min(a, b), Math.max(a, b)];
    const tally = new UsageTally();
    tallyRuns(runs, tally, from + start, from + end);
    const expected = tallyOf(Array.from({ length: end - start }, (_, k) => usage[start + k]));
    assert.deepEqual(tally, expected);
  }));
});

Deno.test("usageAt: a request's shares are kept as one record", () => {
  fc.assert(fc.property(request, fc.integer({ min: 1, max: 64 }), (usage, n) => {
    assert.deepEqual(recordsOfShares(7, sharesOf(usage, n)), [{ from: 7, count: n, ...usage }]);
  }));
});

Deno.test("usageAt: a store's records, read when asked, give each value the share usageAt gives", () => {
  const records = fc.array(
    fc.tuple(request, fc.nat(30), fc.integer({ min: 1, max: 12 })).map((
      [usage, from, count],
    ): UsageRecord => ({ from, count, ...usage })),
    { maxLength: 6 },
  );
  fc.assert(fc.property(records, fc.nat(30), fc.nat(20), (stored, from, count) => {
    let reads = 0;
    const runs: UsageRuns = withRecords(undefined, from, count, () => {
      reads++;
      return stored;
    }) ?? [];
    assert.equal(reads, 0, "read before a share was asked for");
    const expected = usageAt(stored, from, count);
    expected.forEach((u, k) => assert.deepEqual(shareAt(runs, from + k), u));
    assert.ok(count === 0 || (reads as number) === 1, `read ${reads} times`);
    const tally = new UsageTally();
    tallyRuns(runs, tally, from, from + count);
    assert.deepEqual(tally, tallyOf(expected));
  }));
});

Deno.test("usageAt: a store's records from shares, read back through runs, are the shares", () => {
  fc.assert(fc.property(fills, fc.nat(20), (usage, from) => {
    const indices = usage.map((_, k) => from + k);
    const runs = withRecords(undefined, from, usage.length, recordsOf(indices, usage)) ?? [];
    // A store keeps sums: read back, each value's share is an even split of them.
    const back = usageAt(recordsOf(indices, usage), from, usage.length);
    back.forEach((u, k) => assert.deepEqual(shareAt(runs, from + k), u));
  }));
});
