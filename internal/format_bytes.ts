/**
 * The one way sizes are shown to people, by the command line (`cache stats`)
 * and the notebook views alike: binary units (1 KiB = 1,024 bytes), as file
 * managers and `du -h` count, with the unit named so that nobody reads a
 * kibibyte as a kilobyte.
 *
 * @module
 */

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB"];

/**
 * A byte count for people: whole bytes below 1 KiB, else one decimal in the
 * largest binary unit that keeps the number below 1,024 (`1023.99 KiB` shows
 * as `1.0 MiB`, never `1024.0 KiB`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "./format_bytes.ts";
 *
 * assert.equal(formatBytes(980), "980 B");
 * assert.equal(formatBytes(12_345), "12.1 KiB");
 * assert.equal(formatBytes(1024 * 1024 - 1), "1.0 MiB");
 * assert.equal(formatBytes(5 * 1024 ** 4), "5.0 TiB");
 * ```
 *
 * @param bytes A number of bytes (not negative).
 * @returns The size with its unit, e.g. `"8.3 KiB"`.
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (unit < UNITS.length - 1 && Number(value.toFixed(1)) >= 1024) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${UNITS[unit]}`;
}
