/**
 * The table of store kinds: what each kind of store is called in a spec
 * (`kv:<path>`, `redis://…`), how it is read and opened, where it lives, the
 * permissions it needs and its line of help. `openStore`, `Persistent`,
 * `llmFixture`, `cacheOverview` and the `cache` command line (its help and
 * its errors too) all read this one table, so a kind of store added here is
 * known everywhere: a new store is its own file(s), one entry, and its tests
 * (`storeConformance` from `./testing`).
 *
 * The built-in kinds are a cache folder (a path, or a `file:` URL), `kv:`,
 * `sqlite:` and `redis://`/`rediss://`. {@linkcode registerStoreKind} adds
 * a kind of your own at run time.
 *
 * @module
 */

import { fileUrlToPath } from "./_file_url.ts";
import { FsStore } from "./fs_store.ts";
import { expandHome } from "./_home_path.ts";
import { normalizePrefix, parseRedisUrl, redisLocation } from "./_redis_layout.ts";
import type { Store } from "./store.ts";

/** A store spec, read: which kind of store it names, and where that is. */
export interface StoreSpec {
  /** The {@linkcode StoreKind.name} of its kind, e.g. `"sqlite"`. */
  readonly kind: string;
  /** Where the store is, as its `location` will say it: never a secret. */
  readonly location: string;
  /**
   * The file or folder on this machine that holds the store (a leading `~`
   * expanded); `undefined` for a store elsewhere (a server), or one whose
   * file Deno chooses (`kv:` alone). While it does not exist, a store opened
   * from the spec reads as empty without being created, and the command line
   * says there is no cache there.
   */
  readonly path: string | undefined;
  /**
   * What the kind opens: the path, or the URL with its password. Never show
   * it: {@linkcode StoreSpec.location} is what messages show.
   */
  readonly target: string;
}

/** What {@linkcode StoreKind.parse} is given: one spec, split at its scheme. */
export interface SpecText {
  /** The whole spec, as given (it may hold a password: never show it). */
  readonly text: string;
  /** The scheme, in lower case and without the `:`; `undefined` for a path. */
  readonly scheme: string | undefined;
  /** What follows the scheme's `:` (the whole text for a path). */
  readonly rest: string;
}

/** What {@linkcode StoreKind.parse} reads from a spec; the registry adds the kind. */
export type ParsedSpec = Omit<StoreSpec, "kind" | "path"> & {
  /** See {@linkcode StoreSpec.path}. @default {undefined} */
  readonly path?: string | undefined;
};

/** How {@linkcode StoreKind.open} opens a store. */
export interface StoreOpenOptions {
  /**
   * Open it for reading only (the command line's read commands, and its
   * check of a copy's existing target): it must exist and be a store of its
   * kind (a folder must be a cache: hold `<model key>/<prompt hash>/`
   * folders, or nothing but folders and hidden files), it is never created,
   * and nothing is ever written to it.
   */
  readonly readOnly: boolean;
}

/**
 * One kind of store, as the table of store kinds holds it.
 *
 * @example A kind for a store of your own
 * ```ts
 * import assert from "node:assert/strict";
 * import { openStore } from "../mod.ts";
 * import { FsStore, registerStoreKind, type StoreKind } from "../cache/stores.ts";
 *
 * // A folder under a fixed root, named by `team:<name>` (a stand-in for a store of your own).
 * const team: StoreKind = {
 *   name: "team",
 *   schemes: ["team"],
 *   forms: ["team:<name>"],
 *   help: "a cache folder of the team's share",
 *   parse({ rest }) {
 *     if (!/^\w+$/.test(rest)) throw new TypeError('it names no cache: write e.g. "team:paper"');
 *     const path = `tests/.tmp/team/${rest}`;
 *     return { location: `team:${rest}`, path, target: path };
 *   },
 *   open: (spec) => Promise.resolve(new FsStore(spec.target)),
 *   permissions: (spec, mode) => [
 *     `--allow-read=${spec.path}`,
 *     ...(mode === "write" ? [`--allow-write=${spec.path}`] : []),
 *   ],
 * };
 *
 * const unregister = registerStoreKind(team);
 * const store = await openStore("TEAM:paper");
 * assert.equal(store.location, "tests/.tmp/team/paper");
 * await store.close();
 * await assert.rejects(openStore("team:../x"), /it names no cache: write e\.g\. "team:paper"/);
 * unregister();
 * ```
 */
