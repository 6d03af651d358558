// Every example of the seed document (../shared/seed/llm-cache-seed.md), in
// TypeScript, over a deterministic model whose k-th draw is "k".

import assert from "node:assert/strict";
import { first, Independent, type Model, Repeatable, take } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

const prompt = "Choose a number between 1 and 1000.";

Deno.test("BufferedModel: without caching each call of sample returns an independent value", async () => {
  const model = new CountingModel("gpt-4o", 1.0);
  const n1 = await first(model.sample(prompt));
  const n2 = await first(model.sample(prompt));
  assert.notEqual(n1, n2);
});

Deno.test("Independent: over Repeatable, as in the seed examples", async () => {
  const provider = new CountingModel("gpt-4o", 1.0);
  await first(provider.sample(prompt)); // an earlier, uncached draw
  let model: Model = new Repeatable(provider);

  const n3 = await first(model.sample(prompt));
  const n4 = await first(model.sample(prompt));
  assert.equal(n4, n3, "same result");
  const two: string[] = [];
  for await (const s of take(model.sample(prompt), 2)) two.push(s);
  assert.equal(two[0], n3);
  assert.notEqual(two[1], n3, "independent within sequence");

  model = new Independent(model);
  const n5 = await first(model.sample(prompt));
  const n6 = await first(model.sample(prompt));
  assert.deepEqual([n5, n6], two, "still the in-memory cache's values");
  assert.deepEqual(provider.requests, [1, 1, 1], "no draw beyond the two cached ones");
});

Deno.test("Independent: the retry pattern: repeatable within an attempt, independent across", async () => {
  const provider = new CountingModel("gpt-4o", 1.0);
  const model = new Independent(new Repeatable(provider));
  class BadResponse extends Error {}
  const NUM_RETRIES = 3;
  const f = async (m: Model) => await first(m.sample("f"));
  const g = async (m: Model, x: string) => {
    const y = await first(m.sample(`g ${x}`));
    if (Number(y) < 2) throw new BadResponse(y);
    return y;
  };
  const attempts: string[] = [];
  let result: string | undefined;
  for (let attempt = 0; attempt < NUM_RETRIES; attempt++) {
    try {
      const x = await f(model);
      attempts.push(x);
      result = await g(model, "fixed");
      break;
    } catch (e) {
      if (!(e instanceof BadResponse) || attempt === NUM_RETRIES - 1) throw e;
    }
  }
  assert.equal(result, "2", "the third attempt got a fresh, good sample");
  assert.deepEqual(attempts, ["0", "1", "2"], "each attempt saw a fresh f sample");
});

Deno.test("BufferedModel: batch sampling: 40 samples in batches of 20 take four requests of 10", async () => {
  const provider = new CountingModel("gpt-4o", 1.0, { maxBatch: 10 });
  const model = new Repeatable(provider);
  const seen: string[] = [];
  for await (const r of take(model.sample(prompt, 20), 40)) seen.push(r);
  assert.equal(seen.length, 40);
  assert.deepEqual(provider.requests, [10, 10, 10, 10]);
});

Deno.test("BufferedModel: alias changes the cache identifier, not the request name", () => {
  const m = new CountingModel("deepseek-v3-huoshan", 0.5, { alias: "deepseek-v3" });
  assert.equal(m.name, "deepseek-v3-huoshan");
  assert.equal(new Repeatable(m).alias, "deepseek-v3");
});
