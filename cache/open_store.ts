/**
 * Opens a store from one line of text, as a command line or a child process
 * gets it.
 *
 * @module
 */

import { FsStore } from "./fs_store.ts";
import type { Store } from "./store.ts";

/**
 * The store a spec names:
 * - `kv:<path>`: a Deno KV database (`kv:` alone: Deno's default one);
 * - `sqlite:<path>`: a SQLite database file (see `SqliteStore`);
 * - `redis://…` or `rediss://…`: a Redis server (a string or a URL);
 * - a `file:` URL: a cache folder;
 * - anything else: a cache folder in the mnimi layout (a leading `~` is the
 *   home folder).
 *
 * The KV, SQLite and Redis modules are loaded only when asked for, so a
 * folder needs neither `--unstable-kv`, nor `node:sqlite`, nor the Redis
 * client.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 *
 * const store = await openStore("tests/.tmp/never-created");
 * assert.equal(store.location, "tests/.tmp/never-created");
 * await store.close();
 * await assert.rejects(openStore(""), /cannot open a store from "": a store spec is a folder/);
 * ```
 *
 * @param spec A folder (a path or a `file:` URL), `kv:<path>`, `sqlite:<path>` or a Redis URL.
 * @returns The opened store; close it when done.
 * @throws {TypeError} When `spec` is empty or not a string, or names a store
 * that cannot be (a malformed Redis URL or prefix, an empty SQLite path).
 */
export async function openStore(spec: string | URL): Promise<Store> {
  if (spec instanceof URL) {
    if (/^rediss?:$/.test(spec.protocol)) return await openStore(spec.href);
    return new FsStore(spec);
  }
  if (typeof spec !== "string" || spec === "") {
    throw new TypeError(
      `cannot open a store from ${JSON.stringify(spec)}: a store spec is a folder, ` +
        `"kv:<path>", "sqlite:<path>" or a redis:// URL; pass one of those`,
    );
  }
  if (spec.startsWith("kv:")) {
    const { KvStore } = await import("./kv_store.ts");
    const path = spec.slice("kv:".length);
    return await KvStore.open(path === "" ? undefined : path);
  }
  if (spec.startsWith("sqlite:")) {
    const { SqliteStore } = await import("./sqlite_store.ts");
    return await SqliteStore.open(spec.slice("sqlite:".length));
  }
  if (/^rediss?:\/\//.test(spec)) {
    const { RedisStore } = await import("./redis_store.ts");
    return await RedisStore.connect(spec);
  }
  return new FsStore(spec);
}
