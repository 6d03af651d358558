/**
 * `Persistent`: `Repeatable` whose sequences survive across runs.
 *
 * @module
 */

import { Repeatable } from "../core/repeatable.ts";
import type { Miss, MissPolicy, SequenceStore } from "../core/repeatable_options.ts";
import type { Model } from "../core/model.ts";
import { infoOf, type ModelInfo, modelInfo } from "../core/model_info.ts";
import { modelKey, promptHash } from "../core/model_key.ts";
import { assertMilliseconds, describe } from "../internal/validate.ts";
import { storeOf } from "./open_store.ts";
import {
  describeMiss,
  ReplicationCacheMiss,
  type ReplicationCacheMissDetails,
  type SimilarSequence,
} from "./replication_cache_miss.ts";
import type { ClaimHolder, Store } from "./store.ts";
import { drawStarted } from "./_draws_in_flight.ts";
import { loadSamples, withUsage } from "./_load_with_usage.ts";
import {
  claimsOf,
  type ClaimTiming,
  DEFAULT_LEASE,
  DEFAULT_PATIENCE,
  holderOf,
} from "./_claiming.ts";

/** Options of {@linkcode Persistent}. */
export interface PersistentOptions {
  /**
   * Replay only: never call the inner model, and throw
   * {@linkcode ReplicationCacheMiss} for a sample the store lacks. A
   * replication never creates a store.
   * @default {false}
   */
  replication?: boolean;
  /**
   * Whether a live `Persistent` may create its cache when it does not exist:
   * a cache folder, or the file of a `kv:` or `sqlite:` spec (checked through
   * {@linkcode Store.checkAccess}, before the first draw). With `false`, a
   * missing cache is a `Deno.errors.NotFound` naming it, before anything is
   * paid for: a typo in the path never starts a new cache. With `true`, a
   * new cache is announced once on stderr (see `announce`). A Redis server,
   * Deno's default KV database and a store without `checkAccess` always exist.
   * @default {true}
   */
  create?: boolean;
  /**
   * Whether creating the cache is said on stderr, once per cache and process:
   * a typo in a path must not start a new cache unnoticed. `false` where
   * creating caches is the point (`llmFixture` records this way, and reports
   * what it recorded at the test module's end).
   * @default {true}
   */
  announce?: boolean;
  /**
   * Runs each miss around this cache's own handling of it (a replication
   * miss, the check that the store can be written, the draw): it sees the
   * errors that handling throws and may say more, or refuse a draw first
   * (see {@linkcode MissPolicy}). `llmFixture` names the command that
   * records a missing sample this way.
   * @default {none}
   */
  miss?: MissPolicy;
  /**
   * How this cache shares draws with other processes on its store (see
   * `Store.claim`): before it draws, it claims the indices in the store;
   * indices another process claimed are not drawn, but waited for and read
   * once stored. `lease`: how long a claim lasts unless renewed (it is
   * renewed every third of it while the request runs, so a slow request
   * keeps it); a holder that died on this host is seen at once where the
   * process may look (`--allow-sys=hostname` and `--allow-run`, or `-A`),
   * else its claim lapses with
   * its lease. `patience`: how long to wait for another's claim before
   * drawing its samples anyway. `false`: never claim (every process that
   * misses pays, as with a store without claims). A replication never claims.
   * @default {{ lease: 15000, patience: 600000 }}
   */
  claims?: false | { lease?: number; patience?: number };
}

// The caches this process announced as new: each is announced once.
const announced = new Set<string>();

