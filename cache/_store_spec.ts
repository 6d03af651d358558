/**
 * The one reading of a store spec, the line of text that names a store:
 * `openStore`, `Persistent`, `llmFixture`, `cacheOverview` and the command
 * line all parse specs here, so that a spec means the same store everywhere.
 *
 * - `kv:<path>`, `sqlite:<path>`, `redis://…`, `rediss://…` and `file:///…`
 *   name their stores; schemes are case-insensitive (`REDIS://` is Redis);
 * - a spec without a scheme is a cache folder (a leading `~` is the home
 *   folder), and so is a Windows drive letter (`C:\cache`);
 * - anything else that starts like a scheme (`word:`) is an error, never a
 *   folder: `sqllite:paper.db` or `redis:/host` would otherwise quietly
 *   become a new, empty cache folder, and cost a fresh draw of every sample.
 *
 * A URL's password never reaches a message or a location: see
 * {@linkcode redactSpec}.
 *
 * @module
 */

import { fileURLToPath } from "node:url";
import { editDistance } from "./_edit_distance.ts";
import { expandHome } from "./_home_path.ts";
import { normalizePrefix, parseRedisUrl, redisLocation } from "./_redis_layout.ts";

/** A store spec, parsed: what to open, and where it is (for messages). */
export type StoreSpec =
  | {
    /** A cache folder in the mnimi layout. */
    readonly kind: "folder";
    /** The folder, with a leading `~` expanded. */
    readonly path: string;
  }
  | {
    /** A Deno KV database. */
    readonly kind: "kv";
    /** The database file, `~` expanded; undefined for Deno's default database. */
    readonly path: string | undefined;
    /** `kv:<path>`, as the store's `location` says it. */
    readonly location: string;
  }
  | {
    /** A SQLite database file. */
    readonly kind: "sqlite";
    /** The file, `~` expanded. */
    readonly path: string;
    /** `sqlite:<path>`, as the store's `location` says it. */
    readonly location: string;
  }
  | {
    /** A Redis server. */
    readonly kind: "redis";
    /** The URL to connect to, password included: never show it. */
    readonly url: string;
    /** The server without its password, and the key prefix. */
    readonly location: string;
  };

const SCHEMES = ["kv", "sqlite", "redis", "rediss", "file"] as const;

/** What a spec may be, for messages. */
export const SPEC_FORMS = `a cache folder, kv:<path>, sqlite:<path>, redis://… or rediss://…`;

/**
 * Reads a store spec (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStoreSpec } from "./_store_spec.ts";
 *
 * assert.deepEqual(parseStoreSpec("SQLITE:paper.db"), {
 *   kind: "sqlite",
 *   path: "paper.db",
 *   location: "sqlite:paper.db",
 * });
 * assert.equal(parseStoreSpec("C:\\llm_cache").kind, "folder");
 * const redis = parseStoreSpec("REDIS://:pw@host:6379");
 * assert.equal(redis.kind === "redis" && redis.location, 'redis://:***@host:6379 (prefix "llm-cache:")');
 * assert.throws(() => parseStoreSpec("sqllite:paper.db"), /did you mean "sqlite:"/);
 * ```
 *
 * @param spec The spec: a string, or a `file:` or Redis URL.
 * @returns What it names.
 * @throws {TypeError} When `spec` is empty or not a string or URL, has an
 * unknown scheme, or is a malformed Redis or `file:` URL (the message shows
 * it without its password).
 */
