/**
 * The interface every persistent store implements: the filesystem (mnimi
 * layout), Deno KV, Redis and SQLite, and a store of your own. A store of
 * your own passes `storeConformance` (`./testing`), the tests every built-in
 * store passes, and `registerStoreKind` gives it a spec (`s3://…`) that
 * `Persistent`, `openStore` and the command line read.
 *
 * @module
 */

import type { Reply, ReplyMeta } from "../core/reply.ts";
import type { SampleUsage, UsageRecord } from "../core/usage.ts";

/** Where one sequence lives: a model key and a prompt hash. */
export interface SequenceKey {
  /** The model key, e.g. `gpt-4o_1` (see `modelKey`). */
  readonly model: string;
  /** The SHA-256 hex digest of the UTF-8 prompt (see `promptHash`). */
  readonly hash: string;
}

/** One stored prompt, as listed by {@linkcode Store.prompts}. */
export interface PromptEntry {
  /** The SHA-256 hex digest of the UTF-8 prompt. */
  readonly hash: string;
  /** The prompt text, when the store recorded it (caches written by Python don't). */
  readonly prompt: string | undefined;
}

/**
 * What {@linkcode Store.append} and {@linkcode Store.place} store: samples
 * from an index on, and what goes with them. A store ignores the fields it
 * does not keep (and a later version may add fields).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StoreWrite } from "./store.ts";
 *
 * const write: StoreWrite = {
 *   from: 0,
 *   samples: ["92", "417"],
 *   prompt: "Choose a number",
 *   usage: [{ requests: 1, promptTokens: 9, completionTokens: 2, latencyMs: 300 }, undefined],
 * };
 * assert.equal(write.samples.length, write.usage?.length);
 * ```
 */
export interface StoreWrite {
  /**
   * The index to store at: `append` stores at the first free indices at or
   * after it, `place` at exactly `from`, `from + 1`, …
   */
  readonly from: number;
  /** The samples, in index order. */
  readonly samples: readonly string[];
  /**
   * The prompt text, recorded beside the samples for inspection (the first
   * writer's stays).
   * @default {none: the prompt is not recorded}
   */
  readonly prompt?: string | undefined;
  /**
   * What each sample cost to draw: `usage[k]` is `samples[k]`'s, `undefined`
   * where unknown. A store that keeps usage records it for the indices the
   * samples landed at, and for those alone (see {@linkcode Store.usage},
   * `recordsOf`); others ignore it.
   * @default {none: the samples' usage is unknown}
   */
  readonly usage?: readonly (SampleUsage | undefined)[] | undefined;
  /**
   * What each sample's reply holds beyond its text (tool calls, reasoning,
   * the finish reason, …; see `ReplyMeta`): `meta[k]` is `samples[k]`'s,
   * `undefined` where nothing. A store that keeps replies
   * ({@linkcode Store.replies}) stores it for the indices the samples
   * landed at, and for those alone, in the same atomic write as the samples
   * themselves (a crash never leaves a sample without its metadata, nor
   * the reverse); others ignore it.
   * @default {none: the samples' replies hold nothing beyond their text}
   */
  readonly meta?: readonly (ReplyMeta | undefined)[] | undefined;
}

/**
 * Who holds a claim (see {@linkcode Store.claim}): a cache in some process,
 * so that a claim can be told apart from the claimer's own, and a holder
 * that died can be told from one at work.
 */
export interface ClaimHolder {
  /** Unique to the cache that claims (one `Persistent` object): its own claims carry it. */
  readonly id: string;
  /** The process id of the holder. */
  readonly pid: number;
  /**
   * Where `pid` names a process: the holder's host name, absent when the
   * process may not read it (see `Persistent`'s claims). A holder on the
   * claimer's own host whose process is gone is dead at once; any other
   * lapses with its lease.
   * @default {unknown: the claim lapses only with its lease}
   */
  readonly host?: string | undefined;
}

