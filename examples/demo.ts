/**
 * The seed document's walk-through, offline: every sample comes from the
 * example cache in `notebooks/example_cache`, replayed in replication mode, so
 * no key and no network are needed. Run it with `deno task demo`.
 *
 * @module
 */

import {
  CloseAI,
  collect,
  first,
  Independent,
  type Model,
  Persistent,
  Repeatable,
  ReplicationCacheMiss,
  take,
} from "../mod.ts";

const cache = "notebooks/example_cache";
const prompt = "Choose a number between 1 and 1000.";

function step(title: string, code: string): void {
  console.log(`\n== ${title}\n${code.replace(/^/gm, "   ")}`);
}
function show(label: string, value: unknown): void {
  console.log(`   ${label.padEnd(28)} → ${JSON.stringify(value)}`);
}

console.log(
  `LLM cache demo: replaying ${cache}\n` +
    `(replication mode: a sample missing from the cache would be an error, never a request)`,
);

const provider = new CloseAI("gpt-4o", 1.0, { maxBatch: 10 });
const cached = new Persistent(provider, cache, { replication: true });
// The demo reads the cache relative to the repository root, where `deno task` runs.

step(
  "Independent sampling: each call draws a new sample",
  `let model: Model = new Independent(cached);  // stands in for a live provider`,
);
let model: Model = new Independent(cached);
show("n1 = first(model.sample(p))", await first(model.sample(prompt)));
show("n2 = first(model.sample(p))", await first(model.sample(prompt)));

step(
  "Repeatable: every call replays the same sequence",
  `model = new Repeatable(model);`,
);
model = new Repeatable(model);
show("n3 = first(model.sample(p))", await first(model.sample(prompt)));
show("n4 = first(model.sample(p))", await first(model.sample(prompt)));
show("take(model.sample(p), 2)", await collect(take(model.sample(prompt), 2), 2));

step(
  "Independent again: continues the in-memory sequence",
  `model = new Independent(model);`,
);
model = new Independent(model);
show("n5 = first(model.sample(p))", await first(model.sample(prompt)));
show("n6 = first(model.sample(p))", await first(model.sample(prompt)));

step(
  "Persistent: the same sequence across runs of the program",
  `const persistent = new Persistent(new CloseAI("gpt-4o", 1.0), "${cache}");`,
);
show("n1 = first(persistent.sample(p))", await first(cached.sample(prompt)));
show("n2 = first(persistent.sample(p))", await first(cached.sample(prompt)));
console.log("   (run the demo again: every value above comes back unchanged)");

step(
  "Retries: independent across attempts, repeatable within one",
  `const shared = new Independent(persistent);\n` +
    `for (attempt …) { const m = new Repeatable(shared); … }`,
);
const shared = new Independent(cached);
for (let attempt = 1; attempt <= 3; attempt++) {
  const m = new Repeatable(shared);
  const x = await first(m.sample(prompt));
  const again = await first(m.sample(prompt));
  show(`attempt ${attempt}: x, x again`, [x, again]);
  if (Number(x.match(/\d+/)?.[0]) > 500) {
    console.log(`   attempt ${attempt} got a number above 500: done`);
    break;
  }
  console.log(`   not above 500: retry, with a fresh sample`);
}

step(
  "Batch sampling: 40 samples in batches of 20, maxBatch 10",
  `for await (const r of take(persistent.sample(p, 20), 40)) …`,
);
const counts = new Map<string, number>();
for await (const r of take(cached.sample(prompt, 20), 40)) counts.set(r, (counts.get(r) ?? 0) + 1);
const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, 5);
show("most frequent of 40", top.map(([answer, n]) => `${answer} ×${n}`).join(", "));
console.log(
  `   live, this makes four requests of 10; here all 40 came from the cache ` +
    `(provider requests: ${provider.stats.requests})`,
);

step(
  "Replication mode: a miss is an error that says what is missing",
  `await collect(persistent.sample(p), 1000);`,
);
try {
  await collect(cached.sample(prompt), 1000);
} catch (error) {
  if (!(error instanceof ReplicationCacheMiss)) throw error;
  console.log(`   ReplicationCacheMiss: ${error.message}`);
}
console.log(`\ncache statistics: ${JSON.stringify(cached.stats)}`);
