// Argument checks shared by the whole library: one function per kind of
// value, so that every call site refuses bad input the same way.
//
// Every error message follows one pattern: what could not be done, why, and
// what to do. For an argument that is `<who>: <name> must be <kind>, got
// <value>; pass <what>` (`who`, the call or model that refused it, is left out
// where the stack already says it); for anything else `<what failed>: <why>;
// <what to do>`. A value that is not of the right type (a string for a
// number) is a TypeError; a number outside the allowed range is a RangeError.

/** Throws unless `prompt` is a well-formed string. */
export function assertPrompt(prompt: unknown): asserts prompt is string {
  if (isPromise(prompt)) {
    throw new TypeError(
      "prompt must be a string, got a Promise: did you forget await? " +
        "(pass the prompt text, e.g. sample(await makePrompt()))",
    );
  }
  assertText("prompt", prompt);
}

/**
 * Throws unless `value` is a string with a UTF-8 form (no lone surrogate),
 * naming it `name`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { assertText } from "./validate.ts";
 *
 * assert.throws(() => assertText("chat.system", "a\ud800"), /lone UTF-16 surrogate/);
 * ```
 */
export function assertText(name: string, value: unknown): asserts value is string {
  if (typeof value !== "string") {
    throw new TypeError(`${name} must be a string, got ${describe(value)}; pass the text`);
  }
  if (!value.isWellFormed()) {
    const at = loneSurrogateAt(value);
    throw new TypeError(
      `${name} holds a lone UTF-16 surrogate at index ${at} ` +
        `(\\u${value.charCodeAt(at).toString(16)}), which has no UTF-8 form: ` +
        `it cannot be hashed as the Python original does, and replacing it would ` +
        `merge distinct prompts; fix the text (e.g. text.toWellFormed())`,
    );
  }
}

/** Throws unless `value` is an integer of at least 1 (a batch, a size). */
export function assertCount(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  assertWhole(name, value, 1, false, who);
}

/** Throws unless `value` is an integer of at least 0 (how many items to read). */
export function assertLength(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  assertWhole(name, value, 0, false, who);
}

/** Throws unless `value` is an integer of at least 1, or `Infinity` (no limit). */
export function assertCountOrInfinity(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  assertWhole(name, value, 1, true, who);
}

/** Throws unless `value` is an integer of at least 0, or `Infinity` (no limit). */
export function assertLengthOrInfinity(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  assertWhole(name, value, 0, true, who);
}

/** Throws unless `value` is a finite number of milliseconds of at least `min`. */
export function assertMilliseconds(
  name: string,
  value: unknown,
  min: number,
  who?: string,
): asserts value is number {
  const kind = `a number of milliseconds of at least ${min}`;
  const fix = "pass a duration in milliseconds, e.g. 1000 for one second";
  assertNumber(name, value, kind, fix, who);
  if (!Number.isFinite(value) || value < min) refuse(RangeError, name, value, kind, fix, who);
}

/** Throws unless `value` is a finite number of at least 0 (an amount, a rate). */
export function assertNonNegative(
  name: string,
  value: unknown,
  who?: string,
  example = "e.g. 2.5",
): asserts value is number {
  const kind = "a finite number of at least 0";
  const fix = `pass a number, ${example}`;
  assertNumber(name, value, kind, fix, who);
  if (!Number.isFinite(value) || value < 0) refuse(RangeError, name, value, kind, fix, who);
}

/**
 * Throws unless `value` is a price (core's `Price`, which this layer-free
 * file describes by its shape): an object with exactly `input` and
 * `output`, finite numbers of at least 0, and an optional `currency`.
 */
export function assertPrice(
  value: unknown,
  who?: string,
): asserts value is {
  readonly input: number;
  readonly output: number;
  readonly currency?: string;
} {
  const fix = "pass the price in currency units per million tokens, e.g. " +
    "{ input: 2.5, output: 10 }";
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    refuse(TypeError, "price", value, "an object { input, output }", fix, who);
  }
  const unknown = Object.keys(value).find((k) => !["input", "output", "currency"].includes(k));
  if (unknown !== undefined) {
    const prefix = who === undefined ? "" : `${who}: `;
    throw new TypeError(
      `${prefix}price has no field ${JSON.stringify(unknown)}; ${fix} ` +
        "(input: prompt tokens, output: completion tokens, currency: an ISO 4217 code)",
    );
  }
  const { input, output, currency } = value as Record<string, unknown>;
  if (currency !== undefined && (typeof currency !== "string" || !/^[A-Z]{3}$/.test(currency))) {
    refuse(
      TypeError,
      "price.currency",
      currency,
      "an ISO 4217 currency code",
      'pass three capital letters, e.g. "USD" or "EUR", or leave it out for US dollars',
      who,
    );
  }
  const example = "in currency units per million tokens, e.g. 2.5";
  assertNonNegative("price.input", input, who, example);
  assertNonNegative("price.output", output, who, example);
}

/** Throws a TypeError unless `value` is an integer, of any sign (a seed). */
export function assertInteger(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  if (!Number.isInteger(value)) {
    refuse(TypeError, name, value, "an integer", "pass a whole number", who);
  }
}

/** Throws a TypeError unless `value` is a finite number. */
export function assertFinite(
  name: string,
  value: unknown,
  who?: string,
): asserts value is number {
  if (!Number.isFinite(value)) {
    refuse(TypeError, name, value, "a finite number", "pass a finite number", who);
  }
}

/** Throws a TypeError unless `value` is a function. */
export function assertFunction(
  name: string,
  value: unknown,
  who?: string,
  // deno-lint-ignore ban-types
): asserts value is Function {
  if (typeof value !== "function") {
    refuse(TypeError, name, value, "a function", "pass a function", who);
  }
}

function assertWhole(
  name: string,
  value: unknown,
  min: number,
  infinite: boolean,
  who: string | undefined,
): asserts value is number {
  const kind = `${min === 0 ? "a non-negative" : "a positive"} integer${
    infinite ? " or Infinity" : ""
  }`;
  const fix = `pass a whole number of at least ${min}${
    infinite ? ", or Infinity for no limit" : ""
  }`;
  assertNumber(name, value, kind, fix, who);
  if (infinite && value === Infinity) return;
  if (!Number.isInteger(value) || value < min) refuse(RangeError, name, value, kind, fix, who);
}

function assertNumber(
  name: string,
  value: unknown,
  kind: string,
  fix: string,
  who: string | undefined,
): asserts value is number {
  if (typeof value !== "number") refuse(TypeError, name, value, kind, fix, who);
}

function refuse(
  type: typeof TypeError,
  name: string,
  value: unknown,
  kind: string,
  fix: string,
  who: string | undefined,
): never {
  const prefix = who === undefined ? "" : `${who}: `;
  throw new type(`${prefix}${name} must be ${kind}, got ${describe(value)}; ${fix}`);
}

/** A short, safe rendering of any value for an error message. */
export function describe(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(
        value.length > 40 ? value.slice(0, 40) + "…" : value,
      );
    case "number":
    case "boolean":
    case "undefined":
      return String(value);
    case "bigint":
      return `${value}n`;
    default:
      return value === null ? "null" : typeof value;
  }
}

/** A promise, or any thenable (what `await` would wait for). */
/** Whether `value` is a Promise or another thenable. */
export function isPromise(value: unknown): boolean {
  return value instanceof Promise ||
    (typeof value === "object" && value !== null &&
      typeof (value as { then?: unknown }).then === "function");
}

function loneSurrogateAt(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
      else return i;
    } else if (c >= 0xdc00 && c <= 0xdfff) return i;
  }
  return -1;
}
