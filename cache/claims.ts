/**
 * Claims kept in a table per sequence, for stores: {@linkcode claimIn}
 * implements `Store.claim` over a store's one atomic step, a
 * {@linkcode ClaimTable}. Every built-in store claims this way (the folder
 * store under a file lock, SQLite in a transaction, Deno KV and Redis by a
 * compare-and-set), and so can a store of your own.
 *
 * Claims decide who pays, never what is stored: a table that is lost, torn
 * or out of date makes processes draw twice, never store a wrong sample
 * (the exclusive append keeps each index to one sample).
 *
 * @module
 */

import { assertCount, assertLength, describe } from "../internal/validate.ts";
import type {
  ClaimHolder,
  ClaimPart,
  ClaimRecord,
  ClaimRequest,
  SequenceKey,
  StoreClaim,
} from "./store.ts";

/** What a {@linkcode ClaimTable}'s `change` answers: the claims to write, and a result. */
export interface ClaimChange<T> {
  /**
   * The sequence's claims to keep instead of those read.
   * @default {none: nothing is written}
   */
  readonly claims?: readonly ClaimRecord[] | undefined;
  /** What `update` resolves to. */
  readonly result: T;
}

/**
 * One atomic step on the claims of a sequence: what a store gives
 * {@linkcode claimIn}. `update` reads the sequence's claims (none when it
 * has no table yet) and whether index `at` holds a sample, and writes the
 * claims `change` returns in their place, with no other change of them in
 * between (a lock, a transaction, or a compare-and-set that runs `change`
 * again on a conflict: `change` has no other effect).
 *
 * @example A table in memory (one process)
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ClaimRecord, claimIn, type ClaimTable } from "./stores.ts";
 *
 * const tables = new Map<string, readonly ClaimRecord[]>();
 * const stored = new Map<string, number>(); // how many samples each sequence holds
 * const table: ClaimTable = {
 *   update(key, at, change) {
 *     const id = `${key.model}\n${key.hash}`;
 *     const { claims, result } = change(tables.get(id) ?? [], at !== undefined && at < (stored.get(id) ?? 0));
 *     if (claims !== undefined) tables.set(id, claims);
 *     return Promise.resolve(result);
 *   },
 * };
 * const key = { model: "gpt-4o_1", hash: "ab".repeat(32) };
 * const request = (id: string) => ({ from: 0, count: 10, stored: 0, holder: { id, pid: 1 }, lease: 15_000 });
 * const first = await claimIn(table, key, request("a"));
 * assert.deepEqual(first.parts, [{ from: 0, count: 10 }]); // a's to draw
 * const second = await claimIn(table, key, request("b"));
 * assert.equal(second.parts[0]!.holder?.id, "a"); // b waits for a's samples
 * ```
 */
export interface ClaimTable {
  /**
   * Reads the claims of `key`'s sequence and whether index `at` holds a
   * sample (false when `at` is undefined), and writes what `change` returns,
   * atomically; resolves to its `result`.
   */
  update<T>(
    key: SequenceKey,
    at: number | undefined,
    change: (claims: readonly ClaimRecord[], taken: boolean) => ClaimChange<T>,
  ): Promise<T>;
}

/**
 * `Store.claim` over `table`: claims what nobody holds of the indices asked
 * for, in one atomic step, and answers which parts are the claimer's and
 * which others hold. Claims that are over (they end at or below
 * `request.stored`), lapsed (their lease ran out, by this process's clock,
 * or their holder is in `request.lapsed`) or the claimer's own over the
 * indices asked for again are dropped from the table in the same step.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ClaimRecord, claimIn, type ClaimTable } from "./stores.ts";
 *
 * let kept: readonly ClaimRecord[] = [];
 * const table: ClaimTable = {
 *   update(_key, _at, change) {
 *     const { claims, result } = change(kept, false);
 *     if (claims !== undefined) kept = claims;
 *     return Promise.resolve(result);
 *   },
 * };
 * const key = { model: "gpt-4o_1", hash: "ab".repeat(32) };
 * const holder = (id: string) => ({ id, pid: 7 });
 * await claimIn(table, key, { from: 0, count: 5, stored: 0, holder: holder("a"), lease: 15_000 });
 * // b asks for 10: the 5 a holds are a's, the next 5 are b's to draw.
 * const b = await claimIn(table, key, { from: 0, count: 10, stored: 0, holder: holder("b"), lease: 15_000 });
 * assert.deepEqual(b.parts.map((p) => [p.from, p.count, p.holder?.id]), [[0, 5, "a"], [5, 5, undefined]]);
 * await b.release();
 * assert.deepEqual(kept.map((r) => r.holder.id), ["a"]);
 * ```
 *
 * @param table The store's atomic step on a sequence's claims.
 * @param key The sequence.
 * @param request What to claim, for whom.
 * @returns The parts, and how to renew or release the claimer's.
 * @throws {RangeError} When an index, count or lease is not a whole number
 * of the right range.
 * @throws {TypeError} When the holder is not one.
 */
