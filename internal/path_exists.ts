/**
 * Whether something is at a path, told without following a link: a dangling
 * link or a special file exists too, so that nothing is written over it.
 *
 * @module
 */

/**
 * Whether `path` names anything (a file, a folder, a link, dangling or not).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pathExists } from "./path_exists.ts";
 *
 * assert.equal(pathExists("internal/path_exists.ts"), true);
 * assert.equal(pathExists("internal/no such file"), false);
 * ```
 *
 * @throws {Deno.errors.PermissionDenied} Or any other error but `NotFound` from `lstat`.
 */
export function pathExists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
