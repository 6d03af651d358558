/**
 * The error a replication-mode `Persistent` throws on a miss.
 *
 * @module
 */

/** Another model key that holds the same prompt (see {@linkcode ReplicationCacheMiss}). */
export interface SimilarSequence {
  /** The model key, e.g. `gpt-4o_0.8`. */
  readonly model: string;
  /** How many samples it holds for the prompt. */
  readonly stored: number;
}

/** What a {@linkcode ReplicationCacheMiss} reports. */
export interface ReplicationCacheMissDetails {
  /** The model key, e.g. `gpt-4o_1`. */
  model: string;
  /** The SHA-256 hex digest of the prompt. */
  hash: string;
  /** The prompt text. */
  prompt: string;
  /** The index that was asked for. */
  index: number;
  /** How many samples the store holds for this prompt. */
  stored: number;
  /** Where the store is. */
  location: string;
  /**
   * Other model keys in the store that hold this prompt, most samples first.
   * @default {[]}
   */
  similar?: readonly SimilarSequence[];
  /**
   * What to do about it, the end of the message (e.g. the command that
   * records the sample).
   * @default {"Run once without { replication: true } to fill the cache, or use a cache that holds this sample."}
   */
  hint?: string;
}

/**
 * Thrown by a `Persistent` in replication mode when a sample is not in the
 * cache: a replication never calls the model. When the store holds the
 * prompt under other model keys only (the key changes with the temperature
 * and with every option that changes the output, such as `maxTokens` or a
 * system prompt), the message lists them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ReplicationCacheMiss } from "./replication_cache_miss.ts";
 *
 * const miss = new ReplicationCacheMiss({
 *   model: "gpt-4o_1",
 *   hash: "b11e",
 *   prompt: "Choose a number",
 *   index: 0,
 *   stored: 0,
 *   location: "/tmp/cache",
 *   similar: [{ model: "gpt-4o_0.8", stored: 9 }],
 * });
 * assert.match(miss.message, /index 0 was asked for/);
 * assert.match(miss.message, /did you mean `gpt-4o_0\.8` \(9 samples\)\?/);
 * ```
 */
export class ReplicationCacheMiss extends Error {
  /** The model key. */
  readonly model: string;
  /** The prompt hash. */
  readonly hash: string;
  /** The prompt text. */
  readonly prompt: string;
  /** Where the store is. */
  readonly location: string;
  /** The index that was asked for. */
  readonly index: number;
  /** How many samples are stored for the prompt. */
  readonly stored: number;
  /** Other model keys that hold the prompt. */
  readonly similar: readonly SimilarSequence[];

  /**
   * Builds the message from what was asked for and what the store holds.
   *
   * @param details What was asked for and what the store holds.
   */
  constructor(details: ReplicationCacheMissDetails) {
    const similar = details.similar ?? [];
    const shown = similar.slice(0, 5).map((s) =>
      `\`${s.model}\` (${s.stored} sample${s.stored === 1 ? "" : "s"})`
    );
    const more = similar.length > shown.length ? ` or ${similar.length - shown.length} more` : "";
    const guess = shown.length === 0
      ? ""
      : ` The store holds this prompt under other model keys: ` +
        `did you mean ${shown.join(", ")}${more}? A model key changes with the alias, the ` +
        `temperature and every option that changes the output (maxTokens, system prompt, …).`;
    const hint = details.hint ??
      `Run once without { replication: true } to fill the cache, or use a cache that holds ` +
        `this sample.`;
    super(`replication cache miss: ${describeMiss(details)}.${guess} ${hint}`);
    this.name = "ReplicationCacheMiss";
    this.model = details.model;
    this.hash = details.hash;
    this.prompt = details.prompt;
    this.location = details.location;
    this.index = details.index;
    this.stored = details.stored;
    this.similar = similar;
  }
}

/**
 * What a cache miss was: model key, prompt hash and preview, the index asked
 * for, how many samples are stored and where.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeMiss } from "./replication_cache_miss.ts";
 *
 * const text = describeMiss({
 *   model: "gpt-4o_1",
 *   hash: "b11e",
 *   prompt: "Choose a number",
 *   index: 3,
 *   stored: 3,
 *   location: "/tmp/cache",
 * });
 * assert.equal(
 *   text,
 *   'gpt-4o_1/b11e (prompt "Choose a number") has 3 stored sample(s), ' +
 *     "index 3 was asked for, in /tmp/cache",
 * );
 * ```
 */
export function describeMiss(details: ReplicationCacheMissDetails): string {
  const preview = JSON.stringify(
    details.prompt.length > 60 ? details.prompt.slice(0, 60) + "…" : details.prompt,
  );
  return `${details.model}/${details.hash} (prompt ${preview}) has ${details.stored} ` +
    `stored sample(s), index ${details.index} was asked for, in ${details.location}`;
}
