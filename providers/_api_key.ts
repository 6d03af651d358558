// API keys: looked up when the first request needs the network, never at
// construction (replaying a cache needs neither the key nor env permission),
// and checked before they are sent.

import { describe } from "../internal/validate.ts";
import { MissingApiKeyError } from "./missing_api_key_error.ts";

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
        `could not read the API key: reading ${variable} needs env permission; ` +
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

/**
 * The `apiKey` option, trimmed (a key read from a file ends with a newline)
 * and checked.
 *
 * @param apiKey The option's value.
 * @param who The model, for the message, e.g. `CloseAI "gpt-4o"`.
 */
export function apiKeyOption(apiKey: unknown, who: string): string {
  const key = typeof apiKey === "string" ? apiKey.trim() : "";
  if (key === "") {
    throw new TypeError(
      `${who}: apiKey must be a non-empty string, got ${
        typeof apiKey === "string" ? "a blank one" : describe(typeof apiKey)
      }; pass the key, or leave apiKey out to read it from the provider's key variable`,
    );
  }
  assertApiKey(key, "apiKey");
  return key;
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
