/**
 * The one way stores and the command line turn stored bytes into text: every
 * byte kept (a leading byte order mark too), and bytes that are not UTF-8 an
 * error naming where they are, never replacement characters.
 *
 * @module
 */

const lossy = new TextDecoder("utf-8", { ignoreBOM: true });
const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * `bytes` as text, exactly: a byte order mark (U+FEFF) at the start is kept,
 * and invalid UTF-8 is an error rather than U+FFFD characters.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeUtf8 } from "./_utf8.ts";
 *
 * assert.equal(decodeUtf8(new Uint8Array([0xef, 0xbb, 0xbf, 0x41]), "a.md"), "\ufeffA");
 * assert.throws(
 *   () => decodeUtf8(new Uint8Array([0x34, 0xe4, 0xbd]), "cache/m_1/ab/0.md"),
 *   /cache\/m_1\/ab\/0\.md is not valid UTF-8/,
 * );
 * ```
 *
 * @param bytes The stored bytes.
 * @param source What they are (a file path, a key), for the error message;
 * a function is called only when there is an error.
 * @throws {TypeError} When `bytes` is not valid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, source: string | (() => string)): string {
  // Strict decoding is several times slower: decode leniently, and look again
  // only when a replacement character shows up (stored or made by decoding).
  return checkUtf8(lossy.decode(bytes), () => bytes, source);
}

/**
 * `text`, decoded leniently from stored bytes (e.g. by `Deno.readTextFile`,
 * which keeps a byte order mark), when it has no U+FFFD; else the bytes
 * decoded as {@linkcode decodeUtf8} does, which fails when they are not
 * valid UTF-8.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkUtf8 } from "./_utf8.ts";
 *
 * const bytes = new Uint8Array([0x34, 0xe4, 0xbd]);
 * const lenient = new TextDecoder().decode(bytes); // "4\ufffd"
 * assert.throws(() => checkUtf8(lenient, () => bytes, "0.md"), /0\.md is not valid UTF-8/);
 * assert.equal(checkUtf8("fine", () => bytes, "0.md"), "fine");
 * ```
 *
 * @param text The leniently decoded text.
 * @param bytes Reads the bytes again; called only when `text` has a U+FFFD.
 * @param source What they are, for the error message.
 * @throws {TypeError} When the bytes are not valid UTF-8.
 */
export function checkUtf8(
  text: string,
  bytes: () => Uint8Array,
  source: string | (() => string),
): string {
  if (!text.includes("\ufffd")) return text;
  try {
    return strict.decode(bytes());
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(
      `${
        typeof source === "string" ? source : source()
      } is not valid UTF-8 (cut off mid-write, or written by another program): ` +
        `it is not served as text with replacement characters; restore or remove it ` +
        `(\`cache verify\` lists such entries)`,
    );
  }
}
