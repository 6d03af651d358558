// The path a `file:` URL names, as Node's `fileURLToPath` reads it, without
// loading `node:url` (Deno's Node compatibility layer would cost more than
// the rest of a replay's start).

const WINDOWS = Deno.build.os === "windows";

/**
 * The local path `url` (a `file:` URL) names: its path, percent-decoded; on
 * Windows, with its drive letter (`file:///C:/cache` → `C:\cache`) or its
 * host (`file://server/share` → `\\server\share`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileUrlToPath } from "./_file_url.ts";
 *
 * if (Deno.build.os !== "windows") {
 *   assert.equal(fileUrlToPath(new URL("file:///tmp/llm%20cache/")), "/tmp/llm cache/");
 *   assert.throws(() => fileUrlToPath(new URL("file:///a%2Fb")), TypeError);
 * }
 * ```
 *
 * @param url A `file:` URL.
 * @returns The path.
 * @throws {TypeError} For another scheme, an encoded path separator, a host
 * (outside Windows), or on Windows a path without a drive letter.
 */
export function fileUrlToPath(url: URL): string {
  if (url.protocol !== "file:") {
    throw new TypeError(`The URL must be of scheme file, got ${JSON.stringify(url.href)}`);
  }
  return WINDOWS ? windowsPath(url) : posixPath(url);
}

function posixPath(url: URL): string {
  if (url.hostname !== "") {
    throw new TypeError(`File URL host must be "localhost" or empty on ${Deno.build.os}`);
  }
  if (/%2f/i.test(url.pathname)) {
    throw new TypeError("File URL path must not include encoded / characters");
  }
  return decodeURIComponent(url.pathname);
}

function windowsPath(url: URL): string {
  if (/%2f|%5c/i.test(url.pathname)) {
    throw new TypeError("File URL path must not include encoded \\ or / characters");
  }
  const path = decodeURIComponent(url.pathname).replaceAll("/", "\\");
  // A host names a share: \\host\share\….
  if (url.hostname !== "") return `\\\\${url.hostname}${path}`;
  if (!/^\\[a-z]:/i.test(path)) throw new TypeError("File URL path must be absolute");
  return path.slice(1);
}
