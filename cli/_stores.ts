// Store arguments: every kind of the table of store kinds (a folder,
// `kv:<path>`, `sqlite:<path>`, `redis://…`, a registered kind), read by the
// library's one parser of store specs. A store that is only read must exist:
// opening a missing folder, KV or SQLite file would silently show an empty
// cache (and opening a file would create it); and an existing store must be
// one of its kind: a folder must be a cache (its kind refuses any other
// folder when it opens it for reading only).
// It is opened read-only where the store allows: a read command never writes.

import { openParsed } from "../cache/open_store.ts";
import type { Store } from "../cache/store.ts";
import { storeKinds } from "../cache/store_kinds.ts";
import { parseStoreSpec } from "../cache/store_spec.ts";
import { UsageError } from "./_args.ts";
import { table } from "./_format.ts";

/**
 * Store arguments, as the help texts describe them: one line per kind of
 * store in the table of store kinds (those registered before the command
 * line was imported included).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { STORE_HELP } from "./_stores.ts";
 *
 * assert(STORE_HELP.includes("redis://"));
 * assert(STORE_HELP.includes("needs --unstable-kv"));
 * ```
 */
export const STORE_HELP = `A <store> is one of:
${table(storeKinds().map((kind) => [`  ${kind.forms.join(", ")}`, kind.help])).trimEnd()}
Any other scheme is an error (write ./a:b for a folder named a:b).
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
 * @throws {UsageError} When the file or folder of a local store is missing,
 * a folder is not a cache, or the spec is malformed.
 */
export async function openExisting(spec: string): Promise<Store> {
  const parsed = await usage(() => parseStoreSpec(spec));
  if (parsed.path !== undefined && !(await exists(parsed.path))) {
    throw new UsageError(
      `no cache at ${JSON.stringify(spec)}: ${parsed.path} does not exist; check the path ` +
        `(a command that writes, such as copy, creates its target)`,
    );
  }
  return await usage(() => openParsed(parsed, { readOnly: true }));
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
  // An existing store must be one of its kind (a folder, a cache), as a read command checks;
  // without read access, opening it says which flag to add.
  const path = parsed.path;
  const readable = path !== undefined &&
    (await Deno.permissions.query({ name: "read", path })).state === "granted";
  if (readable && await exists(path)) {
    await (await usage(() => openParsed(parsed, { readOnly: true }))).close();
  }
  return await usage(() => openParsed(parsed));
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

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