export async function claimIn(
  table: ClaimTable,
  key: SequenceKey,
  request: ClaimRequest,
): Promise<StoreClaim> {
  assertClaimRequest(request);
  const now = Date.now();
  const answer = await table.update(key, request.from, (claims, taken) => {
    if (taken) return { result: undefined };
    return settle(claims, request, now);
  });
  if (answer === undefined) return { stored: true, parts: [], renew: yes, release: nothing };
  const mine = answer.parts.filter((part) => part.holder === undefined);
  if (mine.length === 0) {
    return { stored: false, parts: answer.parts, renew: yes, release: nothing };
  }
  const { holder, lease } = request;
  const isMine = (record: ClaimRecord) =>
    record.holder.id === holder.id &&
    mine.some((part) => part.from === record.from && part.count === record.count);
  return {
    stored: false,
    parts: answer.parts,
    renew: () =>
      table.update(key, undefined, (claims) => {
        const until = Date.now() + lease;
        const next = claims.map((r) => isMine(r) ? { ...r, until } : r);
        const held = claims.filter(isMine).length;
        return { claims: held === 0 ? undefined : next, result: held === mine.length };
      }),
    release: () =>
      table.update(key, undefined, (claims) => {
        const next = claims.filter((r) => !isMine(r));
        return { claims: next.length === claims.length ? undefined : next, result: undefined };
      }),
  };
}

/**
 * The claims after `request`, and its parts: what others hold of the
 * indices asked for stays theirs, the rest is claimed for the claimer.
 * `claims` is undefined when nothing changed.
 */
function settle(
  claims: readonly ClaimRecord[],
  request: ClaimRequest,
  now: number,
): ClaimChange<{ parts: ClaimPart[] }> {
  const { from, count, stored, holder, lease } = request;
  const end = from + count;
  const lapsed = new Set(request.lapsed ?? []);
  const overlaps = (r: ClaimRecord) => r.from < end && r.from + r.count > from;
  const kept = claims.filter((r) =>
    r.from + r.count > stored && r.until > now && !lapsed.has(r.holder.id) &&
    !(r.holder.id === holder.id && overlaps(r))
  );
  const theirs = kept.filter((r) => r.holder.id !== holder.id && overlaps(r))
    .sort((a, b) => a.from - b.from);
  const parts: ClaimPart[] = [];
  const added: ClaimRecord[] = [];
  let at = from;
  const claimTo = (to: number) => {
    if (to <= at) return;
    added.push({ from: at, count: to - at, holder, until: now + lease });
    parts.push({ from: at, count: to - at });
    at = to;
  };
  for (const r of theirs) {
    claimTo(Math.min(r.from, end));
    const stop = Math.min(r.from + r.count, end);
    if (stop <= at) continue;
    parts.push({ from: at, count: stop - at, holder: r.holder, until: r.until });
    at = stop;
  }
  claimTo(end);
  const changed = added.length > 0 || kept.length !== claims.length;
  return { claims: changed ? [...kept, ...added] : undefined, result: { parts } };
}

/**
 * The claims of a sequence as text, to keep in a file, a row or a value:
 * compact JSON, one array per claim.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeClaims, encodeClaims } from "./claims.ts";
 *
 * const claims = [{ from: 0, count: 10, until: 1_700_000_000_000, holder: { id: "a", pid: 42, host: "h" } }];
 * assert.deepEqual(decodeClaims(encodeClaims(claims)), claims);
 * assert.deepEqual(decodeClaims("torn [[0,1"), []); // claims only decide who pays: none
 * ```
 */
export function encodeClaims(claims: readonly ClaimRecord[]): string {
  return JSON.stringify(
    claims.map((c) => [c.from, c.count, c.until, c.holder.id, c.holder.pid, c.holder.host ?? null]),
  );
}

/**
 * The claims `encodeClaims` wrote; none for text that is not such a list
 * (a file torn by a crash, an older format): claims decide only who pays,
 * so forgetting them costs a second draw, never a wrong sample.
 */
export function decodeClaims(text: string | null | undefined): ClaimRecord[] {
  if (text === null || text === undefined || text === "") return [];
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch {
    return [];
  }
  if (!Array.isArray(rows)) return [];
  return rows.flatMap((row): ClaimRecord[] => {
    if (!Array.isArray(row)) return [];
    const [from, count, until, id, pid, host] = row;
    const whole = [from, count, until, pid].every((n) => Number.isSafeInteger(n) && n >= 0);
    if (!whole || typeof id !== "string" || (host !== null && typeof host !== "string")) return [];
    const holder: ClaimHolder = host === null ? { id, pid } : { id, pid, host };
    return [{ from, count, until, holder }];
  });
}

/** Checks a claim request, as every built-in store does before it claims. */
export function assertClaimRequest(request: ClaimRequest): void {
  if (typeof request !== "object" || request === null) {
    throw new TypeError(`a claim request must be an object, got ${describe(request)}`);
  }
  assertLength("from", request.from, "Store.claim");
  assertCount("count", request.count, "Store.claim");
  assertLength("stored", request.stored, "Store.claim");
  assertCount("lease", request.lease, "Store.claim");
  const { holder } = request;
  if (
    typeof holder !== "object" || holder === null || typeof holder.id !== "string" ||
    holder.id === "" || !Number.isSafeInteger(holder.pid) ||
    (holder.host !== undefined && typeof holder.host !== "string")
  ) {
    throw new TypeError(
      `Store.claim: the holder must be { id, pid, host? } with a non-empty id and a whole pid, ` +
        `got ${describe(holder)}`,
    );
  }
}

/**
 * The answer of a store that claims nothing (here, or no longer): every
 * index asked for is the claimer's to draw.
 */
export function unclaimed(request: ClaimRequest): StoreClaim {
  const parts = [{ from: request.from, count: request.count }];
  return { stored: false, parts, renew: yes, release: nothing };
}

function yes(): Promise<boolean> {
  return Promise.resolve(true);
}

function nothing(): Promise<void> {
  return Promise.resolve();
}
