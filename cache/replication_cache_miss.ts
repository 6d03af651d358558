/**
 * The error a replication-mode `Persistent` throws on a miss.
 *
 * @module
 */

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
}

/**
 * Thrown by a `Persistent` in replication mode when a sample is not in the
 * cache: a replication never calls the model.
 *
 * @example
 * ```ts
 * import { ReplicationCacheMiss } from "./replication_cache_miss.ts";
 *
 * const miss = new ReplicationCacheMiss({
 *   model: "gpt-4o_1",
 *   hash: "b11e",
 *   prompt: "Choose a number",
 *   index: 7,
 *   stored: 7,
 *   location: "/tmp/cache",
 * });
 * console.assert(miss.message.includes("index 7"));
 * ```
 */
export class ReplicationCacheMiss extends Error {
  /** The model key. */
  readonly model: string;
  /** The prompt hash. */
  readonly hash: string;
  /** The index that was asked for. */
  readonly index: number;
  /** How many samples are stored for the prompt. */
  readonly stored: number;

  /**
   * Builds the message from what was asked for and what the store holds.
   *
   * @param details What was asked for and what the store holds.
   */
  constructor(details: ReplicationCacheMissDetails) {
    const preview = JSON.stringify(
      details.prompt.length > 60 ? details.prompt.slice(0, 60) + "…" : details.prompt,
    );
    super(
      `replication cache miss: ${details.model}/${details.hash} (prompt ${preview}) ` +
        `has ${details.stored} stored sample(s), index ${details.index} was asked for, ` +
        `in ${details.location}. Run once without { replication: true } to fill the cache, ` +
        `or use a cache that holds this sample.`,
    );
    this.name = "ReplicationCacheMiss";
    this.model = details.model;
    this.hash = details.hash;
    this.index = details.index;
    this.stored = details.stored;
  }
}