/** What {@linkcode Store.claim} is asked to claim. */
export interface ClaimRequest {
  /**
   * The first index to claim. The samples below it are stored, or claimed
   * (by the claimer or others): a claimer asks for the indices it would
   * draw next.
   */
  readonly from: number;
  /** How many indices, from `from` on. */
  readonly count: number;
  /**
   * How many samples the claimer knows are stored, from index 0 (at most
   * `from`): a claim that ends there is over, and the store may forget it.
   */
  readonly stored: number;
  /** Who claims. */
  readonly holder: ClaimHolder;
  /** How long the claim lasts unless it is renewed (milliseconds). */
  readonly lease: number;
  /**
   * The ids of holders the claimer found dead (a process that is gone) or
   * waited for too long: their claims are taken over as if they had lapsed.
   * @default {none}
   */
  readonly lapsed?: readonly string[] | undefined;
}

/** A run of the indices a claim asked for, and who holds it. */
export interface ClaimPart {
  /** Its first index. */
  readonly from: number;
  /** How many indices. */
  readonly count: number;
  /**
   * Who holds it: `undefined` when it is the claimer's (claimed now), else
   * another holder, who draws those samples.
   */
  readonly holder?: ClaimHolder | undefined;
  /** Until when another's claim lasts (epoch milliseconds), unless renewed. */
  readonly until?: number | undefined;
}

/** What {@linkcode Store.claim} answers. */
export interface StoreClaim {
  /**
   * Index `from` holds a sample already (another writer stored it since the
   * claimer looked): nothing was claimed, `parts` is empty; read the store,
   * then claim what is still missing.
   */
  readonly stored: boolean;
  /**
   * The indices asked for, in order, in runs: those claimed now for the
   * claimer, and those other holders claimed before (never both).
   */
  readonly parts: readonly ClaimPart[];
  /**
   * Extends the claimer's parts by the lease, from now; resolves to false
   * when they are no longer its own (they lapsed and were taken over, or
   * their samples are stored).
   */
  renew(): Promise<boolean>;
  /** Gives up the claimer's parts (a draw that failed, or brought fewer samples). */
  release(): Promise<void>;
}

/** A claim as a store keeps it: a run of indices, who holds it, and until when. */
export interface ClaimRecord {
  /** Its first index. */
  readonly from: number;
  /** How many indices. */
  readonly count: number;
  /** Who holds it. */
  readonly holder: ClaimHolder;
  /** Until when it lasts (epoch milliseconds), unless renewed. */
  readonly until: number;
}

/** One thing wrong in a store, as {@linkcode Store.verify} finds it. */
export interface StoreProblem {
  /**
   * What is wrong, one word: `gap` (a missing index hides the samples after
   * it), `temp` (a leftover temporary file), `name` (a misnamed sample file),
   * `foreign` (something not part of the layout), `link` (a symbolic link),
   * `key` (a key no store accepts), `unreadable` (not valid UTF-8, or not
   * readable), `prompt` (a prompt text that does not hash to its key),
   * `empty` (a prompt without samples), `reply` (a sample's metadata that
   * readers cannot attach to it, or find only in a writer's temporary
   * file); a store may report kinds of its own.
   */
  readonly kind: string;
  /** Where: a path inside the store, or `<model key> <prompt hash>`. */
  readonly path: string;
  /** What is wrong there, for a person to read. */
  readonly detail: string;
  /** Whether the store repaired it (asked for with `fix`). */
  readonly fixed: boolean;
}

/** What {@linkcode Store.verify} found. */
export interface StoreVerification {
  /** The sequences (prompts under a model key) looked at. */
  readonly sequences: number;
  /** The samples readers see: from index 0 up to each sequence's first gap. */
  readonly samples: number;
  /** Everything found wrong, repaired or not. */
  readonly problems: readonly StoreProblem[];
  /** Things worth knowing that are not problems (e.g. a writer at work). */
  readonly notes: readonly string[];
}

/** How {@linkcode Store.verify} runs. */
export interface VerifyOptions {
  /**
   * Repair what is safe to repair without a person's decision (the folder
   * store renames into place the metadata a killed writer left in its
   * temporary file, and removes temporary files older than a minute, and
   * nothing else), and report it as `fixed`.
   * @default {false}
   */
  fix?: boolean;
  /**
   * Called with the number of sequences looked at so far, for progress.
   * @default {none}
   */
  onProgress?: (sequences: number) => void;
}

