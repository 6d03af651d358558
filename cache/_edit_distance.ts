// How two texts differ: their edit distance, with a bound (what "differs
// slightly" means for store schemes, a typo'd `sqllite:`, and for a replay
// miss's closest recorded prompt), and where they part. The work is linear in
// the texts' length times the bound, never quadratic, so a search over many
// long prompts stays cheap.

/**
 * The Levenshtein distance of `a` and `b` (insertions, deletions and
 * substitutions of UTF-16 code units), when it is at most `max`; else
 * `undefined`. The common start and end are skipped first, and only the
 * diagonal band of width `2 × max + 1` is computed (Ukkonen), so the work is
 * O((|a| + |b|) × max).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { editDistance } from "./_edit_distance.ts";
 *
 * assert.equal(editDistance("sqllite", "sqlite", 2), 1);
 * assert.equal(editDistance("jumps over", "jumped over", 3), 2);
 * assert.equal(editDistance("kitten", "sitting", 2), undefined);
 * ```
 *
 * @param a One text.
 * @param b The other.
 * @param max The largest distance of interest.
 * @param work Counts the cells computed, for a caller that bounds its work.
 * @returns The distance, or undefined when it exceeds `max`.
 */
export function editDistance(
  a: string,
  b: string,
  max: number,
  work?: { cells: number },
): number | undefined {
  const { start, endA, endB } = differingRange(a, b);
  const n = endA - start;
  const m = endB - start;
  if (Math.abs(n - m) > max) return undefined;
  if (n === 0 || m === 0) return Math.max(n, m);
  // Row i holds the distances of a[start, start + i) to b[start, start + j)
  // for j within the band |i - j| <= max; cells outside it count as max + 1.
  const outside = max + 1;
  let previous = new Array<number>(m + 1);
  let current = new Array<number>(m + 1);
  for (let j = 0; j <= m; j++) previous[j] = j <= max ? j : outside;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - max);
    const to = Math.min(m, i + max);
    current[from - 1] = from === 1 ? (i <= max ? i : outside) : outside;
    let best = current[from - 1]!;
    const ca = a.charCodeAt(start + i - 1);
    for (let j = from; j <= to; j++) {
      const substitute = previous[j - 1]! + (ca === b.charCodeAt(start + j - 1) ? 0 : 1);
      const remove = (j <= i - 1 + max ? previous[j]! : outside) + 1;
      const insert = current[j - 1]! + 1;
      const cell = Math.min(substitute, remove, insert, outside);
      current[j] = cell;
      if (cell < best) best = cell;
    }
    if (to < m) current[to + 1] = outside;
    if (work !== undefined) work.cells += to - from + 1;
    if (best > max) return undefined;
    [previous, current] = [current, previous];
  }
  const distance = previous[m]!;
  return distance <= max ? distance : undefined;
}

/**
 * Where `a` and `b` differ: the length of their common start, and where
 * their common end begins in each.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { differingRange } from "./_edit_distance.ts";
 *
 * assert.deepEqual(differingRange("fox jumps over", "fox jumped over"), {
 *   start: 8,
 *   endA: 9,
 *   endB: 10,
 * });
 * ```
 */
export function differingRange(
  a: string,
  b: string,
): { start: number; endA: number; endB: number } {
  const shorter = Math.min(a.length, b.length);
  let start = 0;
  while (start < shorter && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  return { start, endA, endB };
}

/**
 * Where `recorded` and `asked` differ, as a short hint: the character where
 * they part, and the differing part of each with a few words around it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { whereTheyDiffer } from "./_edit_distance.ts";
 *
 * assert.equal(
 *   whereTheyDiffer("The quick brown fox jumps over the lazy dog.", "The quick brown fox jumped over the lazy dog."),
 *   'at character 25: recorded "…brown fox jumps over the lazy…", ' +
 *     'asked "…brown fox jumped over the lazy…"',
 * );
 * ```
 */
export function whereTheyDiffer(recorded: string, asked: string): string {
  const { start, endA, endB } = differingRange(recorded, asked);
  const before = contextBefore(recorded, start);
  const after = contextAfter(recorded, endA);
  const show = (text: string, end: number) => {
    const middle = text.slice(start, end);
    const cut = middle.length > 60 ? `${middle.slice(0, 30)}…${middle.slice(-29)}` : middle;
    const inner = JSON.stringify(before.text + cut + after.text).slice(1, -1);
    return `"${before.cut ? "…" : ""}${inner}${after.cut ? "…" : ""}"`;
  };
  return `at character ${start + 1}: recorded ${show(recorded, endA)}, asked ${show(asked, endB)}`;
}

// A few words on each side of a difference: up to CONTEXT characters, cut at a space.
const CONTEXT = 16;

function contextBefore(text: string, at: number): { text: string; cut: boolean } {
  if (at <= CONTEXT) return { text: text.slice(0, at), cut: false };
  const window = text.slice(at - CONTEXT, at);
  const space = window.indexOf(" ");
  return {
    text: space < 0 || space === window.length - 1 ? window : window.slice(space + 1),
    cut: true,
  };
}

function contextAfter(text: string, at: number): { text: string; cut: boolean } {
  if (text.length - at <= CONTEXT) return { text: text.slice(at), cut: false };
  const window = text.slice(at, at + CONTEXT);
  const space = window.lastIndexOf(" ");
  return { text: space <= 0 ? window : window.slice(0, space), cut: true };
}
