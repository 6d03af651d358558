/**
 * The error a replication-mode `Persistent` throws on a miss.
 *
 * @module
 */

import { chatOf, promptPreview } from "../core/prompt_preview.ts";
import { chatDifference } from "./_chat_difference.ts";
import { whereTheyDiffer } from "./_edit_distance.ts";

/** Another model key that holds the same prompt (see {@linkcode ReplicationCacheMiss}). */
export interface SimilarSequence {
  /** The model key, e.g. `gpt-4o_0.8`. */
  readonly model: string;
  /** How many samples it holds for the prompt. */
  readonly stored: number;
}

/**
 * A recorded prompt of the same model key that differs slightly from the
 * one asked for (see {@linkcode ReplicationCacheMiss}).
 */
export interface ClosestPrompt {
  /** Its prompt hash. */
  readonly hash: string;
  /** Its text. */
  readonly prompt: string;
  /** How many samples are stored for it. */
  readonly stored: number;
  /** Its edit distance to the prompt asked for (characters inserted, removed or changed). */
  readonly distance: number;
}

/** What a {@linkcode ReplicationCacheMiss} reports. */
export interface ReplicationCacheMissDetails {
  /** The model key, e.g. `gpt-4o_1`. */
  model: string;
  /** The SHA-256 hex digest of the prompt. */
  hash: string;
  /** The prompt text (a chat's canonical text). */
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
   * The recorded prompt of the same model key closest to this one, when one
   * differs only slightly (a tenth of the prompt's length at most).
   * @default {undefined}
   */
  closest?: ClosestPrompt | undefined;
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
 * system prompt), the message lists them; when it holds a prompt of the same
 * key that differs only slightly (an edited template, a stray space), the
 * message names it and shows where the two differ. A chat is shown by what
 * it holds and its first and last turns, and where two chats differ by the
 * part that does (the system prompt, the tools, a turn).
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
 *
 * const near = new ReplicationCacheMiss({
 *   model: "gpt-4o_1",
 *   hash: "b11e",
 *   prompt: "Choose a number!",
 *   index: 0,
 *   stored: 0,
 *   location: "/tmp/cache",
 *   closest: { hash: "9c5d", prompt: "Choose a number", stored: 3, distance: 1 },
 * });
 * assert.match(near.message, /closest recorded prompt of gpt-4o_1 \(9c5d, 3 samples\)/);
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
  /** A recorded prompt of this model key that differs slightly, if any. */
  readonly closest: ClosestPrompt | undefined;

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
    const near = details.closest === undefined ? "" : ` ${describeClosest(details)}`;
    const hint = details.hint ??
      `Run once without { replication: true } to fill the cache, or use a cache that holds ` +
        `this sample.`;
    super(`replication cache miss: ${describeMiss(details)}.${guess}${near} ${hint}`);
    this.name = "ReplicationCacheMiss";
    this.model = details.model;
    this.hash = details.hash;
    this.prompt = details.prompt;
    this.location = details.location;
    this.index = details.index;
    this.stored = details.stored;
    this.similar = similar;
    this.closest = details.closest;
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
  return `${details.model}/${details.hash} (prompt ${previewOf(details.prompt)}) has ` +
    `${details.stored} stored sample(s), index ${details.index} was asked for, in ` +
    `${details.location}`;
}

// A long prompt is shown by its start and its end, where prompts built from
// one template differ most often (the question after a shared instruction).
const HEAD = 120;
const TAIL = 80;

/**
 * The prompt on one line: whole up to HEAD + TAIL characters, else its
 * start and end; a chat by its preview (what it holds, its first turn and
 * its last, where an agent's steps differ).
 */
function previewOf(prompt: string): string {
  if (chatOf(prompt) !== undefined) return promptPreview(prompt, HEAD + TAIL);
  const quote = (text: string) => JSON.stringify(text).slice(1, -1);
  if (prompt.length <= HEAD + TAIL) return `"${quote(prompt)}"`;
  return `"${quote(prompt.slice(0, HEAD))}…${quote(prompt.slice(-TAIL))}", ` +
    `${prompt.length} characters`;
}

/** The closest recorded prompt, and where it differs from the one asked for. */
function describeClosest(details: ReplicationCacheMissDetails): string {
  const { hash, prompt, stored, distance } = details.closest!;
  const [recorded, asked] = [chatOf(prompt), chatOf(details.prompt)];
  const where = recorded !== undefined && asked !== undefined
    ? chatDifference(recorded, asked)
    : whereTheyDiffer(prompt, details.prompt);
  return `The closest recorded prompt of ${details.model} (${hash}, ${stored} ` +
    `sample${stored === 1 ? "" : "s"}) differs from it in ${distance} character` +
    `${distance === 1 ? "" : "s"}, ${where}.`;
}
