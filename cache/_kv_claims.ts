// KvStore's claims (see `Store.claim`): a sequence's claims are one value,
// `["llm-cache", "claims", model, hash]` (compact JSON, cache/claims.ts),
// changed by an atomic commit that checks the value's versionstamp and that
// the sample at the index asked for is still missing. The value a process
// last read or wrote is kept, and a claim is first committed against it (a
// new sequence's: no value), so that a process alone claims in one commit;
// a commit that finds the value changed (or the sample stored) reads both
// and runs the step again. The commits are the store's shared ones
// (_kv_commits.ts): claims of many prompts, and appends, made while a commit
// is in flight go together in the next, so that claiming costs a process
// alone a few writes in a commit it makes anyway, not a commit of its own.

import type { ClaimChange, ClaimTable } from "./claims.ts";
import { decodeClaims, encodeClaims } from "./claims.ts";
import { type Commits, retry } from "./_kv_commits.ts";
import { modelPart, ROOT, sampleKeyPrefix } from "./_kv_rows.ts";
import type { ClaimRecord, SequenceKey } from "./store.ts";

/** The claims of a sequence as last seen: its records, and the versionstamp of their value. */
interface Seen {
  readonly claims: readonly ClaimRecord[];
  readonly versionstamp: string | null;
}

/** The claims of a Deno KV database's sequences. */
export class KvClaims implements ClaimTable {
  readonly #kv: Deno.Kv;
  readonly #commits: Commits;
  // The claims value of each sequence as this process last read or wrote it.
  #seen = new Map<string, Seen>();

  constructor(kv: Deno.Kv, commits: Commits) {
    this.#kv = kv;
    this.#commits = commits;
  }

  /** Reads and writes the claims of `key` in one checked commit (see above). */
  async update<T>(
    key: SequenceKey,
    at: number | undefined,
    change: (claims: readonly ClaimRecord[], taken: boolean) => ClaimChange<T>,
  ): Promise<T> {
    const sample = at === undefined ? undefined : [...sampleKeyPrefix(key), at];
    const table = [ROOT, "claims", modelPart(key.model), key.hash];
    const id = `${key.model}\n${key.hash}`;
    let seen = this.#seen.get(id) ?? { claims: [], versionstamp: null };
    for (let read = false;; read = true) {
      let taken = false;
      if (read) ({ seen, taken } = await this.#read(table, sample));
      const { claims, result } = change(seen.claims, taken);
      // A read is one consistent look: with nothing to write, it is the answer.
      if (read && claims === undefined) {
        this.#seen.set(id, seen);
        return result;
      }
      const checks: Deno.KvKey[] = seen.versionstamp === null ? [table] : [];
      if (sample !== undefined && !taken) checks.push(sample);
      const versionstamp = await this.#commits.commit({
        // Apart from another claim step of the sequence, and from an append at `at`.
        ids: sample === undefined ? [id] : [id, `${id}\n${at}`],
        checks,
        versions: seen.versionstamp === null ? [] : [[table, seen.versionstamp]],
        sets: claims === undefined || claims.length === 0 ? [] : [[table, encodeClaims(claims)]],
        deletes: claims !== undefined && claims.length === 0 ? [table] : [],
      });
      if (versionstamp === undefined) continue;
      if (claims !== undefined) {
        this.#seen.set(id, { claims, versionstamp: claims.length === 0 ? null : versionstamp });
      }
      return result;
    }
  }

  /** The claims value of a sequence, and whether the sample `sample` is stored. */
  async #read(
    table: Deno.KvKey,
    sample: Deno.KvKey | undefined,
  ): Promise<{ seen: Seen; taken: boolean }> {
    const keys = sample === undefined ? [table] : [table, sample];
    const [value, stored] = await retry(() => this.#kv.getMany<unknown[]>(keys));
    const text = typeof value!.value === "string" ? value!.value : undefined;
    return {
      seen: { claims: decodeClaims(text), versionstamp: value!.versionstamp },
      taken: stored !== undefined && stored.versionstamp !== null,
    };
  }
}
