// Many next() calls in flight at once, with random request latency.

import assert from "node:assert/strict";
import { Independent, Repeatable } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

const jitter = () => Math.random() * 4;

Deno.test("Cursor: waiters on one missing index share one draw", async () => {
  const inner = new CountingModel("m", 1, { latency: jitter });
  const model = new Repeatable(inner);
  const values = await Promise.all(
    Array.from({ length: 50 }, () => model.sample("p").next().then((r) => r.value)),
  );
  assert.deepEqual(new Set(values), new Set(["0"]));
  assert.deepEqual(inner.requests, [1]);
});

Deno.test("Cursor: concurrent next() calls on one iterator resolve in order with the right values", async () => {
  for (const batch of [1, 3, 10]) {
    const model = new Repeatable(new CountingModel("m", 1, { latency: jitter, maxBatch: 4 }));
    const it = model.sample("p", batch);
    const order: number[] = [];
    const values = await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        it.next().then((r) => {
          order.push(k);
          return r.value;
        })),
    );
    assert.deepEqual(order, order.map((_, k) => k), `batch ${batch}`);
    assert.deepEqual(values, values.map((_, k) => String(k)), `batch ${batch}`);
  }
});

Deno.test("Cursor: a batch request in flight serves every waiter it covers", async () => {
  const inner = new CountingModel("m", 1, { latency: 5, maxBatch: 10 });
  const model = new Repeatable(inner);
  const its = Array.from({ length: 8 }, () => model.sample("p", 10));
  await Promise.all(its.flatMap((it) => Array.from({ length: 10 }, () => it.next())));
  assert.deepEqual(inner.requests, [10]);
});

Deno.test("Independent: concurrent streams never share an item and skip none", async () => {
  for (const overCache of [false, true]) {
    const base = new CountingModel("m", 1, { latency: jitter, maxBatch: 3 });
    const model = new Independent(overCache ? new Repeatable(base) : base);
    const reads = Array.from({ length: 30 }, (_, k) => {
      const it = model.sample("p", 1 + (k % 4));
      return Promise.all(Array.from({ length: 1 + (k % 3) }, () => it.next()));
    });
    const got = (await Promise.all(reads)).flat().map((r) => Number(r.value));
    got.sort((a, b) => a - b);
    assert.deepEqual(got, got.map((_, i) => i), overCache ? "over a cache" : "over a provider");
  }
});

Deno.test("Cursor: many prompts in parallel draw in parallel", async () => {
  const inner = new CountingModel("m", 1, { latency: 10 });
  const model = new Repeatable(inner);
  const prompts = Array.from({ length: 20 }, (_, k) => `prompt ${k}`);
  const values = await Promise.all(prompts.map((p) => model.sample(p).next()));
  assert.ok(values.every((v) => v.value === "0"));
  assert.equal(inner.maxInFlight, 20);
});

Deno.test("Cursor: a failure reaches only the waiters it covers; the sequence stays whole", async () => {
  const inner = new CountingModel("m", 1, { latency: jitter });
  const model = new Repeatable(inner);
  inner.failNext(new Error("boom"));
  const it = model.sample("p");
  const results = await Promise.allSettled(Array.from({ length: 4 }, () => it.next()));
  assert.equal(results[0]!.status, "rejected");
  const again = await Promise.all(Array.from({ length: 4 }, () => model.sample("p").next()));
  assert.equal(new Set(again.map((r) => r.value)).size, 1, "one value at index 0 for everyone");
  const whole = model.sample("p");
  const seq: string[] = [];
  for (let i = 0; i < 6; i++) seq.push((await whole.next()).value);
  results.forEach((r, i) => {
    if (r.status === "fulfilled") assert.equal(r.value.value, seq[i], `index ${i} kept its value`);
  });
  assert.equal(new Set(seq).size, 6, "no draw repeated");
});

Deno.test("Cursor: return() closes a stream; a later next() says it was closed", async () => {
  const it = new Repeatable(new CountingModel()).sample("p");
  assert.equal((await it.next()).value, "0");
  assert.deepEqual(await it.return!(), { value: undefined, done: true });
  await assert.rejects(it.next(), /stream was closed/);
});