export function parseStoreSpec(spec: string | URL): StoreSpec {
  if (spec instanceof URL) {
    return spec.protocol === "file:"
      ? { kind: "folder", path: fileURLToPath(spec) }
      : parseStoreSpec(spec.href);
  }
  if (typeof spec !== "string" || spec === "") {
    throw refuse(
      spec,
      spec === "" ? "the spec is empty" : "a spec is a string or a URL",
      "pass one",
    );
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(spec)?.[1];
  // A single letter is a Windows drive (C:\cache), not a scheme.
  if (scheme === undefined || scheme.length === 1) {
    return { kind: "folder", path: expandHome(spec) };
  }
  const rest = spec.slice(scheme.length + 1);
  switch (scheme.toLowerCase()) {
    case "kv": {
      const path = rest === "" ? undefined : expandHome(rest);
      return { kind: "kv", path, location: `kv:${path ?? ""}` };
    }
    case "sqlite": {
      if (rest === "") throw refuse(spec, "it names no file", 'pass e.g. "sqlite:paper.db"');
      const path = expandHome(rest);
      return { kind: "sqlite", path, location: `sqlite:${path}` };
    }
    case "redis":
    case "rediss":
      return redisSpec(spec, `${scheme.toLowerCase()}:${rest}`);
    case "file":
      return fileSpec(spec, rest);
    default:
      throw unknownScheme(spec, scheme);
  }
}

/**
 * `spec` as a message may show it: the password (or whatever stands before
 * the last `@` after the scheme, when the URL is malformed) replaced by `***`.
 * A spec without a scheme is shown as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactSpec } from "./_store_spec.ts";
 *
 * assert.equal(redactSpec("redis://user:pw@host:6379/0"), "redis://user:***@host:6379/0");
 * assert.equal(redactSpec("redis:/:pw@host"), "redis:/:***@host");
 * assert.equal(redactSpec("rediss://token@host"), "rediss://***@host");
 * assert.equal(redactSpec("./cache@2024"), "./cache@2024");
 * ```
 */
export function redactSpec(spec: string): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]+:\/*/.exec(spec)?.[0];
  if (scheme === undefined) return spec;
  const rest = spec.slice(scheme.length);
  const at = rest.lastIndexOf("@");
  if (at < 0) return spec;
  const colon = rest.slice(0, at).indexOf(":");
  const user = colon < 0 ? "" : rest.slice(0, colon + 1);
  return `${scheme}${user}***${rest.slice(at)}`;
}

function redisSpec(spec: string, url: string): StoreSpec {
  if (!/^rediss?:\/\/[^/]/.test(url) || URL.parse(url) === null) {
    throw refuse(
      spec,
      "it is not a Redis URL",
      "write redis://[user:password@]host[:port][/db][?prefix=…], or rediss://… for TLS",
    );
  }
  const { prefix, shown } = parseRedisUrl(url);
  return {
    kind: "redis",
    url,
    location: redisLocation(shown, normalizePrefix(prefix ?? "llm-cache:")),
  };
}

function fileSpec(spec: string, rest: string): StoreSpec {
  const url = rest.startsWith("//") ? URL.parse(spec.replace(/^file:/i, "file:")) : null;
  if (url === null) {
    throw refuse(
      spec,
      "a file: URL names an absolute path, file:///path/to/cache",
      "write the URL so, or pass the folder's path without file:",
    );
  }
  try {
    return { kind: "folder", path: fileURLToPath(url) };
  } catch (error) {
    throw refuse(spec, (error as Error).message, "pass the folder's path without file:");
  }
}

function unknownScheme(spec: string, scheme: string): TypeError {
  const lower = scheme.toLowerCase();
  const near = SCHEMES.find((known) => editDistance(lower, known, 2) !== undefined);
  const guess = near === undefined ? "" : `did you mean "${near}:"? `;
  // A URL (scheme://) is no folder name; anything else may be one.
  const folder = spec.includes("://")
    ? "use one of those"
    : `for a folder whose name holds ":", write ${JSON.stringify(`./${redactSpec(spec)}`)}`;
  return refuse(spec, `"${scheme}:" is not a store scheme`, `${guess}${folder}`);
}

function refuse(spec: unknown, why: string, fix: string): TypeError {
  const shown = typeof spec === "string" ? JSON.stringify(redactSpec(spec)) : typeof spec;
  return new TypeError(
    `cannot open a store from ${shown}: ${why}. A store is ${SPEC_FORMS}: ${fix}`,
  );
}
