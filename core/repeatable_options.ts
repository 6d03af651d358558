/**
 * What a cache configures the engine with: `Repeatable`'s options. A cache
 * built on `Repeatable` (`Persistent`, `llmFixture`) passes a durable
 * backing and a miss policy here rather than overriding the engine's hooks;
 * the engine keeps every guarantee of its sequences (one value per index,
 * shared fills, slices at their indices, store before serve) whatever it is
 * given.
 *
 * @module
 */

import type { Reply, ReplyMeta } from "./reply.ts";
import type { SampleUsage, UsageRecord } from "./usage.ts";

/**
 * Samples at consecutive indices, in order, with what each cost to draw and
 * what each reply holds beyond its text, where known.
 */
export interface StoredSamples {
  /** The samples, in order. */
  readonly samples: readonly string[];
  /** `usage[k]` is what sample `k` cost to draw; absent or `undefined` where unknown. */
  readonly usage?: readonly (SampleUsage | undefined)[] | undefined;
  /**
   * Where `usage` is absent: the store's usage records of the sequence (see
   * `UsageRecord`; indices as stored, so a record may reach past these
   * samples, and of two for one index the later counts), or a function that
   * reads them, called when a figure, a manifest or a cache above first asks
   * what these samples cost: a replay that never asks never reads them.
   * @default {none: the samples' usage is unknown}
   */
  readonly records?: readonly UsageRecord[] | (() => readonly UsageRecord[]) | undefined;
  /**
   * `meta[k]` is what sample `k`'s reply holds beyond its text (tool calls,
   * reasoning, …), `undefined` where nothing. In a write, the metadata to
   * store with the samples, in the same write; in what `load` answers,
   * absent means "not read" (the engine asks `replies` when a reply is
   * wanted), so that serving texts never reads it.
   */
  readonly meta?: readonly (ReplyMeta | undefined)[] | undefined;
}

/** Samples to write at `from` and after, with their usage and metadata. */
export interface SamplesWrite extends StoredSamples {
  /** The index of the first sample (for an append: the first index it may take). */
  readonly from: number;
}

/** Indices a cache is about to draw, as it asks its backing to claim them. */
export interface ClaimRange {
  /** The first index. */
  readonly from: number;
  /** How many indices, from `from` on. */
  readonly count: number;
  /** How many samples the sequence holds from index 0 (the store holds at least as many). */
  readonly stored: number;
}

/** A run of indices of a claim: the cache's own to draw, or another's to wait for. */
export interface ClaimedRun {
  /** Its first index. */
  readonly from: number;
  /** How many indices. */
  readonly count: number;
  /** Whether the cache draws these (else another process does, and stores them). */
  readonly mine: boolean;
}

/** What a backing answers a claim with (see {@linkcode SequenceStore.claim}). */
export interface SequenceClaim {
  /**
   * Index `from` holds a sample already: nothing was claimed (`runs` is
   * empty); the engine looks in the store, then claims what is missing.
   */
  readonly stored: boolean;
  /** The indices asked for, in order, in runs. */
  readonly runs: readonly ClaimedRun[];
  /**
   * Called once the claim is over, with how many samples the sequence holds
   * then (its own runs stored, or not, when the draw failed): stops
   * renewing the claim, and releases what of it is not stored.
   */
  done(stored: number): Promise<void>;
}

/**
 * Durable storage of one prompt's sequence: what makes a cache outlive the
 * process (`Persistent` sees its `Store` through one per prompt). An index,
 * once written, holds one value for ever; other writers (processes,
 * machines) may write the same sequence at the same time.
 *
 * @example One prompt's sequence in an array
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import type { SequenceStore } from "../core/engine.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const kept: string[] = [];
 * const store: SequenceStore = {
 *   load: (from) => Promise.resolve({ samples: kept.slice(from) }),
 *   append: ({ from, samples }) => {
 *     kept.push(...samples);
 *     return Promise.resolve({ samples: kept.slice(from) });
 *   },
 *   place: () => Promise.reject(new Error("this store keeps no slices")),
 * };
 * const cache = new Repeatable(new Counter("counter", 1), { backing: () => store });
 * assert.deepEqual(await collect(cache.sample("p"), 2), ["0", "1"]);
 * assert.deepEqual(kept, ["0", "1"]);
 * ```
 */
