/**
 * Opens a store from one line of text, as a command line or a child process
 * gets it. The text is read by `store_spec.ts`, the one parser of store
 * specs, and opened as its kind in the table of store kinds
 * (`store_kinds.ts`) says.
 *
 * @module
 */

import { LazyStore } from "./lazy_store.ts";
import { parseStoreSpec } from "./store_spec.ts";
import { storeKind, type StoreSpec } from "./store_kinds.ts";
import type { Store } from "./store.ts";

/**
 * The store a spec names:
 * - `kv:<path>`: a Deno KV database (`kv:` alone: Deno's default one);
 * - `sqlite:<path>`: a SQLite database file (see `SqliteStore`);
 * - `redis://…` or `rediss://…`: a Redis server (a string or a URL);
 * - a `file:` URL: a cache folder;
 * - a path: a cache folder in the mnimi layout (a leading `~` is the home
 *   folder; a Windows drive letter such as `C:\cache` is a path);
 * - a spec of a kind added with `registerStoreKind`.
 *
 * Schemes are case-insensitive (`SQLITE:`, `REDIS://`). Any other scheme
 * (`sqllite:`, `redis:/host`, `https:`) is an error, never a folder: write
 * `./name:with-colon` for a folder whose name holds a colon. A password in a
 * URL is never shown, in the store's `location` nor in an error.
 *
 * The KV, SQLite and Redis modules are loaded only when asked for, so a
 * folder needs neither `--unstable-kv`, nor `node:sqlite`, nor the Redis
 * client. `Persistent` takes the same specs, and opens them on first use.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "./open_store.ts";
 *
 * const store = await openStore("tests/.tmp/never-created");
 * assert.equal(store.location, "tests/.tmp/never-created");
 * await store.close();
 * await assert.rejects(openStore(""), /cannot open a store from "": the spec is empty/);
 * await assert.rejects(openStore("sqllite:paper.db"), /did you mean "sqlite:"\?/);
 * ```
 *
 * @param spec A folder (a path or a `file:` URL), `kv:<path>`, `sqlite:<path>` or a Redis URL.
 * @returns The opened store; close it when done.
 * @throws {TypeError} When `spec` is empty or not a string, has an unknown
 * scheme, or names a store that cannot be (a malformed Redis URL or prefix,
 * an empty SQLite path).
 */
export async function openStore(spec: string | URL): Promise<Store> {
  return await openParsed(parseStoreSpec(spec));
}

/**
 * Opens the store a parsed spec names (see {@linkcode openStore}), as its
 * kind in the table of store kinds opens it; with `readOnly`, for reading
 * only: it must exist and be a store of its kind (a folder must be a cache),
 * and nothing is ever written to it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openParsed } from "./open_store.ts";
 * import { parseStoreSpec } from "./store_spec.ts";
 *
 * const store = await openParsed(parseStoreSpec("tests/.tmp/never-created"));
 * assert.equal(store.location, "tests/.tmp/never-created");
 * await store.close();
 * ```
 */
export async function openParsed(
  spec: StoreSpec,
  options: { readOnly?: boolean } = {},
): Promise<Store> {
  return await storeKind(spec.kind).open(spec, { readOnly: options.readOnly ?? false });
}

/**
 * The store a spec names, without opening it yet: at once where its kind
 * can (a cache folder), any other store on its first use (see `LazyStore`),
 * so that a synchronous constructor such as `Persistent`'s can take every
 * spec {@linkcode openStore} takes. Its `location` is known at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storeOf } from "./open_store.ts";
 *
 * const store = storeOf("sqlite:tests/.tmp/not-opened.db");
 * assert.equal(store.location, "sqlite:tests/.tmp/not-opened.db");
 * await store.close(); // it was never opened: nothing to close, no file made
 * ```
 *
 * @throws {TypeError} As {@linkcode openStore} does, for a spec it refuses.
 */
export function storeOf(spec: string | URL): Store {
  const parsed = parseStoreSpec(spec);
  return storeKind(parsed.kind).openNow?.(parsed) ?? new LazyStore(parsed, openParsed);
}
