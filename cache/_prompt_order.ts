/**
 * The order in which listings show model keys and prompts: as people sort
 * them, numbers by value (`item 2` before `item 12`).
 *
 * @module
 */

import type { PromptEntry } from "./store.ts";

const collator = new Intl.Collator("en", { numeric: true });

/**
 * Compares texts with the numbers in them by value; texts the collation
 * deems equal fall back to code point order, so the order is total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { naturalCompare } from "./_prompt_order.ts";
 *
 * assert.deepEqual(["item 12", "item 2", "Item 1"].sort(naturalCompare), [
 *   "Item 1",
 *   "item 2",
 *   "item 12",
 * ]);
 * ```
 */
export function naturalCompare(a: string, b: string): number {
  return collator.compare(a, b) || codePointCompare(a, b);
}

/**
 * Compares prompts by their text, naturally; prompts whose text was not
 * recorded come last, by hash.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { comparePrompts } from "./_prompt_order.ts";
 *
 * const entries = [
 *   { hash: "b", prompt: undefined },
 *   { hash: "c", prompt: "question 12" },
 *   { hash: "a", prompt: undefined },
 *   { hash: "d", prompt: "question 2" },
 * ];
 * assert.deepEqual(entries.sort(comparePrompts).map((e) => e.hash), ["d", "c", "a", "b"]);
 * ```
 */
export function comparePrompts(a: PromptEntry, b: PromptEntry): number {
  if (a.prompt === undefined || b.prompt === undefined) {
    if (a.prompt !== b.prompt) return a.prompt === undefined ? 1 : -1;
  } else {
    const byText = naturalCompare(a.prompt, b.prompt);
    if (byText !== 0) return byText;
  }
  return codePointCompare(a.hash, b.hash);
}

function codePointCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
