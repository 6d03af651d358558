/**
 * A leading `~` in a store path means the home folder, as in Python's
 * `Path.expanduser()` (only `~` and `~/…`; `~user` is left as it is).
 *
 * @module
 */

import { permissionHint } from "./permission_hint.ts";

/**
 * `path` with a leading `~` replaced by `$HOME`.
 *
 * @example
 * ```ts
 * import { expandHome } from "./home_path.ts";
 *
 * console.assert(expandHome("tests/.tmp/cache") === "tests/.tmp/cache");
 * console.assert(expandHome("~/.llm_cache") === `${Deno.env.get("HOME")}/.llm_cache`);
 * ```
 *
 * @param path A folder or file path.
 * @returns The path with the home folder spelled out.
 * @throws {TypeError} When `HOME` is not set.
 */
export function expandHome(path: string): string {
  if (path !== "~" && !path.startsWith("~/")) return path;
  let home: string | undefined;
  try {
    home = Deno.env.get("HOME");
  } catch (error) {
    throw permissionHint(
      error,
      `reading HOME to expand ${JSON.stringify(path)}`,
      "--allow-env=HOME",
    );
  }
  if (home === undefined || home === "") {
    throw new TypeError(
      `cannot expand ${JSON.stringify(path)}: the HOME environment variable is not set; ` +
        `set HOME or pass a path without "~"`,
    );
  }
  return home + path.slice(1);
}
