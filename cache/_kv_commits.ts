// Index claims committed to Deno KV, and the claims values of sequences
// (_kv_claims.ts: who is drawing which indices). A commit has a fixed cost (a
// SQLite transaction on Deno KV's own thread), so writes made while one is in
// flight (other prompts, other appends, other sequences' claims) share the
// next one: under load, one commit carries many, as many as Deno KV's limits
// let one commit hold (_kv_limits.ts); alone, a write is committed at once.
// Two writes on one key never share a commit: the checks of an atomic
// operation all run before its writes, so the second write would overwrite
// the first.

import { type CommitSize, fits, NO_WRITES, plus, sizeOfWrites } from "./_kv_limits.ts";

const RETRIES = 12;

/** Indices to claim: checks that they are free, and what to write if they are. */
export interface Claim {
  /** One id per checked key, to keep claims on one key out of one commit. */
  readonly ids: readonly string[];
  /** Keys that must be missing. */
  readonly checks: readonly Deno.KvKey[];
  /** What to write. */
  readonly sets: readonly (readonly [Deno.KvKey, unknown])[];
  /**
   * Keys that must hold exactly this version (a compare-and-set).
   * @default {none}
   */
  readonly versions?: readonly (readonly [Deno.KvKey, string])[] | undefined;
  /**
   * What to delete.
   * @default {none}
   */
  readonly deletes?: readonly Deno.KvKey[] | undefined;
}

interface Pending {
  claim: Claim;
  size: CommitSize;
  resolve: (versionstamp: string | undefined) => void;
  reject: (error: unknown) => void;
}

/** Commits claims, grouping those that wait together. */
export class Commits {
  readonly #kv: Deno.Kv;
  #queue: Pending[] = [];
  #running = false;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Commits `claim`: true when it was stored, false when a checked key exists.
   * A claim that does not fit one commit is a RangeError (callers size them).
   */
  async claim(claim: Claim): Promise<boolean> {
    return await this.commit(claim) !== undefined;
  }

  /**
   * Commits `claim`, sharing a commit with others that wait: the commit's
   * versionstamp, or undefined when a check failed. A claim that does not
   * fit one commit is a RangeError (callers size them).
   */
  commit(claim: Claim): Promise<string | undefined> {
    const versions = claim.versions ?? [];
    const size = sizeOfWrites(
      [...claim.checks, ...versions.map(([key]) => key)],
      [...claim.sets, ...(claim.deletes ?? []).map((key) => [key, null] as const)],
    );
    if (!fits(size)) {
      throw new RangeError(
        `a claim of ${claim.checks.length} indices does not fit one commit: ${
          JSON.stringify(size)
        }`,
      );
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ claim, size, resolve, reject });
      if (!this.#running) this.#run();
    });
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) await this.#commit(this.#take());
    } finally {
      this.#running = false;
    }
  }

  /** The claims at the head of the queue that fit one commit, in order. */
  #take(): Pending[] {
    const group: Pending[] = [];
    const ids = new Set<string>();
    let size = NO_WRITES;
    this.#queue = this.#queue.filter((pending) => {
      const { claim } = pending;
      const together = plus(size, pending.size);
      const joins = group.length === 0 ||
        (fits(together) && !claim.ids.some((id) => ids.has(id)));
      if (!joins) return true;
      group.push(pending);
      for (const id of claim.ids) ids.add(id);
      size = together;
      return false;
    });
    return group;
  }

  async #commit(group: Pending[]): Promise<void> {
    if (group.length > 1) {
      // Together when every claim holds (the usual case); else one by one,
      // so that each learns whether its own indices were free.
      const stamp = await this.#atomic(group.map((p) => p.claim)).catch(() => undefined);
      if (stamp !== undefined) return group.forEach((pending) => pending.resolve(stamp));
    }
    for (const pending of group) {
      await this.#atomic([pending.claim]).then(pending.resolve, pending.reject);
    }
  }

  async #atomic(claims: Claim[]): Promise<string | undefined> {
    const op = this.#kv.atomic();
    for (const claim of claims) {
      for (const key of claim.checks) op.check({ key, versionstamp: null });
      for (const [key, versionstamp] of claim.versions ?? []) op.check({ key, versionstamp });
      for (const [key, value] of claim.sets) op.set(key, value);
      for (const key of claim.deletes ?? []) op.delete(key);
    }
    const committed = await retry(() => op.commit());
    return committed.ok ? committed.versionstamp : undefined;
  }
}

/** Runs `op` again, after a jittered, growing pause, while the database is locked. */
export async function retry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= RETRIES || !isLocked(error)) throw error;
      const pause = Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function isLocked(error: unknown): boolean {
  return error instanceof Error && /database is locked|SQLITE_BUSY/i.test(error.message);
}
