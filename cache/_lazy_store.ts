/**
 * A store named by a spec (`kv:`, `sqlite:`, `redis://`) and opened on first
 * use, so that `Persistent`'s synchronous constructor can take every spec
 * `openStore` takes.
 *
 * - `location` is known at once, from the spec (a Redis password hidden).
 * - Nothing is created by reading: while a `kv:` or `sqlite:` file does not
 *   exist, reads find an empty store without opening it, and
 *   `checkAccess("read")` rejects with `Deno.errors.NotFound` naming the
 *   file; the file is made by the first write (`append`, or
 *   `checkAccess("write")`, which `Persistent` calls before its first draw).
 * - An error opening the store surfaces at that use, naming the store, with
 *   the original error as its `cause`; the next use tries again.
 * - `close()` closes what was opened (nothing, if it never was); a store
 *   closed is not opened again: a later use throws.
 *
 * @module
 */

import type { SampleUsage, UsageRecord } from "../core/usage.ts";
import { permissionHint } from "./_permission_hint.ts";
import type { StoreSpec } from "./_store_spec.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";

/** A spec of a store that has to be opened (anything but a folder). */
export type OpenedSpec = Exclude<StoreSpec, { kind: "folder" }>;

/**
 * A store opened when first used; see the module documentation.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LazyStore } from "./_lazy_store.ts";
 * import { openParsed } from "./open_store.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const spec = { kind: "sqlite", path: `${dir}/c.db`, location: `sqlite:${dir}/c.db` } as const;
 * const store = new LazyStore(spec, openParsed);
 * const key = { model: "m_1", hash: promptHash("p") };
 * assert.deepEqual(await store.load(key, 0), []); // the file is not created by reading
 * await assert.rejects(Deno.stat(`${dir}/c.db`), Deno.errors.NotFound);
 * await store.append(key, 0, ["x"], "p");
 * assert.deepEqual(await store.load(key, 0), ["x"]);
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class LazyStore implements Store {
  /** The store, as its spec names it (no password). */
  readonly location: string;
  #spec: OpenedSpec;
  #open: (spec: OpenedSpec) => Promise<Store>;
  #opening: Promise<Store> | undefined;
  #closed = false;

  /**
   * @param spec The store to open.
   * @param open How to open it (`openParsed`).
   */
  constructor(spec: OpenedSpec, open: (spec: OpenedSpec) => Promise<Store>) {
    this.#spec = spec;
    this.#open = open;
    this.location = spec.location;
  }

  /** The samples at `from` and after; none while the file does not exist. */
  async load(key: SequenceKey, from: number): Promise<string[]> {
    return await (await this.#existing())?.load(key, from) ?? [];
  }

  /** Stores samples (see `Store.append`), opening the store first (a new file is created). */
  async append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
    usage?: readonly (SampleUsage | undefined)[],
  ): Promise<string[]> {
    return await (await this.#opened()).append(key, from, samples, prompt, usage);
  }

  /** Places samples at their indices (see `Store.place`), opening the store first. */
  async place(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
    usage?: readonly (SampleUsage | undefined)[],
  ): Promise<string[]> {
    const store = await this.#opened();
    // Every store a spec opens is built in, and each of them places.
    return await store.place!(key, from, samples, prompt, usage);
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
    const store = mode === "write" ? await this.#opened() : await this.#existing();
    if (store === undefined) {
      throw new Deno.errors.NotFound(
        `the cache file ${this.location} does not exist: check the path for a typo ` +
          `(a cache that is only replayed must exist already)`,
      );
    }
    await store.checkAccess?.(mode);
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
    this.#opening ??= this.#open(this.#spec).catch((error) => {
      this.#opening = undefined;
      throw cannotOpen(this.location, error);
    });
    return this.#opening;
  }

  async #fileExists(): Promise<boolean> {
    const path = this.#spec.kind === "redis" ? undefined : this.#spec.path;
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
