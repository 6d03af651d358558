// Argument checks shared by every model; messages name the value and the fix.

/** Throws unless `prompt` is a well-formed string. */
export function assertPrompt(prompt: unknown): asserts prompt is string {
  if (typeof prompt !== "string") {
    throw new TypeError(
      `prompt must be a string, got ${describe(prompt)}: pass the prompt text`,
    );
  }
  if (!prompt.isWellFormed()) {
    const at = loneSurrogateAt(prompt);
    throw new TypeError(
      `prompt holds a lone UTF-16 surrogate at index ${at} ` +
        `(\\u${prompt.charCodeAt(at).toString(16)}), which has no UTF-8 form: ` +
        `it cannot be hashed as the Python original does, and replacing it would ` +
        `merge distinct prompts; fix the text (e.g. prompt.toWellFormed())`,
    );
  }
}

/** Throws unless `value` is an integer of at least 1. */
export function assertCount(name: string, value: unknown): asserts value is number {
  assertInteger(name, value, 1, "a positive integer");
}

/** Throws unless `value` is an integer of at least 0. */
export function assertLength(name: string, value: unknown): asserts value is number {
  assertInteger(name, value, 0, "a non-negative integer");
}

function assertInteger(
  name: string,
  value: unknown,
  min: number,
  what: string,
): asserts value is number {
  if (typeof value !== "number") {
    throw new TypeError(`${name} must be a number, got ${describe(value)}`);
  }
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`${name} must be ${what}, got ${describe(value)}`);
  }
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