/**
 * Durable storage of sequences. Each (model key, prompt hash) holds samples
 * at indices 0, 1, 2, …; an index, once written, holds one value for ever,
 * across processes and machines (only {@linkcode Store.delete}, which tools
 * that own the recordings call, takes samples away).
 *
 * Besides the required methods, a store may offer optional ones: `place`
 * (needed to keep a cache slice), `usage` (what samples cost), `replies`
 * (samples whole: tool calls, reasoning, …), `indices`
 * (samples past a gap), `verify` (`cache verify`), `delete` (pruning and
 * refreshing `llmFixture` recordings) and `checkAccess`. Test a store with
 * `storeConformance` from `./testing`.
 *
 * @example A store that keeps everything in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import type { PromptEntry, SequenceKey, Store, StoreWrite } from "./store.ts";
 *
 * class MemoryStore implements Store {
 *   readonly location = "memory";
 *   #data = new Map<string, { prompt?: string | undefined; samples: string[] }>();
 *   load(key: SequenceKey, from: number): Promise<string[]> {
 *     return Promise.resolve(this.#entry(key).samples.slice(from));
 *   }
 *   append(key: SequenceKey, { from, samples, prompt }: StoreWrite) {
 *     const entry = this.#entry(key);
 *     entry.prompt ??= prompt;
 *     entry.samples.push(...samples);
 *     return Promise.resolve(entry.samples.slice(from));
 *   }
 *   async *models(): AsyncIterableIterator<string> {
 *     yield* new Set([...this.#data.keys()].map((k) => k.split("\n")[0]!));
 *   }
 *   async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
 *     for (const [k, v] of this.#data) {
 *       const [m, hash] = k.split("\n");
 *       if (m === model) yield { hash: hash!, prompt: v.prompt };
 *     }
 *   }
 *   close(): Promise<void> {
 *     return Promise.resolve();
 *   }
 *   #entry(key: SequenceKey) {
 *     const k = `${key.model}\n${key.hash}`;
 *     let entry = this.#data.get(k);
 *     if (entry === undefined) this.#data.set(k, entry = { samples: [] });
 *     return entry;
 *   }
 * }
 *
 * const store = new MemoryStore();
 * const key = { model: "gpt-4o_1", hash: "ab" };
 * assert.equal((await store.append(key, { from: 0, samples: ["x", "y"], prompt: "p" })).join(), "x,y");
 * assert.equal((await store.load(key, 1)).join(), "y");
 * ```
 */
