// Store arguments: a folder, `kv:<path>`, `sqlite:<path>` or `redis://…`. A
// store that is only read must exist; opening a missing folder, KV or SQLite
// file would silently show an empty cache (and opening a file would create it).
// It is opened read-only where the store allows: a read command never writes.

import { openStore } from "../cache/open_store.ts";
import type { Store } from "../cache/store.ts";
import { expandHome } from "../cache/_home_path.ts";
import { UsageError } from "./_args.ts";

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
than llm-cache:).`;

/**
 * Opens a store that must already exist.
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
 * @throws {UsageError} When a folder, KV or SQLite file is missing, or the spec is malformed.
 */
export async function openExisting(spec: string): Promise<Store> {
  const path = localPath(spec);
  if (path !== undefined) {
    try {
      await Deno.stat(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      throw new UsageError(
        `no cache at ${JSON.stringify(spec)}: ${path} does not exist; check the path ` +
          `(a command that writes, such as copy, creates its target)`,
      );
    }
  }
  return await open(spec, true);
}

/**
 * Opens a store, creating it when it is new (a copy's target).
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
export function openOrCreate(spec: string): Promise<Store> {
  return open(spec);
}

async function open(spec: string, readOnly = false): Promise<Store> {
  try {
    return readOnly ? await openReadOnly(spec) : await openStore(spec);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}

/** The store of `spec`; a Deno KV or SQLite file opened read-only. */
async function openReadOnly(spec: string): Promise<Store> {
  const path = localPath(spec);
  if (spec.startsWith("kv:")) {
    const { KvStore } = await import("../cache/kv_store.ts");
    return await KvStore.open(path, { readOnly: true });
  }
  if (spec.startsWith("sqlite:") && path !== undefined) {
    const { SqliteStore } = await import("../cache/sqlite_store.ts");
    return await SqliteStore.open(path, { readOnly: true });
  }
  return await openStore(spec);
}

/** The file or folder behind a local store spec; undefined for Redis or default KV. */
function localPath(spec: string): string | undefined {
  if (/^rediss?:\/\//.test(spec)) return undefined;
  if (spec.startsWith("kv:")) return spec === "kv:" ? undefined : expandHome(spec.slice(3));
  if (spec.startsWith("sqlite:")) {
    return spec === "sqlite:" ? undefined : expandHome(spec.slice("sqlite:".length));
  }
  return spec === "" ? undefined : expandHome(spec);
}
