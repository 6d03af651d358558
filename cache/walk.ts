/**
 * The one walk over everything a store holds, for every report on a whole
 * store: `cache ls`, `cache stats` and `cache verify` on the command line, and
 * `cacheOverview` in notebooks. Model keys and prompts come in the order
 * people sort them (`_prompt_order.ts`), every sequence key is checked as the
 * stores check keys (`sequence_key.ts`), and each sequence is read once, from
 * index 0 up to the first gap, as a replaying model would read it.
 *
 * `cache verify` on a cache folder also reads the files themselves
 * (`cli/_verify_fs.ts`): the Store interface hides what can go wrong on disk.
 *
 * @module
 */

import { UsageTally } from "../core/usage_shares.ts";
import { usageAt } from "../core/usage_records.ts";
import { assertSequenceKey } from "./sequence_key.ts";
import { comparePrompts, naturalCompare } from "./_prompt_order.ts";
import type { Store } from "./store.ts";

/** One stored sequence, as {@linkcode walkStore} reads it. */
export interface StoredSequence {
  /** The model key, e.g. `gpt-4o_1`. */
  readonly model: string;
  /** The prompt's SHA-256 hex digest. */
  readonly hash: string;
  /** The prompt text, when the store recorded it. */
  readonly prompt: string | undefined;
  /** The samples from index 0 up to the first gap. */
  readonly samples: readonly string[];
  /** Their size as UTF-8 text, in bytes. */
  readonly bytes: number;
  /**
   * What they cost to draw, from the usage stored with them (its `unknown`
   * counts those stored without); only when asked for, of a store that
   * keeps usage.
   */
  readonly usage?: UsageTally | undefined;
}

/** What a store refused to hand over; see {@linkcode WalkOptions.onRefused}. */
export interface Refusal {
  /**
   * `key`: the model key (its prompts could not be listed) or the sequence
   * key is one no store accepts, e.g. written by an older version;
   * `unreadable`: a sample is not valid UTF-8.
   */
  readonly kind: "key" | "unreadable";
  /** The model key. */
  readonly model: string;
  /** The prompt hash; `undefined` when the model key itself was refused. */
  readonly hash: string | undefined;
  /** The prompt text, when it was listed. */
  readonly prompt: string | undefined;
  /** The store's error. */
  readonly error: TypeError;
}

/** Which sequences {@linkcode walkStore} reads, and what it does with refusals. */
export interface WalkOptions {
  /**
   * Only the sequences of this model key.
   * @default {every model key}
   */
  model?: string;
  /**
   * Called instead of throwing when the store refuses a key or cannot read a
   * sequence as text (a `TypeError`); the walk goes on with the next one.
   * Other errors (I/O, permissions, a lost connection) always end the walk.
   * @default {the walk throws the TypeError}
   */
  onRefused?: (refusal: Refusal) => void;
  /**
   * Also read what the samples cost to draw (`StoredSequence.usage`).
   * @default {false}
   */
  usage?: boolean;
}

const encoder = new TextEncoder();
const REFUSED = Symbol("refused");

/**
 * Every sequence of `store` (only `options.model`'s when given): model keys in
 * natural order (`item 2` before `item 12`), and within each, prompts by
 * their text, those without a recorded text last, by hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { walkStore } from "./walk.ts";
 *
 * const store = new FsStore("tests/fixtures/mnimi-cache");
 * const found = await Array.fromAsync(walkStore(store, { model: "gpt-4o_1" }));
 * assert.equal(found.length, 6);
 * assert.equal(found.reduce((n, s) => n + s.samples.length, 0), 24);
 * assert.ok(found.every((s) => s.model === "gpt-4o_1" && s.bytes > 0));
 * ```
 *
 * @param store The store to read.
 * @param options A model key to read alone, and what to do with refusals.
 * @returns The sequences, one at a time.
 * @throws {TypeError} When the store refuses a key or a sample is not valid
 * UTF-8, unless `onRefused` is given.
 */
export async function* walkStore(
  store: Store,
  options: WalkOptions = {},
): AsyncGenerator<StoredSequence> {
  const { onRefused } = options;
  const unlessRefused = async <T>(
    run: () => T | Promise<T>,
    refusal: Omit<Refusal, "error">,
  ): Promise<T | typeof REFUSED> => {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof TypeError) || onRefused === undefined) throw error;
      onRefused({ ...refusal, error });
      return REFUSED;
    }
  };
  const models = options.model === undefined
    ? (await Array.fromAsync(store.models())).sort(naturalCompare)
    : [options.model];
  for (const model of models) {
    const prompts = await unlessRefused(
      () => Array.fromAsync(store.prompts(model)),
      { kind: "key", model, hash: undefined, prompt: undefined },
    );
    if (prompts === REFUSED) continue;
    for (const { hash, prompt } of prompts.sort(comparePrompts)) {
      const key = { model, hash };
      const checked = await unlessRefused(
        () => assertSequenceKey(key),
        { kind: "key", model, hash, prompt },
      );
      if (checked === REFUSED) continue;
      const samples = await unlessRefused(
        () => store.load(key, 0),
        { kind: "unreadable", model, hash, prompt },
      );
      if (samples === REFUSED) continue;
      const bytes = samples.reduce((sum, s) => sum + encoder.encode(s).length, 0);
      const usage = options.usage && store.usage !== undefined
        ? tallyOf(await store.usage(key, 0), samples.length)
        : undefined;
      yield { model, hash, prompt, samples, bytes, usage };
    }
  }
}

/** The usage of the `count` samples from index 0 on, from their records. */
function tallyOf(records: Parameters<typeof usageAt>[0], count: number): UsageTally {
  const tally = new UsageTally();
  for (const usage of usageAt(records, 0, count)) tally.add(usage);
  return tally;
}