export interface Store {
  /** Where the store is, for messages and displays (never a secret). */
  readonly location: string;
  /**
   * The samples stored at index `from` and after, in index order, up to the
   * first missing index.
   */
  load(key: SequenceKey, from: number): Promise<string[]>;
  /**
   * Stores `write.samples` at the first free indices at or after
   * `write.from`, each index claimed atomically (a lost race moves a sample
   * to a later index, never overwrites), with the prompt and the usage of
   * {@linkcode StoreWrite}. Resolves to every sample now stored at `from`
   * and after, in index order, other writers' included.
   */
  append(key: SequenceKey, write: StoreWrite): Promise<string[]>;
  /**
   * Optional: stores `samples[k]` at exactly index `from + k`, where that
   * index is free, each index claimed atomically; an index already taken
   * keeps its sample (never overwritten). Resolves to what each of these
   * indices holds afterwards, in order: `samples[k]` where it was free, the
   * sample stored there before where it was not. Usage is recorded, by a
   * store that keeps usage, for the indices placed now only.
   *
   * This is how a cache over a cache (cache slicing, `Persistent(Persistent(m,
   * a), b)`) keeps `a`'s indices in `b` while several writers fill `b` at once:
   * {@linkcode Store.append} would move a sample to a later index. A store
   * without this method can be read by a slice but not written: `Persistent`
   * refuses to draw into it, before anything is paid for. A store whose
   * sequences have no gaps may refuse a `from` beyond its stored samples
   * (`RangeError`); `Persistent` never asks for one.
   */
  place?(key: SequenceKey, write: StoreWrite): Promise<string[]>;
  /**
   * Optional: the usage records stored with the sequence's samples, in the
   * order they were stored (see `UsageRecord`); those that cover an index at
   * or after `from`, or all. A sequence stored without usage (by an older
   * version, the Python original) has none. A store without this method
   * keeps no usage.
   */
  usage?(key: SequenceKey, from?: number): Promise<UsageRecord[]>;
  /**
   * Optional: the replies stored at index `from` and after, in index order,
   * up to the first missing index (the samples {@linkcode Store.load}
   * answers): each sample's text with the metadata stored with it
   * (`StoreWrite.meta`), byte for byte as it was written, or nothing beyond
   * the text where none was. `Persistent` asks for it only when a reply is
   * wanted (`replies()`), never to serve texts. A store without this method
   * keeps no metadata: its samples are replies with nothing beyond their
   * text (`{ text, toolCalls: [] }`), and `Persistent` serves none beyond
   * the texts (so that a replay reads what a run served). A wrapper that
   * knows only later whether the store it wraps keeps metadata may make it
   * a getter that answers `undefined` then.
   */
  replies?: ((key: SequenceKey, from: number) => Promise<Reply[]>) | undefined;
  /**
   * Every index that holds a sample, in increasing order, gaps included: what
   * {@linkcode Store.load} cannot see past a missing index. `copyStore` asks
   * for it so that it never writes into a sequence whose hidden samples
   * differ. A store whose sequences cannot have gaps leaves it out.
   */
  indices?(key: SequenceKey): Promise<number[]>;
  /** Every model key in the store. */
  models(): AsyncIterableIterator<string>;
  /** Every prompt stored under `model`. */
  prompts(model: string): AsyncIterableIterator<PromptEntry>;
  /**
   * Optional: removes the sequence's samples at index `from` and after,
   * highest first (a reader always sees a prefix of what was there), and
   * their usage: a record that also covers lower indices is cut down to
   * them (see `recordsBelow`). With `from` 0 the whole sequence goes, its
   * prompt listing included. Deleting what is not stored does nothing.
   *
   * `Persistent` never deletes: an index holds one value for ever. This is
   * for tools that own what they delete, such as `llmFixture`, which prunes
   * and refreshes its recordings with it (and cannot, in a store without it).
   *
   * @default {from 0: the whole sequence}
   */
  delete?(key: SequenceKey, from?: number): Promise<void>;
  /**
   * Optional: checks everything the store holds, as `cache verify` reports
   * it, and with `fix` repairs what is safe to repair. Resolves to what was
   * found: the sequences and samples seen, the problems (each marked
   * `fixed` when repaired) and notes. A store without it is checked through
   * this interface (every sequence read, prompt texts checked against their
   * hashes); one with it can look at what the interface hides (the folder
   * store reads its files: gaps, stray and leftover files).
   */
  verify?(options?: VerifyOptions): Promise<StoreVerification>;
  /**
   * Optional: claims indices of a sequence before they are drawn, so that
   * processes sharing the store pay for each sample once: `Persistent`
   * claims the indices it is about to draw, draws only the parts that
   * became its own, and waits for the parts other holders claimed to be
   * stored, reading them then. Atomic: of two claimers of an index, one
   * gets it; a part is either the claimer's or another's, never both. A
   * claim of another holder that lapsed (its lease ran out, its holder is
   * in `lapsed`) is taken over; one that ends at or below `stored` is over.
   * When index `from` holds a sample, nothing is claimed (`stored: true`).
   *
   * Claims decide who pays, never what is stored: the samples still go
   * where `append` puts them (a holder whose claim was taken over stores
   * its samples after the taker's). A store without this method is as
   * correct: every process that misses draws, as before claims existed.
   * The built-in stores keep their claims in one record per sequence,
   * changed atomically (`ClaimTable`, `claimIn`); a store of your own can do
   * the same. A wrapper that knows only later whether the store it wraps
   * claims may make it a getter that answers `undefined` then.
   */
  claim?: ((key: SequenceKey, request: ClaimRequest) => Promise<StoreClaim>) | undefined;
  /** Releases connections and handles. */
  close(): Promise<void>;
  /**
   * Optional: resolves when the store exists and can be read (`"read"`), or
   * can also be written (`"write"`, which may create a new store, e.g. its
   * folder); rejects with an error that says what is wrong and what to do
   * (the flag to add, a folder that does not exist or is read-only).
   * `Persistent` calls it with `"write"` once, before its first draw, so that
   * no sample is paid for that cannot be kept, and with `"read"` before it
   * reports a replication miss. A store without it is assumed usable.
   */
  checkAccess?(mode: "read" | "write"): Promise<void>;
}
