// Store arguments: a folder, `kv:<path>`, `sqlite:<path>` or `redis://…`,
// read by the library's one parser of store specs. A store that is only read
// must exist, and a folder must be a cache: opening a missing folder, KV or
// SQLite file would silently show an empty cache (and opening a file would
// create it), and any folder opens as an empty cache.
// It is opened read-only where the store allows: a read command never writes.

import { FsStore } from "../cache/fs_store.ts";
import { openParsed } from "../cache/open_store.ts";
import type { Store } from "../cache/store.ts";
import { parseStoreSpec, type StoreSpec } from "../cache/_store_spec.ts";
import { UsageError } from "./_args.ts";
import { assertCacheFolder } from "./_cache_folder.ts";

/**
 * Store arguments, as the help texts describe them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STORE_HELP } from "./_stores.ts";
 *
 * assert(STORE_HELP.includes("redis://"));
 * ```
 */
export const STORE_HELP =
  `A <store> is a cache folder (mnimi layout; ~ is the home folder), kv:<path> for a
Deno KV database (needs --unstable-kv), sqlite:<path> for a SQLite database file, or
redis://[user:password@]host[:port][/db] (add ?prefix=<prefix> for a key prefix other
than llm-cache:). Any other scheme is an error (write ./a:b for a folder named a:b).
A folder is a cache when it holds <model key>/<prompt hash>/ folders, or nothing but
folders and hidden files (an empty cache); any other folder is refused (exit 2).
Relative paths are relative to the working directory.`;

/**
 * Opens a store that must already exist: a folder must be a cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openExisting } from "./_stores.ts";
 *
 * const store = await openExisting("tests/fixtures/mnimi-cache");
 * assert((await Array.fromAsync(store.models())).includes("gpt-4o_1"));
 * await store.close();
 * ```
 *
 * @throws {UsageError} When a folder, KV or SQLite file is missing, a folder
 * is not a cache, or the spec is malformed.
 */
export async function openExisting(spec: string): Promise<Store> {
  const parsed = await usage(() => parseStoreSpec(spec));
  const path = localPath(parsed);
  if (path !== undefined && !(await exists(path))) {
    throw new UsageError(
      `no cache at ${JSON.stringify(spec)}: ${path} does not exist; check the path ` +
        `(a command that writes, such as copy, creates its target)`,
    );
  }
  return await checked(await usage(() => openParsed(parsed, { readOnly: true })));
}

/**
 * Opens a store, creating it when it is new (a copy's target); an existing
 * folder must be a cache.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openOrCreate } from "./_stores.ts";
 *
 * const path = "tests/.tmp/not-created-until-written";
 * const store = await openOrCreate(path);
 * assert.deepEqual(await Array.fromAsync(store.models()), []);
 * await store.close();
 * await assert.rejects(Deno.stat(path), Deno.errors.NotFound);
 * ```
 */
export async function openOrCreate(spec: string): Promise<Store> {
  const parsed = await usage(() => parseStoreSpec(spec));
  const store = await usage(() => openParsed(parsed));
  return parsed.kind === "folder" && await exists(parsed.path) ? await checked(store) : store;
}

/** `fn`'s result; a TypeError (a spec, or a store that refuses it) is a usage error. */
async function usage<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** `store`, when it is not a folder or is a cache folder; else closed, and an error. */
async function checked(store: Store): Promise<Store> {
  if (!(store instanceof FsStore)) return store;
  try {
    await assertCacheFolder(store);
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The file or folder behind a local store spec; undefined for Redis or default KV. */
function localPath(spec: StoreSpec): string | undefined {
  return spec.kind === "redis" ? undefined : spec.path;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
