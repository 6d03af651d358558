/**
 * The one check of a {@linkcode SequenceKey} that every store (and `copyStore`)
 * applies, so that a key one store accepts, every store accepts (a store of
 * your own calls {@linkcode assertSequenceKey} too: `storeConformance` checks
 * that it refuses what the others refuse): model keys
 * may hold `/` (nested folders, as in the Python original), never `..`, an
 * absolute path, an empty segment or a segment that looks like a prompt
 * hash; prompt hashes are 64 lowercase hex digits.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import type { SequenceKey } from "./store.ts";

const PROMPT_HASH = /^[0-9a-f]{64}$/;

/**
 * Whether `name` is a prompt hash: 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPromptHash } from "./sequence_key.ts";
 *
 * assert(isPromptHash("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
 * assert(!isPromptHash("prompt.txt"));
 * ```
 */
export function isPromptHash(name: string): boolean {
  return PROMPT_HASH.test(name);
}

/**
 * The folder names of a model key (`accounts/fireworks/models/x_0.7` makes
 * four), refusing anything that could leave the store's root.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKeySegments } from "./sequence_key.ts";
 *
 * assert.equal(modelKeySegments("accounts/fireworks/x_0.7").join("|"), "accounts|fireworks|x_0.7");
 * assert.throws(() => modelKeySegments("../escape_1"), TypeError);
 * ```
 *
 * @param model A model key such as `gpt-4o_1`.
 * @returns The folder names, outermost first.
 * @throws {TypeError} When the key is empty, absolute, holds a backslash or a
 * NUL, or has an empty, `.` or `..` segment, or a segment of 64 hex digits
 * (the layout takes such a folder for a prompt's, so the key could not be
 * listed).
 */
export function modelKeySegments(model: string): string[] {
  const refuse = (why: string) =>
    new TypeError(
      `model key ${describe(model)} ${why}: a model key (alias_temperature) may contain "/" ` +
        `for nested folders but must stay inside the cache folder; choose another alias`,
    );
  if (typeof model !== "string" || model === "") throw refuse("is empty or not a string");
  if (model.includes("\\") || model.includes("\0")) {
    throw refuse("holds a backslash or a NUL character");
  }
  if (model.startsWith("/") || /^[A-Za-z]:/.test(model)) throw refuse("is an absolute path");
  const segments = model.split("/");
  for (const segment of segments) {
    if (segment === "") throw refuse("has an empty path segment");
    if (segment === "." || segment === "..") throw refuse(`has a "${segment}" path segment`);
    if (isPromptHash(segment)) {
      throw refuse(`has a path segment of 64 hex digits, which the layout takes for a prompt`);
    }
  }
  return segments;
}

/**
 * Throws unless `key` names a sequence a store can hold: a valid model key and
 * a prompt hash of 64 lowercase hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertSequenceKey } from "./sequence_key.ts";
 *
 * const hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
 * assert.deepEqual(assertSequenceKey({ model: "org/gpt-4o_1", hash }), ["org", "gpt-4o_1"]);
 * assert.throws(() => assertSequenceKey({ model: "gpt-4o_1", hash: "E3B0" }), TypeError);
 * ```
 *
 * @returns The model key's folder names.
 */
export function assertSequenceKey(key: SequenceKey): string[] {
  if (typeof key !== "object" || key === null) {
    throw new TypeError(
      `cannot use ${describe(key)} as a sequence key: it is not an object; ` +
        `pass { model, hash: promptHash(prompt) }`,
    );
  }
  const segments = modelKeySegments(key.model);
  if (typeof key.hash !== "string" || !isPromptHash(key.hash)) {
    throw new TypeError(
      `prompt hash ${describe(key.hash)} is not 64 lowercase hex digits: ` +
        `use promptHash(prompt)`,
    );
  }
  return segments;
}

/**
 * A sequence key as messages show it: the model key and the start of the
 * prompt hash; safe for any value, since messages also describe refused keys.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeKey } from "./sequence_key.ts";
 *
 * assert.equal(describeKey({ model: "gpt-4o_1", hash: "ab".repeat(32) }), "gpt-4o_1/abababababab");
 * assert.equal(describeKey(null as never), "a sequence");
 * ```
 */
export function describeKey(key: SequenceKey): string {
  return typeof key === "object" && key !== null
    ? `${String(key.model)}/${String(key.hash).slice(0, 12)}`
    : "a sequence";
}