export interface StoreKind {
  /** The kind's name, unique in the table (`"sqlite"`): what {@linkcode StoreSpec.kind} holds. */
  readonly name: string;
  /**
   * The schemes that name it, in lower case without the `:` (`["redis",
   * "rediss"]`), two characters at least (one letter is a Windows drive);
   * unique in the table. Specs match them in any case.
   */
  readonly schemes: readonly string[];
  /**
   * How its specs look, for the list of forms in errors and help
   * (`["sqlite:<path>"]`, `["a cache folder"]`).
   */
  readonly forms: readonly string[];
  /** One line of help: what the store is and what it needs ("a SQLite database file"). */
  readonly help: string;
  /**
   * Reads a spec of this kind. Throws a `TypeError` that says what is wrong
   * and what to do (`it names no file: pass e.g. "sqlite:paper.db"`); the
   * message must not hold the spec (it may hold a password): the error shown
   * names the spec without its password, and the forms a spec may take.
   */
  parse(spec: SpecText): ParsedSpec;
  /**
   * Opens the store a spec names; it is created when new (a folder or a
   * file on its first write at the latest), unless `readOnly`.
   */
  open(spec: StoreSpec, options: StoreOpenOptions): Promise<Store>;
  /**
   * Optional: opens it at once, for a store that needs no waiting (the
   * folder store), so that `Persistent` holds the store itself. Without it,
   * `Persistent` opens the store on its first use.
   */
  openNow?(spec: StoreSpec): Store;
  /**
   * The Deno permission flags a process needs to open the store and read it
   * (`"read"`), or to write it too (`"write"`): what a child process of the
   * conformance tests is given, and what a fixture's messages advise.
   */
  permissions(spec: StoreSpec, mode: "read" | "write"): string[];
}

/** The folder store: a path (a leading `~` is the home folder) or a `file:` URL. */
const FOLDER: StoreKind = {
  name: "folder",
  schemes: ["file"],
  forms: ["a cache folder"],
  help: "in the mnimi layout: a path (~ is the home folder) or a file: URL",
  parse({ text, scheme, rest }) {
    const path = scheme === undefined ? expandHome(text) : fileUrlPath(text, rest);
    return { location: path, path, target: path };
  },
  async open(spec, { readOnly }) {
    const store = new FsStore(spec.target);
    if (readOnly) {
      await store.checkAccess("read");
      // Loaded only here: its path helpers would slow every import of openStore.
      const { assertCacheFolder } = await import("./_cache_folder.ts");
      await assertCacheFolder(store);
    }
    return store;
  },
  openNow: (spec) => new FsStore(spec.target),
  permissions: (spec, mode) => readWrite(spec.target, mode),
};

/** Deno KV: `kv:<path>`, or `kv:` alone for Deno's default database. */
const KV: StoreKind = {
  name: "kv",
  schemes: ["kv"],
  forms: ["kv:<path>"],
  help: "a Deno KV database file (needs --unstable-kv; kv: alone: Deno's default one)",
  parse({ rest }) {
    const path = rest === "" ? undefined : expandHome(rest);
    return { location: `kv:${path ?? ""}`, path, target: path ?? "" };
  },
  async open(spec, { readOnly }) {
    const { KvStore } = await import("./kv_store.ts");
    return await KvStore.open(spec.path, { readOnly });
  },
  // Deno KV writes a database even to read it.
  permissions: (spec) => ["--unstable-kv", ...readWrite(spec.path, "write")],
};

/** SQLite: `sqlite:<path>`. */
const SQLITE: StoreKind = {
  name: "sqlite",
  schemes: ["sqlite"],
  forms: ["sqlite:<path>"],
  help: "a SQLite database file",
  parse({ rest }) {
    if (rest === "") throw new TypeError('it names no file: pass e.g. "sqlite:paper.db"');
    const path = expandHome(rest);
    return { location: `sqlite:${path}`, path, target: path };
  },
  async open(spec, { readOnly }) {
    const { SqliteStore } = await import("./sqlite_store.ts");
    return await SqliteStore.open(spec.target, { readOnly });
  },
  permissions: (spec, mode) => readWrite(spec.target, mode),
};

/** Redis: `redis://…` or `rediss://…` (TLS), with `?prefix=` for the key prefix. */
const REDIS: StoreKind = {
  name: "redis",
  schemes: ["redis", "rediss"],
  forms: ["redis://…", "rediss://…"],
  help: "a Redis server (rediss: TLS): [user:password@]host[:port][/db][?prefix=llm-cache:]",
  parse({ scheme, rest }) {
    const url = `${scheme}:${rest}`;
    if (!/^rediss?:\/\/[^/]/.test(url) || URL.parse(url) === null) {
      throw new TypeError(
        "it is not a Redis URL: write redis://[user:password@]host[:port][/db][?prefix=…], " +
          "or rediss://… for TLS",
      );
    }
    const { prefix, shown } = parseRedisUrl(url);
    return { location: redisLocation(shown, normalizePrefix(prefix ?? "llm-cache:")), target: url };
  },
  async open(spec) {
    const { RedisStore } = await import("./redis_store.ts");
    return await RedisStore.connect(spec.target);
  },
  permissions: (spec) => [`--allow-net=${new URL(spec.target).host}`],
};

const BUILT_IN: readonly StoreKind[] = [FOLDER, KV, SQLITE, REDIS];
const kinds: StoreKind[] = [...BUILT_IN];

