// How `Persistent` claims the indices it is about to draw (see `Store.claim`):
// one claim per fill, the lease renewed while the claim is held (the request
// runs, or its samples wait to be stored in order), released when the draw
// failed or brought fewer samples. Another holder's claim is taken over when
// its process is gone (seen at once where this process may look: see
// _claim_holder.ts), when its lease ran out, or when this cache waited for
// it longer than its patience. None of this decides what is stored, only who
// pays: a claim that could not be renewed in time costs a second draw.

import type { ClaimRange, SequenceClaim } from "../core/repeatable_options.ts";
import { processGone, processSpace } from "./_claim_holder.ts";
import type { ClaimHolder, ClaimPart, SequenceKey, Store, StoreClaim } from "./store.ts";

/** How long claims last and how long another's is waited for (see `PersistentOptions.claims`). */
export interface ClaimTiming {
  /** How long a claim lasts unless renewed (ms); it is renewed every third of it. */
  readonly lease: number;
  /** How long to wait for another's claim before drawing its samples anyway (ms). */
  readonly patience: number;
}

/** The default lease: 15 s, renewed every 5 s while held. */
export const DEFAULT_LEASE = 15_000;
/** The default patience: 10 minutes. */
export const DEFAULT_PATIENCE = 600_000;

/**
 * The claims of one prompt's sequence in `store`, as the engine asks for
 * them; `holder` is the cache's (made on first use: it may read `/proc`).
 */
export function claimsOf(
  store: Store,
  key: SequenceKey,
  holder: () => ClaimHolder,
  timing: ClaimTiming,
): (range: ClaimRange) => Promise<SequenceClaim> {
  // When this cache first found each other holder in its way, for its patience.
  const seen = new Map<string, number>();
  return async ({ from, count, stored }) => {
    if (store.claim === undefined) return unclaimed(from, count);
    const request = { from, count, stored, holder: holder(), lease: timing.lease };
    let answer = await store.claim(key, request);
    const lapsed = await lapsedHolders(answer.parts, seen, timing.patience);
    if (lapsed.length > 0) answer = await store.claim(key, { ...request, lapsed });
    return held(answer, timing.lease);
  };
}

/** The engine's view of a store's claim, renewed while held; done once. */
function held(answer: StoreClaim, lease: number): SequenceClaim {
  const runs = answer.parts.map((p) => ({
    from: p.from,
    count: p.count,
    mine: p.holder === undefined,
  }));
  const mine = answer.parts.filter((p) => p.holder === undefined);
  if (mine.length === 0) return { stored: answer.stored, runs, done: () => Promise.resolve() };
  let renewing: Promise<unknown> = Promise.resolve();
  // Liveness only: a renewal that fails leaves the claim to lapse.
  const timer = setInterval(() => {
    renewing = renewing.then(() => answer.renew()).catch(() => false);
  }, Math.max(1, Math.floor(lease / 3)));
  Deno.unrefTimer(timer);
  let over: Promise<void> | undefined;
  return {
    stored: false,
    runs,
    done: (stored) =>
      over ??= (async () => {
        clearInterval(timer);
        await renewing;
        // What is stored needs no release: a claim that ends there is over for everyone.
        if (mine.some((p) => p.from + p.count > stored)) await answer.release().catch(() => {});
      })(),
  };
}

/**
 * The holders among `parts` whose process is gone, or that this cache has
 * waited for longer than `patience`; `seen` keeps when each was first in
 * the way.
 */
async function lapsedHolders(
  parts: readonly ClaimPart[],
  seen: Map<string, number>,
  patience: number,
): Promise<string[]> {
  const holders = new Map<string, ClaimHolder>();
  for (const part of parts) if (part.holder !== undefined) holders.set(part.holder.id, part.holder);
  for (const id of seen.keys()) if (!holders.has(id)) seen.delete(id);
  const now = Date.now();
  const lapsed: string[] = [];
  for (const [id, holder] of holders) {
    const since = seen.get(id) ?? now;
    seen.set(id, since);
    if (now - since > patience || await processGone(holder.pid, holder.host)) lapsed.push(id);
  }
  return lapsed;
}

/** A claim of a store that keeps none: every index is the claimer's to draw. */
function unclaimed(from: number, count: number): SequenceClaim {
  return { stored: false, runs: [{ from, count, mine: true }], done: () => Promise.resolve() };
}

/** This process as the holder of a cache's claims, identified by `id`. */
export function holderOf(id: string): ClaimHolder {
  const host = processSpace();
  return host === undefined ? { id, pid: Deno.pid } : { id, pid: Deno.pid, host };
}