/**
 * A durable cache: like `Repeatable`, the i-th item of every call's sequence
 * is the same value, and it stays so across processes and runs. The store is
 * a {@linkcode Store}, or a spec, read as `openStore` reads it: a path or a
 * `file:` URL is a folder in the Python original's layout (a leading `~` is
 * the home folder), `kv:<path>` a Deno KV database, `sqlite:<path>` a SQLite
 * file, `redis://…` a Redis server; an unknown scheme (`sqllite:`) is a
 * TypeError, never a folder. Fresh samples are stored as soon as they
 * arrive, whole batches at once.
 *
 * `Persistent(Persistent(m, a), b)` slices a cache: after a run, `b` holds
 * exactly the items the run used, at the same indices as in `a`, also when
 * several models or processes slice into `b` at once, and through a
 * decorator that passes `a`'s streams on (see `Decorator`): each
 * item is placed at its index ({@linkcode Store.place}), and an index of `b`
 * that holds another item than `a` at the same index is an error naming
 * both stores. A store without `place` can be read as a slice, not written:
 * the first miss says so, before anything is drawn.
 *
 * On a miss it looks in its store again (others may have stored the item),
 * except right after its own append with nothing learned since: the index
 * after the one it took was free then, and should another writer take it
 * meanwhile, the next append finds that sample and serves it, keeping this
 * model's own after it. No clock decides.
 *
 * A folder is used at once. A `kv:`, `sqlite:` or Redis spec is opened on
 * first use (the constructor cannot wait): `store.location` is known at
 * once, an error opening it surfaces at the first sample, naming the store,
 * and reading never creates a file. Close such a store when done, with
 * `await model.store.close()` (a Redis connection keeps the process alive);
 * closing one that was never used opens nothing.
 *
 * Before its first draw, a `Persistent` checks that its store can be written
 * (see {@linkcode Store.checkAccess}), so that no sample is paid for that
 * could not be kept; a missing permission fails then, naming the flag, and
 * with the model key, prompt and index that were not in the cache. When the
 * cache does not exist yet, it is created then, and a line on stderr says
 * so, once per cache and process (in the Deno Jupyter kernel, `console`
 * output shows under the cell); `{ create: false }` makes a missing cache an
 * error instead.
 *
 * `replies()` replays the same sequence as whole replies (tool calls,
 * reasoning, the finish reason, …): what each reply holds beyond its text is
 * stored with its sample, in the same write, by every built-in store, and
 * read from the store only when a reply is asked for. A chat is stored
 * under its canonical text (see `promptText`), which `prompt.txt` (or the
 * store's prompt listing) holds.
 *
 * It is a `Repeatable` configured with its store (one {@linkcode SequenceStore}
 * per prompt) and its handling of misses (`RepeatableOptions`); it
 * overrides nothing of the engine.
 *
 * @example Replaying a cache without calling the model
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../mod.ts";
 * import { Persistent } from "./persistent.ts";
 *
 * class Offline extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     throw new Error("no network in this example");
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const seeded = new Persistent(
 *   new (class extends BufferedModel {
 *     protected query(): Promise<string[]> {
 *       return Promise.resolve(["92"]);
 *     }
 *   })("gpt-4o", 1),
 *   dir,
 * );
 * const prompt = "Choose a number between 1 and 1000.";
 * assert.equal(await first(seeded.sample(prompt)), "92");
 *
 * const replay = new Persistent(new Offline("gpt-4o", 1), dir, { replication: true });
 * assert.equal(await first(replay.sample(prompt)), "92");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Persistent extends Repeatable {
  /**
   * Where the sequences are kept: the store given, or the one the spec
   * names (opened on first use; see above).
   */
  readonly store: Store;
  /** Whether misses throw instead of calling the inner model. */
  readonly replication: boolean;
  #key: string;
  #create: boolean;
  #announce: boolean;
  #policy: MissPolicy | undefined;
  #writable: Promise<void> | undefined;
  #writableChecked = false;
  #claims: ClaimTiming | undefined;
  #holder: ClaimHolder | undefined;

  /**
   * Wraps `inner` in a durable cache kept in `dirOrStore`.
   *
   * @param inner The model to draw fresh samples from.
   * @param dirOrStore A store, or a spec: a cache folder (mnimi layout) as a
   * path or a `file:` URL, `kv:<path>`, `sqlite:<path>` or a Redis URL.
   * @param options Replication mode; whether a missing cache may be
   * created, and said to be; a policy around misses.
   * @throws {TypeError} For a spec `openStore` refuses (an unknown scheme, a
   * malformed URL), or an option that is not of its kind.
   */
  constructor(
    inner: Model,
    dirOrStore: string | URL | Store,
    options: PersistentOptions = {},
  ) {
    // The engine asks for these from the first sample on, once the fields are set.
    super(inner, {
      backing: (prompt) => this.#backing(prompt),
      miss: (miss, draw) => this.#onMiss(miss, draw),
    });
    this.#key = modelKey(inner);
    this.replication = booleanOption(options, "replication", false);
    this.#create = booleanOption(options, "create", true);
    this.#announce = booleanOption(options, "announce", true);
    this.#policy = missOption(options.miss);
    this.#claims = this.replication ? undefined : claimsOption(options.claims);
    this.store = typeof dirOrStore === "string" || dirOrStore instanceof URL
      ? storeOf(dirOrStore)
      : assertStore(dirOrStore);
  }

  /** The model key under which this model's sequences are stored. */
  get key(): string {
    return this.#key;
  }

  /** What this cache says about itself to displays: where it keeps what. */
  override [modelInfo](): ModelInfo {
    const where = [this.store.location, `key ${this.#key}`];
    if (this.replication) where.push("replication");
    return { ...super[modelInfo](), detail: where.join(", "), store: this.store.location };
  }

  /**
   * The store, seen as one prompt's durable sequence (`prompt` is its
   * canonical text, recorded as the prompt). A slice (a cache over a cache)
   * places each sample at its index in the cache below, and an index already
   * taken must hold that same sample. Samples go with their metadata;
   * replies are read only when asked for.
   */
  #backing(prompt: string): SequenceStore {
    const key = { model: this.#key, hash: promptHash(prompt) };
    const store = this.store;
    const timing = this.#claims;
    const claim = timing === undefined
      ? undefined
      : claimsOf(store, key, () => this.#holder ??= holderOf(crypto.randomUUID()), timing);
    return {
      // The usage of what is found comes with it, or is read when first asked for.
      load: (from) => loadSamples(store, key, from),
      // Asked when a fill starts: a store opened on first use says only then whether it claims.
      get claim() {
        return store.claim === undefined ? undefined : claim;
      },
      append: async ({ from, samples, usage, meta }) => {
        const found = await store.append(key, { from, samples, prompt, usage, meta });
        // Others' samples came first: theirs is in the store, ours is known.
        return found.length > samples.length
          ? await withUsage(store, key, from, found)
          : { samples: found };
      },
      // Asked when needed: a store opened on first use says only then whether it keeps replies.
      get replies() {
        return store.replies === undefined
          ? undefined
          : (from: number) => store.replies!(key, from);
      },
      place: async ({ from, samples, usage, meta }) => {
        const held = await this.#placer()(key, { from, samples, prompt, usage, meta });
        const k = samples.findIndex((sample, k) => held[k] !== sample);
        if (k < 0) return;
        if (held[k] === undefined) {
          throw new Error(
            `${this.store.location}: place() answered ${held.length} sample(s) for ` +
              `${samples.length}; a Store's place() answers what each index holds`,
          );
        }
        throw this.#mismatch(prompt, from + k, held[k], samples[k]!);
      },
    };
  }

  /** The store's `place`, or an error saying that it cannot keep a slice. */
  #placer(): NonNullable<Store["place"]> {
    if (this.store.place !== undefined) return this.store.place.bind(this.store);
    throw new TypeError(
      `cache slicing: the store ${this.store.location} cannot keep a slice: it has no ` +
        `place() method, which stores a sample at exactly the index it has in the cache ` +
        `below (see Store.place); implement it, or slice into a built-in store`,
    );
  }

  /** The error for index `index`, which holds `held` here and `below` in the cache below. */
  #mismatch(prompt: string, index: number, held: string, below: string): Error {
    const inner = infoOf(this.inner);
    const source = inner.store ?? `an in-memory ${inner.kind}`;
    return new Error(
      `cache slicing: index ${index} of ${this.#key}/${promptHash(prompt)} holds another ` +
        `sample in ${this.store.location} (${preview(held)}) than in the cache below it, ` +
        `${source} (${preview(below)}): a slice holds its source's samples at their indices, ` +
        `so ${this.store.location} was filled from another source; slice into a new cache, ` +
        `or remove this prompt's samples from ${this.store.location}`,
    );
  }

  /** A miss: the `miss` option's policy, if any, around this cache's own handling. */
  #onMiss(miss: Miss, draw: () => Promise<void>): Promise<void> {
    const own = () => this.#handle(miss, draw);
    return this.#policy === undefined ? own() : this.#policy(miss, own);
  }

  /**
   * A miss: in replication mode an error, never a request; else a draw,
   * once the store is known to be writable.
   */
  async #handle(miss: Miss, draw: () => Promise<void>): Promise<void> {
    const details = (): ReplicationCacheMissDetails => ({
      model: this.#key,
      hash: promptHash(miss.prompt),
      prompt: miss.prompt,
      index: miss.index,
      stored: miss.from,
      location: this.store.location,
    });
    if (this.replication) {
      await this.store.checkAccess?.("read");
      const found = details();
      // Nothing under this key, yet the prompt may be under another (a changed
      // option), or a slightly different one under this key (an edited prompt).
      const first = miss.from === 0;
      const others = first ? await similar(this.store, found) : [];
      const closest = first ? await nearest(this.store, this.#key, miss.prompt) : undefined;
      throw new ReplicationCacheMiss({ ...found, similar: others, closest });
    }
    try {
      // A slice can be kept only by a store that places samples (checked before paying).
      if (miss.reads === "slice") this.#placer();
      if (!this.#writableChecked) await this.#checkWritable();
    } catch (error) {
      throw cannotDraw(details(), "the cache cannot keep a new sample", error);
    }
    const settled = drawStarted();
    try {
      await draw();
    } catch (error) {
      // A missing permission most often means a replay that forgot replication.
      if (!(error instanceof Deno.errors.NotCapable)) throw error;
      throw cannotDraw(details(), "drawing one from the model needs a permission", error);
    } finally {
      settled();
    }
  }

  /** Checks once that the store can be written; a failed check is tried again. */
  #checkWritable(): Promise<void> {
    this.#writable ??= this.#prepareStore().then(() => {
      this.#writableChecked = true;
    }, (error) => {
      this.#writable = undefined;
      throw error;
    });
    return this.#writable;
  }

  /** Makes sure the store can be written: created when missing and allowed, else an error. */
  async #prepareStore(): Promise<void> {
    const missing = await isMissing(this.store);
    if (missing && !this.#create) {
      throw new Deno.errors.NotFound(
        `the cache ${this.store.location} does not exist, and this Persistent may not ` +
          `create it ({ create: false }): check the path for a typo, or create the cache first`,
      );
    }
    await this.store.checkAccess?.("write");
    if (missing && this.#announce) announceNewCache(this.store.location);
  }
}

