/**
 * The recorded prompt closest to one a replay missed: a prompt changed by a
 * typo, an edited template or a stray space gets a new hash, and so a miss;
 * naming the near-identical prompt that is recorded, and where the two
 * differ, says what changed.
 *
 * "Slightly" is an edit distance of at most a tenth of the prompt's length
 * (at least 1, at most 100 edits). The work is bounded on big caches: at
 * most {@linkcode MAX_PROMPTS} recorded prompts are looked at, each compared
 * in time linear in its length: first by how often each character occurs (an
 * edit changes two counts at most, so counts that differ much rule a prompt
 * out), then by `editDistance`; the search stops with the best found so far
 * after {@linkcode MAX_CELLS} steps of comparison (about a tenth of a second).
 *
 * @module
 */

import { editDistance } from "./_edit_distance.ts";
import type { ClosestPrompt } from "./replication_cache_miss.ts";
import type { Store } from "./store.ts";

/** How many recorded prompts of a model key a search looks at, at most. */
export const MAX_PROMPTS = 5_000;

/** How many cells of edit-distance tables a search computes, at most. */
export const MAX_CELLS = 10_000_000;

/**
 * The recorded prompt of `model` closest to `prompt`, when one differs only
 * slightly (see the module documentation); undefined otherwise, or when the
 * store cannot be listed (the miss is the error to report).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { closestPrompt } from "./_closest_prompt.ts";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../core/model_key.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * const recorded = "What is the capital of France?";
 * await store.append({ model: "m_1", hash: promptHash(recorded) }, { from: 0, samples: ["Paris"], prompt: recorded });
 * const found = await closestPrompt(store, "m_1", "What is the capital of France ?");
 * assert.equal(found?.prompt, recorded);
 * assert.equal(found?.distance, 1);
 * assert.equal(await closestPrompt(store, "m_1", "Name a prime number."), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function closestPrompt(
  store: Store,
  model: string,
  prompt: string,
): Promise<ClosestPrompt | undefined> {
  let limit = Math.min(100, Math.max(1, Math.floor(prompt.length / 10)));
  let best: { hash: string; prompt: string; distance: number } | undefined;
  let seen = 0;
  const work = { cells: 0 };
  const counts = characterCounts(prompt);
  try {
    for await (const entry of store.prompts(model)) {
      if (++seen > MAX_PROMPTS || work.cells > MAX_CELLS) break;
      if (entry.prompt === undefined || entry.prompt === prompt) continue;
      if (Math.abs(entry.prompt.length - prompt.length) > limit) continue;
      if (countsDiffer(counts, entry.prompt) > 2 * limit) continue;
      const distance = editDistance(entry.prompt, prompt, limit, work);
      if (distance === undefined) continue;
      best = { hash: entry.hash, prompt: entry.prompt, distance };
      if (distance === 1) break;
      limit = distance - 1; // only a closer one is of interest now
    }
    if (best === undefined) return undefined;
    const stored = (await store.load({ model, hash: best.hash }, 0)).length;
    return { ...best, stored };
  } catch {
    return undefined;
  }
}

// Characters are counted in 256 buckets (by their low byte): merging
// characters only lowers the difference, so it stays a lower bound.
function characterCounts(text: string): Int32Array {
  const counts = new Int32Array(256);
  for (let i = 0; i < text.length; i++) counts[text.charCodeAt(i) & 255]!++;
  return counts;
}

/** How much `text`'s character counts differ from `counts` (twice the edit distance at most). */
function countsDiffer(counts: Int32Array, text: string): number {
  const difference = counts.slice();
  for (let i = 0; i < text.length; i++) difference[text.charCodeAt(i) & 255]!--;
  let total = 0;
  for (const d of difference) total += Math.abs(d);
  return total;
}
