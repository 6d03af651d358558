/**
 * API keys: looked up when the first request needs the network, never at
 * construction (replaying a cache needs neither the key nor env
 * permission), and checked before they are sent.
 *
 * @module
 */

/**
 * The environment variable that should hold a provider's API key is not set
 * (or is blank). Thrown at the first request that needs the key, before
 * anything is sent.
 *
 * @example Telling the user which variable to set
 * ```ts
 * import assert from "node:assert/strict";
 * import { MissingApiKeyError } from "./_api_key.ts";
 *
 * const error = new MissingApiKeyError("CLOSEAI_API_KEY");
 * assert.equal(error.name, "MissingApiKeyError");
 * assert.equal(error.variable, "CLOSEAI_API_KEY");
 * assert.match(error.message, /export CLOSEAI_API_KEY=/);
 * ```
 */
export class MissingApiKeyError extends Error {
  /** Always `"MissingApiKeyError"`. */
  override readonly name: string = "MissingApiKeyError";
  /** The environment variable that was read, e.g. `CLOSEAI_API_KEY`. */
  readonly variable: string;

  /**
   * Says that `variable` is not set and how to give the key.
   *
   * @param variable The environment variable holding the key.
   */
  constructor(variable: string) {
    super(
      `${variable} is not set: export ${variable}=<your key>, or pass { apiKey } to the constructor`,
    );
    this.variable = variable;
  }
}

/**
 * Reads an API key from the environment variable `variable`, turning a
 * missing permission, an unset variable or a malformed key into an error
 * that says what to do (and never holds the key).
 */
export function readApiKey(variable: string): string {
  let value: string | undefined;
  try {
    value = Deno.env.get(variable);
  } catch (error) {
    if (isPermissionError(error)) {
      throw new Deno.errors.NotCapable(
        `reading the API key needs env permission for ${variable}: ` +
          `run with --allow-env=${variable}, or pass { apiKey } to the constructor`,
        { cause: error },
      );
    }
    throw error;
  }
  const key = value?.trim() ?? "";
  if (key === "") throw new MissingApiKeyError(variable);
  assertApiKey(key, variable);
  return key;
}

/**
 * Throws a `TypeError` unless `key` can be sent as a bearer token: printable
 * ASCII without spaces. A key holding a line break or a NUL would otherwise
 * fail inside `fetch`, whose error quotes the whole header, key included.
 * The message names the position and kind of the bad character, never the
 * key.
 *
 * @param key The key, already trimmed.
 * @param origin Where it came from: `apiKey` or the variable's name.
 */
export function assertApiKey(key: string, origin: string): void {
  const bad = /[^\x21-\x7e]/.exec(key);
  if (bad === null) return;
  throw new TypeError(
    `${origin} holds ${characterName(bad[0])} at position ${bad.index} of its ` +
      `${key.length} characters, which cannot be sent in an HTTP header: an API key is printable ` +
      `ASCII without spaces; check for a stray line break or quote where the key was copied ` +
      `or read from a file`,
  );
}

/** Whether `error` is Deno's "permission not granted" error. */
export function isPermissionError(error: unknown): boolean {
  return error instanceof Deno.errors.NotCapable ||
    error instanceof Deno.errors.PermissionDenied;
}

const NAMES: Record<string, string> = {
  "\n": "a line feed",
  "\r": "a carriage return",
  "\0": "a NUL character",
  "\t": "a tab",
  " ": "a space",
};

function characterName(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  return `${NAMES[char] ?? "the character"} (${code})`;
}
