/**
 * The one reading of a store spec, the line of text that names a store:
 * `openStore`, `Persistent`, `llmFixture`, `cacheOverview` and the command
 * line all parse specs here, so that a spec means the same store everywhere.
 * What each scheme means is the table of store kinds' (`store_kinds.ts`):
 *
 * - a spec whose scheme a kind of the table lists (`kv:`, `sqlite:`,
 *   `redis://`, `file:`, a registered one) is that kind's to read; schemes
 *   are case-insensitive (`REDIS://` is Redis);
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

import { editDistance } from "./_edit_distance.ts";
import {
  type SpecText,
  type StoreKind,
  storeKind,
  storeKinds,
  type StoreSpec,
} from "./store_kinds.ts";

/**
 * Reads a store spec (see the module documentation).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseStoreSpec } from "./store_spec.ts";
 *
 * assert.deepEqual(parseStoreSpec("SQLITE:paper.db"), {
 *   kind: "sqlite",
 *   location: "sqlite:paper.db",
 *   path: "paper.db",
 *   target: "paper.db",
 * });
 * assert.equal(parseStoreSpec("C:\\llm_cache").kind, "folder");
 * const redis = parseStoreSpec("REDIS://:pw@host:6379");
 * assert.equal(redis.location, 'redis://:***@host:6379 (prefix "llm-cache:")');
 * assert.throws(() => parseStoreSpec("sqllite:paper.db"), /did you mean "sqlite:"/);
 * ```
 *
 * @param spec The spec: a string, or a `file:` or Redis URL.
 * @returns What it names.
 * @throws {TypeError} When `spec` is empty or not a string or URL, has an
 * unknown scheme, or is one its kind refuses (a malformed Redis or `file:`
 * URL); the message shows it without its password.
 */
export function parseStoreSpec(spec: string | URL): StoreSpec {
  const text = spec instanceof URL ? spec.href : spec;
  if (typeof text !== "string" || text === "") {
    throw refuse(
      spec,
      text === "" ? "the spec is empty: pass one" : "a spec is a string or a URL: pass one",
    );
  }
  const found = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1];
  // A single letter is a Windows drive (C:\cache), not a scheme.
  const scheme = found === undefined || found.length === 1 ? undefined : found.toLowerCase();
  const kind = scheme === undefined
    ? storeKind("folder")
    : storeKinds().find((k) => k.schemes.includes(scheme));
  if (kind === undefined) throw unknownScheme(text, found!);
  const rest = scheme === undefined ? text : text.slice(scheme.length + 1);
  return read(kind, { text, scheme, rest });
}

/**
 * What a spec may be, for messages and help: the forms of every kind in the
 * table of store kinds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { specForms } from "./store_spec.ts";
 *
 * assert.equal(specForms(), "a cache folder, kv:<path>, sqlite:<path>, redis://… or rediss://…");
 * ```
 */
export function specForms(): string {
  const forms = storeKinds().flatMap((k) => k.forms);
  return forms.length === 1 ? forms[0]! : `${forms.slice(0, -1).join(", ")} or ${forms.at(-1)}`;
}

/**
 * `spec` as a message may show it: the password (or whatever stands before
 * the last `@` after the scheme, when the URL is malformed) replaced by `***`.
 * A spec without a scheme is shown as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactSpec } from "./store_spec.ts";
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

/** `kind`'s reading of the spec, its refusal said with the spec (no password) and the forms. */
function read(kind: StoreKind, spec: SpecText): StoreSpec {
  let parsed;
  try {
    parsed = kind.parse(spec);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw refuse(spec.text, error.message, { cause: error });
  }
  const { location, path, target } = parsed;
  return { kind: kind.name, location, path, target };
}

function unknownScheme(spec: string, scheme: string): TypeError {
  const lower = scheme.toLowerCase();
  const near = storeKinds().flatMap((k) => k.schemes)
    .find((known) => editDistance(lower, known, 2) !== undefined);
  const guess = near === undefined ? "" : `did you mean "${near}:"? `;
  // A URL (scheme://) is no folder name; anything else may be one.
  const folder = spec.includes("://")
    ? "use one of those"
    : `for a folder whose name holds ":", write ${JSON.stringify(`./${redactSpec(spec)}`)}`;
  return refuse(spec, `"${scheme}:" is not a store scheme: ${guess}${folder}`);
}

/** `why` (what is wrong: what to do) said of the spec, without its password, with the forms. */
function refuse(spec: unknown, why: string, options?: ErrorOptions): TypeError {
  const shown = typeof spec === "string" ? JSON.stringify(redactSpec(spec)) : typeof spec;
  return new TypeError(
    `cannot open a store from ${shown}: ${why}. A store is ${specForms()}`,
    options,
  );
}
