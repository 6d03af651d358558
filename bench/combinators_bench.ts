// Stream combinators against the floor they sit on: a bare async generator
// yielding from an array, drained item by item. Per-item overhead =
// (time - floor) / N. Also what the statistics cost on research-sized inputs.

import { bootstrapInterval, chunk, filter, majority, map, passAtK, unique, zip } from "../mod.ts";

const N = 10_000;
const values = Array.from({ length: N }, (_, i) => String(i));

async function* bare(): AsyncGenerator<string> {
  for (const v of values) yield v;
}

async function drain(it: AsyncIterator<unknown>): Promise<void> {
  while (!(await it.next()).done);
}

Deno.bench("floor: bare async generator", { group: "stream", baseline: true, n: 200 }, async () => {
  await drain(bare());
});
Deno.bench("map", { group: "stream", n: 200 }, async () => {
  await drain(map(bare(), (s) => s));
});
Deno.bench("filter", { group: "stream", n: 200 }, async () => {
  await drain(filter(bare(), () => true));
});
Deno.bench("unique", { group: "stream", n: 200 }, async () => {
  await drain(unique(bare()));
});
Deno.bench("chunk of 10", { group: "stream", n: 200 }, async () => {
  await drain(chunk(bare(), 10));
});
Deno.bench("zip of two (reads both concurrently)", { group: "stream", n: 200 }, async () => {
  await drain(zip(bare(), bare()));
});

const scores = Array.from({ length: 500 }, (_, i) => (i * 7919) % 11 / 10);
Deno.bench(
  "bootstrapInterval: 500 values, 10,000 resamples",
  { group: "statistics", n: 20 },
  () => {
    bootstrapInterval(scores);
  },
);
Deno.bench("passAtK(10^6, 5·10^5, 1000)", { group: "statistics", n: 200 }, () => {
  passAtK(1_000_000, 500_000, 1000);
});
const answers = Array.from({ length: 10_000 }, (_, i) => String(i % 37));
Deno.bench("majority of 10,000 samples", { group: "statistics", n: 200 }, () => {
  majority(answers);
});
