/**
 * `Persistent`: `Repeatable` whose sequences survive across runs.
 *
 * @module
 */

import { CachedModel } from "../cached_model.ts";
import type { Model } from "../model.ts";
import { modelKey, promptHash } from "../model_key.ts";
import type { Backing } from "../sequence.ts";
import { describe } from "../validate.ts";
import { FsStore } from "./fs_store.ts";
import { ReplicationCacheMiss } from "./replication_cache_miss.ts";
import type { Store } from "./store.ts";

/** Options of {@linkcode Persistent}. */
export interface PersistentOptions {
  /**
   * Replay only: never call the inner model, and throw
   * {@linkcode ReplicationCacheMiss} for a sample the store lacks.
   * @default {false}
   */
  replication?: boolean;
}

/**
 * A durable cache: like `Repeatable`, the i-th item of every call's sequence
 * is the same value, and it stays so across processes and runs. A string is a
 * folder in the Python original's layout (a leading `~` is the home folder);
 * any {@linkcode Store} works too. Fresh samples are stored as soon as they
 * arrive, whole batches at once. `Persistent(Persistent(m, a), b)` slices a
 * cache: after a run, `b` holds exactly the items the run used, at the same
 * indices as in `a`.
 *
 * @example Replaying a cache without calling the model
 * ```ts
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
 * console.assert(await first(seeded.sample(prompt)) === "92");
 *
 * const replay = new Persistent(new Offline("gpt-4o", 1), dir, { replication: true });
 * console.assert(await first(replay.sample(prompt)) === "92");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Persistent extends CachedModel {
  /** Where the sequences are kept. */
  readonly store: Store;
  /** Whether misses throw instead of calling the inner model. */
  readonly replication: boolean;
  #key: string;

  /**
   * Wraps `inner` in a durable cache kept in `dirOrStore`.
   *
   * @param inner The model to draw fresh samples from.
   * @param dirOrStore A cache folder (mnimi layout) or a store.
   * @param options Replication mode.
   */
  constructor(
    inner: Model,
    dirOrStore: string | Store,
    options: PersistentOptions = {},
  ) {
    super(inner);
    this.#key = modelKey(inner);
    this.store = typeof dirOrStore === "string" ? new FsStore(dirOrStore) : assertStore(dirOrStore);
    this.replication = options.replication ?? false;
  }

  /** The model key under which this model's sequences are stored. */
  get key(): string {
    return this.#key;
  }

  /** @internal The store, seen as one prompt's durable sequence. */
  protected override backing(prompt: string): Backing {
    const key = { model: this.#key, hash: promptHash(prompt) };
    return {
      load: (from) => this.store.load(key, from),
      append: (from, samples) => this.store.append(key, from, samples, prompt),
    };
  }

  /** @internal In replication mode a miss is an error, never a request. */
  protected override draw(
    prompt: string,
    index: number,
    batch: number,
    wanted: number,
  ): Promise<readonly string[]> {
    if (!this.replication) return super.draw(prompt, index, batch, wanted);
    return Promise.reject(
      new ReplicationCacheMiss({
        model: this.#key,
        hash: promptHash(prompt),
        prompt,
        index: wanted,
        stored: index,
        location: this.store.location,
      }),
    );
  }
}

function assertStore(store: unknown): Store {
  const methods = ["load", "append", "models", "prompts", "close"] as const;
  if (
    typeof store !== "object" || store === null ||
    methods.some((m) => typeof (store as Record<string, unknown>)[m] !== "function")
  ) {
    throw new TypeError(
      `Persistent needs a cache folder path or a Store, got ${describe(store)}: ` +
        `pass e.g. "~/.llm_cache" or await KvStore.open(path)`,
    );
  }
  return store as Store;
}
