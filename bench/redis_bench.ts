// Redis store throughput, at the filesystem benchmark's shapes (prompts ×
// samples, 1 KB samples): warm reads through a replaying Persistent, and
// cold writes through a Persistent that stores each sample as it is drawn
// (one append, one round trip, per sample). Each iteration handles 10,000
// samples, so samples/s = 10,000 / time per iteration.

import { collect, promptHash } from "../mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { RedisStore } from "../cache/redis_store.ts";
import type { Store } from "../cache/store.ts";
import { CountingModel } from "../tests/_support/mock_model.ts";
import { BENCH_REDIS_URL } from "./redis_url.ts";

const SHAPES: [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
const ALIAS = "bench";
const KEY = `${ALIAS}_1`;
const SAMPLE = "x".repeat(1000);

const prompt = (p: number) => `prompt ${p}`;
const sample = (p: number, i: number) => `${SAMPLE}${String(p * 10_000 + i).padStart(24, "0")}`;

async function readAll(store: Store, prompts: number, samples: number): Promise<void> {
  const model = new Persistent(new CountingModel(ALIAS, 1), store, { replication: true });
  for (let p = 0; p < prompts; p++) {
    const got = await collect(model.sample(prompt(p)), samples);
    if (got.length !== samples) throw new Error("short read");
  }
}

async function writeAll(store: Store, prompts: number, samples: number): Promise<void> {
  const model = new Persistent(new CountingModel(ALIAS, 1), store);
  for (let p = 0; p < prompts; p++) await collect(model.sample(prompt(p)), samples);
}

const url = BENCH_REDIS_URL;
const connect = (label: string) =>
  RedisStore.connect(url!, { prefix: `bench-${label}-${crypto.randomUUID()}:` });
const stores: RedisStore[] = [];
// An unload handler cannot wait for Redis, so the warm-read data (about 30 MB
// under bench-read-* prefixes) stays on the server: run the benchmarks
// against a throwaway one, as `.ci/redis.sh run npx deno task bench` does.
globalThis.addEventListener("unload", () => {
  for (const store of stores) void store.close();
});

for (const [prompts, samples] of SHAPES) {
  const shape = `${prompts}×${samples}`;
  const warm = url === undefined ? undefined : await connect(`read-${shape}`);
  if (warm !== undefined) {
    stores.push(warm);
    for (let p = 0; p < prompts; p++) {
      const all = Array.from({ length: samples }, (_, i) => sample(p, i));
      await warm.append({ model: KEY, hash: promptHash(prompt(p)) }, {
        from: 0,
        samples: all,
        prompt: prompt(p),
      });
    }
  }
  Deno.bench({
    name: `redis warm read ${shape}`,
    group: "redis warm read",
    ignore: url === undefined,
    n: 20,
    async fn() {
      await readAll(warm!, prompts, samples);
    },
  });
  Deno.bench({
    name: `redis cold write ${shape}`,
    group: "redis cold write",
    ignore: url === undefined,
    n: 3,
    warmup: 1,
    async fn(t) {
      const store = await connect(`write-${shape}`);
      t.start();
      await writeAll(store, prompts, samples);
      t.end();
      await store.clear();
      await store.close();
    },
  });
}
