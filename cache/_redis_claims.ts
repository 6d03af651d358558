// RedisStore's claims (see `Store.claim`): a sequence's claims are one string
// value, `claims:<model>:<hash>` (compact JSON, cache/claims.ts), replaced by
// a script only when it still holds what this process last saw and the
// sample asked for is still missing (CLAIM_SCRIPT); otherwise the script
// answers what it holds, and the step runs again on that. A process alone
// claims in one round trip. The value expires a minute after its last
// claim's lease, so the claims of a sequence nobody draws go away.

import type { ClaimChange, ClaimTable } from "./claims.ts";
import { decodeClaims, encodeClaims } from "./claims.ts";
import type { RedisConnection } from "./_redis_connection.ts";
import { CLAIM_SCRIPT, type RedisKeys } from "./_redis_layout.ts";
import { describeKey } from "./sequence_key.ts";
import type { ClaimRecord, SequenceKey } from "./store.ts";

// How long a claims value outlives its last claim's lease (ms).
const LINGER = 60_000;

const decoder = new TextDecoder();

/** The claims of a Redis store's sequences. */
export class RedisClaims implements ClaimTable {
  readonly #redis: RedisConnection;
  readonly #keys: RedisKeys;
  // The claims value of each sequence as this process last saw it.
  #seen = new Map<string, string>();

  constructor(redis: RedisConnection, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Reads and writes the claims of `key` by compare-and-set (see above). */
  async update<T>(
    key: SequenceKey,
    at: number | undefined,
    change: (claims: readonly ClaimRecord[], taken: boolean) => ClaimChange<T>,
  ): Promise<T> {
    const keys = [this.#keys.claims(key), this.#keys.sequence(key)];
    const id = keys[0]!;
    let seen = this.#seen.get(id) ?? "";
    let taken = false;
    for (let answered = false;; answered = true) {
      const { claims, result } = change(decodeClaims(seen), taken);
      // What the script answered is one consistent look: with nothing to write, it is the answer.
      if (answered && claims === undefined) return result;
      const text = claims === undefined || claims.length === 0 ? "" : encodeClaims(claims);
      const what = claims === undefined ? "keep" : text === "" ? "del" : "set";
      const lives = Math.max(1, ...(claims ?? []).map((c) => c.until - Date.now())) + LINGER;
      const args = [seen, at === undefined ? "" : String(at), what, text, String(Math.ceil(lives))];
      const answer = await this.#redis.call(
        `claiming in ${describeKey(key)}`,
        () => this.#redis.evalScript(CLAIM_SCRIPT, keys, args),
      ) as [number, Uint8Array?, number?];
      if (answer[0] === 1) {
        if (claims !== undefined) this.#seen.set(id, text);
        return result;
      }
      seen = decoder.decode(answer[1]);
      taken = answer[2] === 1;
      this.#seen.set(id, seen);
    }
  }
}