/**
 * Says that a cache created its store, once per location and process: a
 * typo in a path must not start a new cache unnoticed.
 */
function announceNewCache(location: string): void {
  if (announced.has(location)) return;
  announced.add(location);
  console.warn(
    `llm-cache: created a new cache at ${location} (it did not exist); if you meant an ` +
      `existing cache, check the path (pass { create: false } to make a missing cache an error)`,
  );
}

/** Whether the store says it does not exist yet (a store that cannot tell exists). */
async function isMissing(store: Store): Promise<boolean> {
  try {
    await store.checkAccess?.("read");
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
}

/** The `claims` option: its timing, or undefined for no claims. */
function claimsOption(claims: PersistentOptions["claims"]): ClaimTiming | undefined {
  if (claims === false) return undefined;
  if (claims !== undefined && (typeof claims !== "object" || claims === null)) {
    throw new TypeError(
      `Persistent: claims must be false or { lease?, patience? }, got ${describe(claims)}`,
    );
  }
  const { lease = DEFAULT_LEASE, patience = DEFAULT_PATIENCE } = claims ?? {};
  assertMilliseconds("claims.lease", lease, 1, "Persistent");
  assertMilliseconds("claims.patience", patience, 0, "Persistent");
  return { lease: Math.ceil(lease), patience };
}

/** The `miss` option: a function when given. */
function missOption(policy: unknown): MissPolicy | undefined {
  if (policy !== undefined && typeof policy !== "function") {
    throw new TypeError(
      `Persistent: miss must be a function (miss, draw) => Promise<void>, got ` +
        `${describe(policy)}; see MissPolicy`,
    );
  }
  return policy as MissPolicy | undefined;
}

/** An option that must be a boolean when given. */
function booleanOption(
  options: PersistentOptions,
  name: "replication" | "create" | "announce",
  fallback: boolean,
): boolean {
  const value = options[name] ?? fallback;
  if (typeof value !== "boolean") {
    throw new TypeError(
      `Persistent: ${name} must be a boolean, got ${describe(value)}; pass true or false`,
    );
  }
  return value;
}

/** The same error kind, saying first what was not in the cache, then why no draw. */
function cannotDraw(miss: ReplicationCacheMissDetails, why: string, error: unknown): Error {
  const message = `not in the cache: ${describeMiss(miss)}; ${why}: ` +
    `${error instanceof Error ? error.message : String(error)}. ` +
    `To replay a cache without ever drawing, pass { replication: true }.`;
  for (const Kind of [Deno.errors.NotCapable, Deno.errors.PermissionDenied, Deno.errors.NotFound]) {
    if (error instanceof Kind) return new Kind(message, { cause: error });
  }
  return new Error(message, { cause: error });
}

/**
 * Other model keys that hold the prompt: a changed temperature or option
 * gives another key. Best effort: a store that cannot be listed has none.
 */
async function similar(
  store: Store,
  miss: ReplicationCacheMissDetails,
): Promise<SimilarSequence[]> {
  const found: SimilarSequence[] = [];
  try {
    for await (const model of store.models()) {
      if (model === miss.model) continue;
      const stored = (await store.load({ model, hash: miss.hash }, 0)).length;
      if (stored > 0) found.push({ model, stored });
    }
  } catch {
    // The miss is the error to report; the suggestions are a courtesy.
  }
  return found.sort((a, b) => b.stored - a.stored || (a.model < b.model ? -1 : 1));
}

/** The prompt under `model` nearest to `prompt` (loaded on a replication miss only). */
async function nearest(store: Store, model: string, prompt: string) {
  const { closestPrompt } = await import("./_closest_prompt.ts");
  return await closestPrompt(store, model, prompt);
}

/** The start of `sample`, quoted, for messages. */
function preview(sample: string): string {
  return JSON.stringify(sample.length > 40 ? `${sample.slice(0, 40)}…` : sample);
}

function assertStore(store: unknown): Store {
  const methods = ["load", "append", "models", "prompts", "close"] as const;
  if (
    typeof store !== "object" || store === null ||
    methods.some((m) => typeof (store as Record<string, unknown>)[m] !== "function")
  ) {
    throw new TypeError(
      `Persistent needs a cache folder path or a Store, got ${describe(store)}: ` +
        `pass e.g. "~/.llm_cache", "sqlite:cache.db", new URL("./cache/", import.meta.url) ` +
        `or await KvStore.open(path)`,
    );
  }
  return store as Store;
}
