/**
 * A store named by a spec (`kv:`, `sqlite:`, `redis://`, a registered kind)
 * and opened on first use, so that `Persistent`'s synchronous constructor can
 * take every spec `openStore` takes.
 *
 * - `location` is known at once, from the spec (a Redis password hidden).
 * - Nothing is created by reading: while the file of a local store (the
 *   spec's `path`: `kv:`, `sqlite:`) does not exist, reads find an empty
 *   store without opening it, and `checkAccess("read")` and `verify` reject
 *   with `Deno.errors.NotFound` naming the file; the file is made by the
 *   first write (`append`, or `checkAccess("write")`, which `Persistent`
 *   calls before its first draw).
 * - An optional method the opened store lacks (`place`, `delete` of a
 *   registered kind) throws a `TypeError` that says so; `verify` falls back
 *   to the checks any store allows.
 * - An error opening the store surfaces at that use, naming the store, with
 *   the original error as its `cause`; the next use tries again.
 * - `close()` closes what was opened (nothing, if it never was); a store
 *   closed is not opened again: a later use throws.
 *
 * @module
 */

import type { UsageRecord } from "../core/usage.ts";
import { type Reply, replyOf } from "../core/reply.ts";
import { permissionHint } from "./_permission_hint.ts";
import { loadSamples, loadWithUsage } from "./_load_with_usage.ts";
import type { StoredSamples } from "../core/repeatable_options.ts";
import type { StoreSpec } from "./store_kinds.ts";
import { unclaimed } from "./claims.ts";
import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreVerification,
  StoreWrite,
  VerifyOptions,
} from "./store.ts";