export interface SequenceStore {
  /**
   * The samples stored at `from` and after, in order, up to the first gap,
   * with their usage where it is kept.
   */
  load(from: number): Promise<StoredSamples>;
  /**
   * Stores the samples at the first free indices at or after `from`, in
   * order, and resolves to every sample now stored at `from` and after,
   * others' included, with the usage of others' samples where it read it.
   * A rejection may leave some stored: the engine looks again (`load`) and
   * serves what reached the store.
   */
  append(write: SamplesWrite): Promise<StoredSamples>;
  /**
   * Stores sample `k` at exactly index `from + k` where that index is free
   * (a cache over a cache: slices keep indices); resolves once each index
   * holds its sample, placed now or before, and rejects when one holds
   * another sample, or when this store cannot keep slices.
   */
  place(write: SamplesWrite): Promise<void>;
  /**
   * Optional: the replies stored at `from` and after, in order, up to the
   * first gap: each sample's text with what its reply holds beyond it. The
   * engine asks only when a reply is wanted (`replies()`), once from an
   * index on; without it, stored samples are replies with nothing beyond
   * their text, and so are fresh ones once stored (what is served is what a
   * replay reads). Looked up after each write (it may be a getter that
   * answers `undefined` for a store that says only once opened).
   */
  replies?: ((from: number) => Promise<readonly Reply[]>) | undefined;
  /**
   * Optional: claims indices before they are drawn fresh, so that processes
   * sharing a store pay for each sample once. The engine claims the indices
   * of each fresh fill once the miss policy let it draw, draws only its own
   * runs, stores them in index order, and, for runs another process holds,
   * waits until the store holds them (asking again, at growing intervals:
   * a run whose holder lapsed becomes its own to draw) and serves what it
   * finds. Slices (a cache over a cache) never claim: they pay nothing. A
   * getter may answer `undefined` (no claims) for a store that says only
   * once opened.
   */
  claim?: ((range: ClaimRange) => Promise<SequenceClaim>) | undefined;
}

/**
 * One miss of a cache: the draw the engine is about to make, as one object.
 * Every field is known before anything is drawn.
 */
export interface Miss {
  /** The prompt's canonical text (see `promptText`): a string prompt itself. */
  readonly prompt: string;
  /** The index a caller is waiting for. */
  readonly index: number;
  /**
   * The first index this draw fills; the indices below it are stored or
   * being filled by draws in flight.
   */
  readonly from: number;
  /** How many samples the draw asks for. */
  readonly count: number;
  /** The batch the caller asked with. */
  readonly batch: number;
  /**
   * What the draw reads: `"fresh"` samples from the model below, or, when
   * the model below is a cache, the items at the same indices (`"slice"`).
   */
  readonly reads: "fresh" | "slice";
}

/**
 * What a cache does on a miss, around the draw: call `draw()` to draw (its
 * promise settles once the samples arrived), or throw to refuse. What it
 * throws is what the callers waiting for the miss get, so it may refuse a
 * draw (replay only), prepare for one (check that a store can be written)
 * or say more about a failure. The values served are always the draw's own:
 * a failed draw stays failed, and samples that arrived are served (and
 * stored) even when the policy throws afterwards, since they were paid for.
 * Resolving without calling `draw()` is a `TypeError`.
 *
 * @example Refusing draws past a limit
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, first, Repeatable } from "../mod.ts";
 * import type { MissPolicy } from "../core/engine.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const atMostTwo: MissPolicy = (miss, draw) =>
 *   miss.index < 2 ? draw() : Promise.reject(new RangeError(`no draw for index ${miss.index}`));
 * const cache = new Repeatable(new Counter("counter", 1), { miss: atMostTwo });
 * assert.deepEqual(await collect(cache.sample("p"), 2), ["0", "1"]);
 * await assert.rejects(collect(cache.sample("p"), 3), /no draw for index 2/);
 * assert.equal(await first(cache.sample("p")), "0"); // hits never reach the policy
 * ```
 */
export type MissPolicy = (miss: Miss, draw: () => Promise<void>) => Promise<void>;

/**
 * How a `Repeatable` keeps its sequences and handles its misses. Both are
 * read from the first `sample()` on, never while the model is constructed,
 * so a subclass may pass functions that use its own fields.
 *
 * @example A cache that logs what it draws
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import type { RepeatableOptions } from "../core/engine.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const log: string[] = [];
 * const options: RepeatableOptions = {
 *   miss: async (miss, draw) => {
 *     log.push(`${miss.prompt}: ${miss.count} at ${miss.from}`);
 *     await draw();
 *   },
 * };
 * const cache = new Repeatable(new Counter("counter", 1, { maxBatch: 4 }), options);
 * await collect(cache.sample("p", 4), 4);
 * await collect(cache.sample("p", 4), 4); // replayed: no miss
 * assert.deepEqual(log, ["p: 4 at 0"]);
 * ```
 */
export interface RepeatableOptions {
  /**
   * The durable storage of `prompt`'s sequence (`prompt` is its canonical
   * text, see `promptText`: a string prompt itself), asked once per prompt:
   * the engine looks in it on a miss and stores each fresh sample there, with
   * its metadata, before serving it.
   * @default {none: sequences live in memory only}
   */
  backing?: ((prompt: string) => SequenceStore) | undefined;
  /**
   * Runs each miss, around the draw (see {@linkcode MissPolicy}).
   * @default {draw}
   */
  miss?: MissPolicy | undefined;
}
