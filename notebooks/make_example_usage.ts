// Writes the usage.jsonl beside every sequence of a notebook cache
// (example_cache/ by default): what drawing its samples cost, so that a
// replayed notebook says what it saved. The samples were written before the
// library stored usage, by a stand-in, so the figures are estimated from
// their text, the way a provider counts: requests of 10 samples; per request
// the prompt's tokens and 7 of chat framing, each completion's tokens and 1
// end-of-text token (a token is 4 bytes of UTF-8, rounded up); 350 ms and
// 20 ms per token of the request's longest completion. Deterministic: every
// run writes the same bytes (tests/notebooks/example_cache_test.ts checks that the
// shipped files are this script's output).
//
//   deno run --allow-read=notebooks --allow-write=notebooks notebooks/make_example_usage.ts

import { FsStore, USAGE_FILE } from "../cache/fs_store.ts";
import { formatRecords } from "../cache/fs_usage.ts";
import type { UsageRecord } from "../core/usage.ts";

/** How many samples one request brought. */
export const BATCH = 10;

const encoder = new TextEncoder();

/**
 * The tokens of `text` as a provider would roughly count them: 4 bytes of
 * UTF-8 a token, at least one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimatedTokens } from "./make_example_usage.ts";
 *
 * assert.equal(estimatedTokens("Choose a number between 1 and 1000."), 9);
 * assert.equal(estimatedTokens(""), 1);
 * ```
 */
export function estimatedTokens(text: string): number {
  return Math.max(1, Math.ceil(encoder.encode(text).length / 4));
}

/**
 * The usage records of `samples` of `prompt`, drawn in requests of `batch`:
 * one record per request (see the figures at the top of this file).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimatedUsage } from "./make_example_usage.ts";
 *
 * assert.deepEqual(estimatedUsage("Choose a number between 1 and 1000.", ["42", "573"], 10), [
 *   { from: 0, count: 2, requests: 1, promptTokens: 16, completionTokens: 4, latencyMs: 390 },
 * ]);
 * ```
 */
export function estimatedUsage(
  prompt: string,
  samples: readonly string[],
  batch = BATCH,
): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (let from = 0; from < samples.length; from += batch) {
    const completions = samples.slice(from, from + batch).map((s) => estimatedTokens(s) + 1);
    records.push({
      from,
      count: completions.length,
      requests: 1,
      promptTokens: estimatedTokens(prompt) + 7,
      completionTokens: completions.reduce((a, b) => a + b, 0),
      latencyMs: 350 + 20 * Math.max(...completions),
    });
  }
  return records;
}

/**
 * Writes (or replaces) the usage file of every sequence of the cache folder
 * `dir` whose prompt text is recorded, and returns how many it wrote.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptHash } from "../mod.ts";
 * import { FsStore } from "../cache/stores.ts";
 * import { writeEstimatedUsage } from "./make_example_usage.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const key = { model: "gpt-4o_1", hash: promptHash("p") };
 * await new FsStore(dir).append(key, { from: 0, samples: ["a", "b"], prompt: "p" });
 * assert.equal(await writeEstimatedUsage(dir), 1);
 * assert.equal((await new FsStore(dir).usage(key))[0]?.completionTokens, 4);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writeEstimatedUsage(dir: string, batch = BATCH): Promise<number> {
  const store = new FsStore(dir);
  let written = 0;
  for await (const model of store.models()) {
    for await (const { hash, prompt } of store.prompts(model)) {
      if (prompt === undefined) continue;
      const samples = await store.load({ model, hash }, 0);
      const records = estimatedUsage(prompt, samples, batch);
      await Deno.writeTextFile(`${dir}/${model}/${hash}/${USAGE_FILE}`, formatRecords(records));
      written++;
    }
  }
  await store.close();
  return written;
}

if (import.meta.main) {
  const dir = new URL("./example_cache", import.meta.url).pathname;
  console.log(`wrote the usage of ${await writeEstimatedUsage(dir)} sequences in ${dir}`);
}