/**
 * A store opened when first used; see the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LazyStore } from "./lazy_store.ts";
 * import { openParsed } from "./open_store.ts";
 * import { parseStoreSpec } from "./store_spec.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new LazyStore(parseStoreSpec(`sqlite:${dir}/c.db`), openParsed);
 * const key = { model: "m_1", hash: promptHash("p") };
 * assert.deepEqual(await store.load(key, 0), []); // the file is not created by reading
 * await assert.rejects(Deno.stat(`${dir}/c.db`), Deno.errors.NotFound);
 * await store.append(key, { from: 0, samples: ["x"], prompt: "p" });
 * assert.deepEqual(await store.load(key, 0), ["x"]);
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LazyStore implements Store {
  /** The store, as its spec names it (no password). */
  readonly location: string;
  #spec: StoreSpec;
  #open: (spec: StoreSpec) => Promise<Store>;
  #opening: Promise<Store> | undefined;
  // The store once it opened.
  #store: Store | undefined;
  #closed = false;

  /**
   * @param spec The store to open.
   * @param open How to open it (`openParsed`).
   */
  constructor(spec: StoreSpec, open: (spec: StoreSpec) => Promise<Store>) {
    this.#spec = spec;
    this.#open = open;
    this.location = spec.location;
  }

  /** The samples at `from` and after; none while the file does not exist. */
  async load(key: SequenceKey, from: number): Promise<string[]> {
    return await (await this.#existing())?.load(key, from) ?? [];
  }

  /** Stores samples (see `Store.append`), opening the store first (a new file is created). */
  /** The samples with their usage, as the store opened hands them over (see `loadSamples`). */
  async [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples> {
    const store = await this.#existing();
    return store === undefined ? { samples: [] } : await loadSamples(store, key, from);
  }

  async append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return await (await this.#opened()).append(key, write);
  }

  /**
   * Places samples at their indices (see `Store.place`), opening the store
   * first; a `TypeError` when the store cannot place.
   */
  async place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const store = await this.#opened();
    if (store.place === undefined) throw this.#lacks("place", "keep a cache slice");
    return await store.place(key, write);
  }

  /**
   * The replies at `from` and after (see `Store.replies`); none while the
   * file does not exist. Absent once the store, opened, turns out to keep no
   * metadata (until then, it reads the store's texts as replies).
   */
  get replies(): ((key: SequenceKey, from: number) => Promise<Reply[]>) | undefined {
    if (this.#store !== undefined && this.#store.replies === undefined) return undefined;
    return async (key, from) => {
      const store = await this.#existing();
      if (store === undefined) return [];
      if (store.replies !== undefined) return await store.replies(key, from);
      return (await store.load(key, from)).map((text) => replyOf(text));
    };
  }

  /**
   * Claims indices (see `Store.claim`), opening the store first (a new file
   * is created); where the opened store claims nothing, every index is the
   * claimer's. Absent once the store, opened, turns out to claim nothing.
   */
  get claim(): ((key: SequenceKey, request: ClaimRequest) => Promise<StoreClaim>) | undefined {
    if (this.#store !== undefined && this.#store.claim === undefined) return undefined;
    return async (key, request) => {
      const store = await this.#opened();
      return store.claim === undefined ? unclaimed(request) : await store.claim(key, request);
    };
  }

  /** The usage records of a sequence; none when the store keeps none. */
  async usage(key: SequenceKey, from?: number): Promise<UsageRecord[]> {
    return await (await this.#existing())?.usage?.(key, from) ?? [];
  }

  /** Every index that holds a sample (see `Store.indices`). */
  async indices(key: SequenceKey): Promise<number[]> {
    const store = await this.#existing();
    if (store === undefined) return [];
    if (store.indices !== undefined) return await store.indices(key);
    // A store without the method has no gaps.
    return (await store.load(key, 0)).map((_, i) => i);
  }

  /**
   * Deletes samples (see `Store.delete`); nothing while the file does not
   * exist; a `TypeError` when the store cannot delete.
   */
  async delete(key: SequenceKey, from?: number): Promise<void> {
    const store = await this.#existing();
    if (store === undefined) return;
    if (store.delete === undefined) throw this.#lacks("delete", "delete samples");
    await store.delete(key, from);
  }

  /**
   * Checks the store (see `Store.verify`), through the store's own `verify`
   * or else the checks any store allows; a missing file is
   * `Deno.errors.NotFound`, naming it.
   */
  async verify(options?: VerifyOptions): Promise<StoreVerification> {
    // Loaded when asked for: a cache that is only used never needs it.
    const { verifyStore } = await import("./verify_store.ts");
    return await verifyStore(await this.#mustExist(), options);
  }

  /** The store itself, opened (and created, when it is a new file). */
  opened(): Promise<Store> {
    return this.#opened();
  }

  /** Every model key; none while the file does not exist. */
  async *models(): AsyncIterableIterator<string> {
    const store = await this.#existing();
    if (store !== undefined) yield* store.models();
  }

  /** Every prompt under `model`; none while the file does not exist. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    const store = await this.#existing();
    if (store !== undefined) yield* store.prompts(model);
  }

  /** Closes the store if it was opened; a later use throws. */
  async close(): Promise<void> {
    this.#closed = true;
    const opening = this.#opening;
    this.#opening = undefined;
    const store = await opening?.catch(() => undefined);
    await store?.close();
  }

  /**
   * `"read"`: the store exists (a missing file is `Deno.errors.NotFound`,
   * naming it) and opens; `"write"`: it opens, created when new, and can be
   * written.
   */
  async checkAccess(mode: "read" | "write"): Promise<void> {
    const store = mode === "write" ? await this.#opened() : await this.#mustExist();
    await store.checkAccess?.(mode);
  }

  /** The store, opened; `Deno.errors.NotFound` while its file does not exist. */
  async #mustExist(): Promise<Store> {
    const store = await this.#existing();
    if (store !== undefined) return store;
    throw new Deno.errors.NotFound(
      `the cache file ${this.location} does not exist: check the path for a typo ` +
        `(a cache that is only replayed must exist already)`,
    );
  }

  /** The error for a method the opened store does not have. */
  #lacks(method: string, what: string): TypeError {
    return new TypeError(
      `the store ${this.location} cannot ${what}: it has no ${method}() method ` +
        `(see Store.${method}); implement it, or use a built-in store`,
    );
  }

  /** The store, opened; undefined while its file does not exist (nothing is created). */
  async #existing(): Promise<Store | undefined> {
    if (this.#opening === undefined && !(await this.#fileExists())) return undefined;
    return await this.#opened();
  }

  /** The store, opened (and created, when it is a new file). */
  #opened(): Promise<Store> {
    if (this.#closed) {
      return Promise.reject(
        new Error(`the store ${this.location} was closed: open a new one to use it again`),
      );
    }
    this.#opening ??= this.#open(this.#spec).then((store) => this.#store = store, (error) => {
      this.#opening = undefined;
      throw cannotOpen(this.location, error);
    });
    return this.#opening;
  }

  async #fileExists(): Promise<boolean> {
    const path = this.#spec.path;
    if (path === undefined || this.#closed) return true;
    try {
      await Deno.stat(path);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw permissionHint(error, `looking for ${path}`, `--allow-read=${path}`);
    }
  }
}

/** `error`, of the same kind, with the store named first. */
function cannotOpen(location: string, error: unknown): Error {
  const message = `cannot open the store ${location}: ` +
    (error instanceof Error ? error.message : String(error));
  for (
    const Kind of [
      Deno.errors.NotCapable,
      Deno.errors.PermissionDenied,
      Deno.errors.NotFound,
      TypeError,
      RangeError,
    ]
  ) {
    if (error instanceof Kind) return new Kind(message, { cause: error });
  }
  return new Error(message, { cause: error });
}
