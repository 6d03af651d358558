/**
 * Turns Deno's "missing permission" error into one that names the flag to add.
 *
 * @module
 */

/**
 * `error` rethrown with the flag that grants what was missing, when it is a
 * missing Deno permission (`Deno.errors.NotCapable`); any other error as is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { permissionHint } from "./_permission_hint.ts";
 *
 * const error = permissionHint(
 *   new Deno.errors.NotCapable("Requires read access"),
 *   "reading the cache tests/.tmp/c",
 *   "--allow-read=tests/.tmp/c",
 * );
 * assert(error instanceof Deno.errors.NotCapable);
 * assert((error as Error).message.includes("--allow-read=tests/.tmp/c"));
 * ```
 *
 * @param error What was thrown.
 * @param doing What was being done, for the message.
 * @param flag The flag to add, e.g. `--allow-read=<root>`.
 */
export function permissionHint(error: unknown, doing: string, flag: string): unknown {
  if (!(error instanceof Deno.errors.NotCapable)) return error;
  return new Deno.errors.NotCapable(
    `${doing} needs a permission Deno was not given: run with ${flag} (${error.message})`,
    { cause: error },
  );
}
