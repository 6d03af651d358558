// Counted nouns in the fixture's messages: "1 sample", "2 samples".

/**
 * `n` and `noun`, with an "s" unless `n` is 1.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plural } from "./_plural.ts";
 *
 * assert.equal(plural(1, "sample"), "1 sample");
 * assert.equal(plural(0, "sample"), "0 samples");
 * ```
 */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
