/**
 * Cache keys: the model key (`alias_temperature`) and the prompt hash, exactly
 * as the Python original writes them.
 *
 * @module
 */

import type { Model } from "./model.ts";
import { sha256Hex } from "../internal/sha256.ts";
import { describe } from "../internal/validate.ts";
import { canonicalJson, type Prompt, promptText } from "./prompt.ts";

/**
 * Formats a temperature as Python's `f"{t:.3f}"` with trailing zeros and then
 * a trailing dot removed.
 *
 * Python rounds an exact binary tie to even (0.0625 → `0.062`), while
 * `Number.prototype.toFixed` rounds it up; this matches Python.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTemperature } from "./model_key.ts";
 *
 * assert.equal(formatTemperature(1.0), "1");
 * assert.equal(formatTemperature(0.5), "0.5");
 * assert.equal(formatTemperature(0.123456), "0.123");
 * assert.equal(formatTemperature(0.0625), "0.062");
 * ```
 *
 * @param temperature A finite, non-negative number.
 * @returns The text used in a model key.
 */
export function formatTemperature(temperature: number): string {
  assertTemperature(temperature);
  return trimZeros(fixed3(temperature));
}

/** Throws unless `temperature` is a finite number of at least 0 (what every model takes). */
export function assertTemperature(
  temperature: unknown,
): asserts temperature is number {
  const kind = "a finite number of at least 0";
  const fix = "pass the sampling temperature, e.g. 0.7";
  if (typeof temperature !== "number") {
    throw new TypeError(`temperature must be ${kind}, got ${describe(temperature)}; ${fix}`);
  }
  if (!Number.isFinite(temperature) || temperature < 0) {
    throw new RangeError(`temperature must be ${kind}, got ${temperature}; ${fix}`);
  }
}

/**
 * The key of a model's sequences: `alias` + `_` + formatted temperature, plus
 * a short hash of {@linkcode Model.keyOptions} when it has any.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "./model_key.ts";
 *
 * assert.equal(modelKey({ alias: "gpt-4o", temperature: 1 }), "gpt-4o_1");
 * assert(
 *   modelKey({ alias: "gpt-4o", temperature: 1, keyOptions: { seed: 7 } })
 *     .startsWith("gpt-4o_1+"),
 * );
 * ```
 *
 * @param model The model's alias, temperature and key options.
 * @returns The model key.
 */
export function modelKey(
  model: Pick<Model, "alias" | "temperature" | "keyOptions">,
): string {
  const base = `${model.alias}_${formatTemperature(model.temperature)}`;
  const options = canonicalJson(model.keyOptions ?? {});
  if (options === "{}") return base;
  return `${base}+${sha256Hex(options).slice(0, 16)}`;
}

/**
 * The SHA-256 hex digest of the prompt's canonical text in UTF-8 (see
 * `promptText`): the prompt's folder name. A string prompt's is the digest
 * of the string, as in the Python original; a chat that is one user message
 * and nothing else has the digest of its text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptHash } from "./model_key.ts";
 *
 * assert(
 *   promptHash("") ===
 *     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
 * );
 * assert.equal(promptHash({ messages: [{ role: "user", content: "Hi" }] }), promptHash("Hi"));
 * ```
 *
 * @param prompt A string (well-formed: a lone surrogate has no UTF-8 form) or a chat.
 * @returns 64 lowercase hex digits.
 * @throws {TypeError} When the prompt is not a string or a valid chat.
 */
export function promptHash(prompt: Prompt): string {
  return sha256Hex(promptText(prompt));
}

/**
 * JSON with object keys sorted at every depth and `undefined` fields left
 * out, so equal options always give the same text.
 */

function fixed3(t: number): string {
  // Exact ties at the third decimal are exactly the odd multiples of 1/16.
  const sixteenths = t * 16;
  if (!Number.isInteger(sixteenths) || sixteenths % 2 === 0) {
    return t.toFixed(3);
  }
  let thousandths = Math.floor(t * 1000); // exact: t * 1000 ends in .5
  if (thousandths % 2 === 1) thousandths += 1;
  const whole = Math.floor(thousandths / 1000);
  return `${whole}.${String(thousandths % 1000).padStart(3, "0")}`;
}

function trimZeros(text: string): string {
  return text.replace(/0+$/, "").replace(/\.$/, "");
}
