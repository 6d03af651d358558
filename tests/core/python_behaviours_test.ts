// The Python original's own tests (test_cached_llm.py), in TypeScript.

import assert from "node:assert/strict";
import { collect, Independent, type Model, Repeatable, take } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

/** Python's MockModel: not a BufferedModel, so it is read through its iterators. */
class ListModel implements Model {
  readonly name = "mock";
  readonly temperature = 1;
  readonly alias = "mock";
  readonly maxBatch = 1;
  iterated = 0;
  #responses: Record<string, string[]>;
  constructor(responses: Record<string, string[]>) {
    this.#responses = responses;
  }
  sample(prompt: string): AsyncIterableIterator<string> {
    let index = 0;
    const next = () => {
      this.iterated++;
      const value = this.#responses[prompt]![index++];
      return Promise.resolve(
        value === undefined
          ? { value: undefined, done: true as const }
          : { value, done: false as const },
      );
    };
    return {
      next,
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
  totalQueryTime(): number {
    return 0;
  }
  totalTokenCount(): [number, number] {
    return [0, 0];
  }
}

const next = async (it: AsyncIterator<string>) => (await it.next()).value;

Deno.test("Repeatable: two streams share one draw per index", async () => {
  const m = new ListModel({ prompt: ["0", "1", "2", "3", "4"] });
  const c = new Repeatable(m);
  const s1 = c.sample("prompt");
  const s2 = c.sample("prompt");
  assert.deepEqual(
    [await next(s1), await next(s2), await next(s1), await next(s2), await next(s1)],
    ["0", "0", "1", "1", "2"],
  );
  assert.equal(m.iterated, 3);
});

Deno.test("Repeatable: stateless across calls", async () => {
  const c = new Repeatable(new ListModel({ prompt: ["0", "1", "2", "3", "4"] }));
  const s1 = c.sample("prompt");
  assert.equal(await next(s1), "0");
  assert.equal(await next(s1), "1");
  assert.equal(await next(c.sample("prompt")), "0");
});

Deno.test("Independent: over Repeatable across retry attempts", async () => {
  const ind = new Independent(new Repeatable(new ListModel({ prompt: ["0", "1", "2", "3", "4"] })));
  const responses: string[] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = new Repeatable(ind);
    const s1 = r.sample("prompt");
    const s2 = r.sample("prompt");
    responses.push(await next(s1), await next(s2), await next(s1));
  }
  assert.deepEqual(responses, ["0", "0", "1", "2", "2", "3"]);
});

Deno.test("BufferedModel: batched requests: batch 2 with maxBatch 2", async () => {
  const m = new CountingModel("mock", 1, { maxBatch: 2 });
  assert.deepEqual(await collect(m.sample("prompt", 2), 4), ["0", "1", "2", "3"]);
  assert.deepEqual(m.requests, [2, 2]);
});

Deno.test("BufferedModel: batched requests: batch 3 with maxBatch 2 makes requests of 2", async () => {
  const m = new CountingModel("mock", 1, { maxBatch: 2 });
  assert.deepEqual(await collect(m.sample("prompt", 3), 6), ["0", "1", "2", "3", "4", "5"]);
  assert.deepEqual(m.requests, [2, 2, 2]);
});

Deno.test("Repeatable: batching over a cache fetches only what is missing", async () => {
  const m = new CountingModel("mock", 1, { maxBatch: 2 });
  const r = new Repeatable(m);
  await collect(r.sample("prompt"), 2);
  const before = m.requests.length;
  assert.deepEqual(await collect(r.sample("prompt", 2), 4), ["0", "1", "2", "3"]);
  assert.equal(m.requests.length - before, 1);
});

Deno.test("BufferedModel: seed batch case: 40 samples in batches of 20 with maxBatch 10", async () => {
  const m = new CountingModel("gpt-4o", 1, { maxBatch: 10 });
  const r = new Repeatable(m);
  let count = 0;
  for await (const _ of take(r.sample("prompt", 20), 40)) count++;
  assert.equal(count, 40);
  assert.deepEqual(m.requests, [10, 10, 10, 10]);
});

Deno.test("Repeatable: a batch's extra samples stay in the sequence", async () => {
  const m = new CountingModel("mock", 1, { maxBatch: 10 });
  const r = new Repeatable(m);
  assert.equal(await next(r.sample("p", 10)), "0");
  assert.deepEqual(await collect(r.sample("p"), 10), [
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
  ]);
  assert.deepEqual(m.requests, [10]);
  // Index 0 served twice (the second time a replay), 1-9 once each from the batch.
  const { saved, ...counts } = r.stats;
  assert.deepEqual(counts, { hits: 1, misses: 10, drawn: 10 });
  assert.equal(saved.samples, 0, "a replay of its own draw saves nothing");
});

Deno.test("BufferedModel: a provider's leftover buffer serves its next stream", async () => {
  const m = new CountingModel("mock", 1, { maxBatch: 5 });
  assert.equal(await next(m.sample("p", 5)), "0");
  assert.equal(await next(m.sample("p", 5)), "1");
  assert.deepEqual(m.requests, [5]);
});

Deno.test("Repeatable: a model whose stream ends is reported, not looped on", async () => {
  const r = new Repeatable(new ListModel({ p: ["only"] }));
  const it = r.sample("p");
  assert.equal(await next(it), "only");
  await assert.rejects(it.next(), /sample\(\) stream ended/);
});
