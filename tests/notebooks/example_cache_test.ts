// The usage shipped with notebooks/example_cache is exactly what its script
// writes, and covers every sample (a replayed notebook says what it saved).

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { estimatedUsage } from "../../notebooks/make_example_usage.ts";
import { usageAt } from "../../core/usage_records.ts";

const SHIPPED = "notebooks/example_cache";

Deno.test("writeEstimatedUsage: notebooks/example_cache carries make_example_usage.ts's usage for every sample", async () => {
  const store = new FsStore(SHIPPED);
  let sequences = 0;
  for await (const model of store.models()) {
    for await (const { hash, prompt } of store.prompts(model)) {
      const key = { model, hash };
      const samples = await store.load(key, 0);
      const records = await store.usage(key);
      assert.deepEqual(
        records,
        estimatedUsage(prompt!, samples),
        `${model} ${hash}: run deno run --allow-read=notebooks --allow-write=notebooks ` +
          `notebooks/make_example_usage.ts`,
      );
      assert.ok(usageAt(records, 0, samples.length).every((u) => u?.promptTokens !== undefined));
      sequences++;
    }
  }
  assert.equal(sequences, 4);
});
