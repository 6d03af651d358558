// Writers killed (SIGKILL) at random moments in the middle of their appends,
// several at once: what they leave must read as a run of whole samples from
// index 0 (no gap, no half sample), replay as it reads, each sample with its
// own metadata (never without it, never another's), and any usage left
// behind must cover stored samples only, each once (a writer killed between
// its samples and their usage leaves samples of unknown usage, never a wrong
// figure).

import assert from "node:assert/strict";
import { collect } from "../core/iterators.ts";
import { promptHash } from "../core/model_key.ts";
import type { UsageRecord } from "../core/usage.ts";
import { Persistent } from "../cache/persistent.ts";
import { killWhileWriting } from "./_children.ts";
import { CRASH_PROMPTS, crashMeta, isWhole } from "./_conformance_samples.ts";
import { CountingModel } from "./_counting_model.ts";
import type { Suite } from "./_suite.ts";

const KILLS = 16;
const AT_ONCE = 4;

/** Registers the test of writers killed mid-write. */
export function crashTests(suite: Suite): void {
  suite.test(
    `writers killed ${KILLS} times, ${AT_ONCE} at once, leave only whole samples`,
    async ({ store, spec }) => {
      let started = 0;
      let failed = false;
      const command = suite.child(spec);
      // Every slot stops at the first failure, and is waited for before the test ends.
      const slots = await Promise.allSettled(Array.from({ length: AT_ONCE }, async () => {
        while (started < KILLS && !failed) {
          await killWhileWriting(command, ["crash", spec, String(started++)]).catch((error) => {
            failed = true;
            throw error;
          });
        }
      }));
      for (const slot of slots) if (slot.status === "rejected") throw slot.reason;
      for (const prompt of CRASH_PROMPTS) {
        const key = { model: "crash_1", hash: promptHash(prompt) };
        const loaded = await store.load(key, 0);
        assert.ok(loaded.length > 0, `no sample of ${JSON.stringify(prompt)} was stored`);
        loaded.forEach((sample, i) => assert.ok(isWhole(sample), `sample ${i} is not whole`));
        const indices = await store.indices?.(key);
        if (indices !== undefined) assert.deepEqual(indices, loaded.map((_, i) => i), "a gap");
        const replay = new Persistent(new CountingModel("crash", 1), store, { replication: true });
        assert.deepEqual(await collect(replay.sample(prompt), loaded.length), loaded);
        if (store.replies !== undefined) {
          const replies = await store.replies(key, 0);
          assert.deepEqual(
            replies,
            loaded.map((text) => ({ text, toolCalls: [], ...crashMeta(text) })),
          );
        }
        const records = await store.usage?.(key);
        if (records !== undefined) {
          const covered = coveredOnce(records, loaded.length, prompt);
          assert.equal(replay.stats.saved.unknown, loaded.length - covered);
        }
      }
    },
    { processes: true },
  );
}

/**
 * Checks that each record covers stored indices only, none twice, and that
 * its sums are whole (a completion token per sample); returns how many
 * samples have a record.
 */
function coveredOnce(records: readonly UsageRecord[], stored: number, prompt: string): number {
  const covered = new Set<number>();
  for (const { from, count, completionTokens } of records) {
    assert.equal(completionTokens, count, `${prompt}: a record's sums are whole`);
    for (let i = from; i < from + count; i++) {
      assert.ok(i < stored, `${prompt}: a record for index ${i}, past the ${stored} stored`);
      assert.ok(!covered.has(i), `${prompt}: index ${i} has two records`);
      covered.add(i);
    }
  }
  return covered.size;
}
