/**
 * Store paths: a `file:` URL (e.g. `new URL("./cache/", import.meta.url)`)
 * or a string, where a leading `~` means the home folder, as in Python's
 * `Path.expanduser()` (only `~` and `~/…`; `~user` is left as it is).
 *
 * @module
 */

import { fileUrlToPath } from "./_file_url.ts";
import { describe } from "../internal/validate.ts";
import { permissionHint } from "./_permission_hint.ts";

/**
 * The local path a store argument names: a `file:` URL's path, or a string
 * with a leading `~` expanded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { localPath } from "./_home_path.ts";
 *
 * assert.equal(localPath(new URL("file:///tmp/llm%20cache/"), "FsStore"), "/tmp/llm cache/");
 * assert.equal(localPath("tests/.tmp/cache", "FsStore"), "tests/.tmp/cache");
 * ```
 *
 * @param path A path, or a `file:` URL.
 * @param what What the path is for, for messages (e.g. `FsStore`).
 * @returns The path, with the home folder spelled out.
 * @throws {TypeError} When `path` is empty, not a string or URL, or a URL of
 * another scheme; or starts with `~` and HOME is unset.
 */
export function localPath(path: string | URL, what: string): string {
  if (path instanceof URL) {
    if (path.protocol !== "file:") {
      throw new TypeError(
        `${what} needs a folder path or a file: URL, got the URL ${describe(path.href)}: ` +
          `pass e.g. new URL("./cache/", import.meta.url)`,
      );
    }
    return fileUrlToPath(path);
  }
  if (typeof path !== "string" || path === "") {
    throw new TypeError(
      `${what} needs a folder path or a file: URL, got ${describe(path)}: pass e.g. "~/.llm_cache"`,
    );
  }
  return expandHome(path);
}

/**
 * `path` with a leading `~` replaced by `$HOME`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expandHome } from "./_home_path.ts";
 *
 * assert.equal(expandHome("tests/.tmp/cache"), "tests/.tmp/cache");
 * assert.equal(expandHome("~/.llm_cache"), `${Deno.env.get("HOME")}/.llm_cache`);
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
