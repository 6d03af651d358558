/**
 * Byte chunks joined into one array: what a store reads in parts (a file in
 * slices, a value split over Deno KV rows) is decoded whole.
 *
 * @module
 */

/**
 * The bytes of `parts`, one after the other; a single part is returned as it
 * is, not copied.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { concatBytes } from "./concat_bytes.ts";
 *
 * const joined = concatBytes([new Uint8Array([1, 2]), new Uint8Array([3])]);
 * assert.deepEqual([...joined], [1, 2, 3]);
 * const one = new Uint8Array([4]);
 * assert.equal(concatBytes([one]), one);
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}
