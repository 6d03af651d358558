// Cache hits through the sampling core against the floor: a bare async
// generator yielding from an array. Per-sample cost = time / N.

import { Independent, Repeatable } from "../mod.ts";
import { CountingModel } from "../tests/_support/mock_model.ts";

const N = 10_000;
const prompt = "Choose a number between 1 and 1000.";
const values = Array.from({ length: N }, (_, i) => String(i));

const repeatable = new Repeatable(new CountingModel("m", 1, { maxBatch: 1000 }));
for await (const _ of repeatable.sample(prompt, 1000)) if (_ === String(N - 1)) break;

async function drain(it: AsyncIterator<string>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await it.next();
}

async function* bare(): AsyncGenerator<string> {
  for (const v of values) yield v;
}

Deno.bench("floor: bare async generator", { group: "hit", baseline: true, n: 200 }, async () => {
  await drain(bare(), N);
});

Deno.bench("Repeatable hit", { group: "hit", n: 200 }, async () => {
  await drain(repeatable.sample(prompt), N);
});

Deno.bench("Repeatable hit, for await", { group: "hit", n: 200 }, async () => {
  let i = 0;
  for await (const _ of repeatable.sample(prompt)) if (++i === N) break;
});

Deno.bench("Independent over Repeatable", { group: "hit", n: 20 }, async () => {
  // A fresh Independent each time, so that every item is a hit of the cache.
  await drain(new Independent(repeatable).sample(prompt), N);
});