/**
 * Adds a kind of store to the table, so that `openStore`, `Persistent`,
 * `llmFixture`, `cacheOverview` and the command line take its specs (the
 * command line's help lists the kinds registered before it was imported).
 * A kind registered in one process is unknown to others: a child process
 * registers it again (see `storeConformance`'s `opener`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { registerStoreKind } from "./store_kinds.ts";
 *
 * assert.throws(
 *   () => registerStoreKind({ name: "mine", schemes: ["sqlite"], forms: ["sqlite:<x>"], help: "", parse: () => ({ location: "", target: "" }), open: () => Promise.reject(new Error()), permissions: () => [] }),
 *   /the scheme "sqlite:" already names the store kind "sqlite"/,
 * );
 * ```
 *
 * @param kind The kind: see {@linkcode StoreKind}.
 * @returns A function that removes the kind from the table again.
 * @throws {TypeError} When the name or a scheme is taken or malformed, or
 * the kind has no form, help or methods.
 */
export function registerStoreKind(kind: StoreKind): () => void {
  assertKind(kind);
  const entry = { ...kind, schemes: [...kind.schemes], forms: [...kind.forms] };
  kinds.push(entry);
  return () => {
    const at = kinds.indexOf(entry);
    if (at >= 0) kinds.splice(at, 1);
  };
}

/**
 * Every kind in the table, the built-in ones first: for help texts.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storeKinds } from "./store_kinds.ts";
 *
 * assert.deepEqual(storeKinds().map((k) => k.name).slice(0, 4), ["folder", "kv", "sqlite", "redis"]);
 * ```
 */
export function storeKinds(): readonly StoreKind[] {
  return [...kinds];
}

/**
 * The kind named `name` (a parsed spec's `kind`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { storeKind } from "./store_kinds.ts";
 *
 * assert.equal(storeKind("sqlite").forms[0], "sqlite:<path>");
 * assert.throws(() => storeKind("s3"), /no store kind "s3"/);
 * ```
 *
 * @throws {TypeError} When no kind has that name (it was unregistered).
 */
export function storeKind(name: string): StoreKind {
  const kind = kinds.find((k) => k.name === name);
  if (kind === undefined) {
    throw new TypeError(
      `there is no store kind ${JSON.stringify(name)} (any more): the kinds are ` +
        kinds.map((k) => k.name).join(", "),
    );
  }
  return kind;
}

function assertKind(kind: StoreKind): void {
  const refuse = (why: string) =>
    new TypeError(`cannot register the store kind ${JSON.stringify(kind?.name)}: ${why}`);
  if (typeof kind !== "object" || kind === null) throw refuse("a kind is an object");
  if (typeof kind.name !== "string" || kind.name === "") throw refuse("it needs a name");
  if (kinds.some((k) => k.name === kind.name)) throw refuse("the name is taken: choose another");
  for (const method of ["parse", "open", "permissions"] as const) {
    if (typeof kind[method] !== "function") throw refuse(`it has no ${method}() method`);
  }
  if (!Array.isArray(kind.forms) || kind.forms.length === 0 || typeof kind.help !== "string") {
    throw refuse("it needs forms (how its specs look) and a line of help");
  }
  if (!Array.isArray(kind.schemes) || kind.schemes.length === 0) {
    throw refuse('it needs a scheme, e.g. ["s3"]');
  }
  for (const scheme of kind.schemes) {
    if (typeof scheme !== "string" || !/^[a-z][a-z0-9+.-]+$/.test(scheme)) {
      throw refuse(
        `the scheme ${JSON.stringify(scheme)} is not two or more lower-case letters, digits, ` +
          `"+", "." or "-" starting with a letter (without the ":")`,
      );
    }
    const owner = kinds.find((k) => k.schemes.includes(scheme));
    if (owner !== undefined) {
      throw refuse(
        `the scheme "${scheme}:" already names the store kind ${JSON.stringify(owner.name)}`,
      );
    }
  }
}

/** The path a `file:` URL names; `rest` follows `file:`. */
function fileUrlPath(text: string, rest: string): string {
  const url = rest.startsWith("//") ? URL.parse(text.replace(/^file:/i, "file:")) : null;
  if (url === null) {
    throw new TypeError(
      "a file: URL names an absolute path, file:///path/to/cache: write the URL so, or pass " +
        "the folder's path without file:",
    );
  }
  try {
    return fileUrlToPath(url);
  } catch (error) {
    throw new TypeError(`${(error as Error).message}: pass the folder's path without file:`);
  }
}

/** Read access to `path` (any path when undefined), and write access for `"write"`. */
function readWrite(path: string | undefined, mode: "read" | "write"): string[] {
  const to = path === undefined ? "" : `=${path}`;
  return mode === "write" ? [`--allow-read${to}`, `--allow-write${to}`] : [`--allow-read${to}`];
}
