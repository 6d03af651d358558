// A server that answers with fewer choices than `n`: the next request asks
// for what is still missing of the batch, not for a whole new batch.

import assert from "node:assert/strict";
import { Persistent } from "../../cache/persistent.ts";
import { collect, Independent, Repeatable } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

Deno.test("BufferedModel: a provider asks for the remainder of a batch after a short answer", async () => {
  const model = new CountingModel("m", 1, { maxBatch: 10, cap: 7 });
  const samples = await collect(model.sample("p", 10), 20);
  assert.deepEqual(samples, Array.from({ length: 20 }, (_, i) => String(i)));
  assert.deepEqual(model.requests, [10, 3, 10, 3]);
});

Deno.test("BufferedModel: caches over a short-answering provider ask for the remainder too", async () => {
  for (
    const wrap of [
      (m: CountingModel) => new Repeatable(m),
      (m: CountingModel) => new Independent(new Repeatable(m)),
    ]
  ) {
    const provider = new CountingModel("m", 1, { maxBatch: 10, cap: 7 });
    const model = wrap(provider);
    assert.equal((await collect(model.sample("p", 10), 20)).length, 20);
    assert.deepEqual(provider.requests, [10, 3, 10, 3]);
    assert.equal(provider.stats.samples, 20, "nothing drawn beyond the batches asked for");
  }
});

Deno.test("BufferedModel: a persistent cache over it stores exactly its batches despite short answers", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const provider = new CountingModel("m", 1, { maxBatch: 4, cap: 3 });
    const model = new Persistent(provider, dir);
    assert.equal((await collect(model.sample("p", 8), 8)).length, 8);
    // Batch 8 with maxBatch 4: two requests of 4, each answered with 3; then
    // the remainders, 1 each.
    assert.deepEqual(provider.requests.toSorted(), [1, 1, 4, 4]);
    assert.equal(model.stats.drawn, 8);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("BufferedModel: the remainder never exceeds what the current batch asks for", async () => {
  const model = new CountingModel("m", 1, { maxBatch: 10, cap: 2 });
  assert.equal((await collect(model.sample("p", 10), 2)).length, 2);
  // 8 are still owed from that batch; a batch of 1 asks for 1 at a time.
  assert.equal((await collect(model.sample("p", 1), 1))[0], "2");
  assert.deepEqual(model.requests, [10, 1]);
  assert.equal((await collect(model.sample("p", 10), 3)).join(), "3,4,5");
  assert.deepEqual(model.requests, [10, 1, 7, 5]);
});
