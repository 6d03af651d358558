// The warm-read benchmark's child: one version of the library (a checkout,
// driven through its public API), one store, one shape. `build` fills the
// store through a live Persistent (requests of 10, with usage where the
// version keeps it); `read` replays it through a new replaying Persistent per
// pass and, in the same process and alternating with it, reads the same
// samples without the library (the floor), then prints the rates as JSON.
//
// deno run <permissions> bench/_warm_read_child.ts '<json: Job>'

import {
  KEY,
  kiloModel,
  type Library,
  type LibStore,
  median,
  offlineModel,
  openLibrary,
  prompt,
  sample,
  seconds,
} from "./_library.ts";
import { floorOf } from "./_read_floors.ts";

/** What the child is asked to do. */
export interface Job {
  mode: "build" | "read";
  /** The checkout to drive. */
  root: string;
  kind: "fs" | "kv" | "sqlite" | "redis";
  /** A folder (fs), a file (kv, sqlite) or a key prefix (redis, with REDIS_URL). */
  location: string;
  prompts: number;
  samples: number;
  /** Read: also measure the floor (it knows the current layouts only). */
  floor?: boolean;
  /** Read: measure the cache first in each pair of passes (alternated by the parent). */
  cacheFirst?: boolean;
}

/** What `read` prints: samples/s, medians of the measured passes. */
export interface Rates {
  cache: number;
  floor?: number;
}

const PASSES = 3;
const WARM_UP = 2;

async function open(lib: Library, job: Job): Promise<LibStore | undefined> {
  if (job.kind === "fs") return undefined;
  const url = Deno.env.get("REDIS_URL");
  const module = await lib.subpath(`./${job.kind}`);
  const stores = module ?? {};
  if (job.kind === "kv" && stores.KvStore) return await stores.KvStore.open(job.location);
  if (job.kind === "sqlite" && stores.SqliteStore) {
    return await stores.SqliteStore.open(job.location);
  }
  if (job.kind === "redis" && stores.RedisStore && url !== undefined) {
    return await stores.RedisStore.connect(url, { prefix: job.location });
  }
  throw new Error(`${lib.root} has no ${job.kind} store (or REDIS_URL is not set)`);
}

async function build(lib: Library, job: Job, store: LibStore | undefined): Promise<void> {
  const model = new lib.mod.Persistent(kiloModel(lib, 10), store ?? job.location);
  for (let p = 0; p < job.prompts; p++) {
    await lib.mod.collect(model.sample(prompt(p), 10), job.samples);
  }
}

/** Reads every prompt's samples through a new replaying Persistent: samples/s. */
async function replay(lib: Library, job: Job, store: LibStore | undefined): Promise<number> {
  const model = new lib.mod.Persistent(offlineModel(lib), store ?? job.location, {
    replication: true,
  });
  const time = await seconds(async () => {
    for (let p = 0; p < job.prompts; p++) {
      check(await lib.mod.collect(model.sample(prompt(p)), job.samples), p, job.samples);
    }
  });
  return job.prompts * job.samples / time;
}

/** Throws unless `got` is the `count` samples of prompt `p`. */
export function check(got: readonly string[], p: number, count: number): void {
  if (got.length !== count || got[count - 1] !== sample(p, count - 1)) {
    throw new Error(`prompt ${p}: read ${got.length} samples, not the ${count} stored`);
  }
}

const job: Job = JSON.parse(Deno.args[0]!);
const lib = await openLibrary(job.root);
const store = await open(lib, job);
try {
  if (job.mode === "build") await build(lib, job, store);
  else {
    const floor = job.floor ? await floorOf(job.kind, job.location, KEY) : undefined;
    const cache: number[] = [];
    const floors: number[] = [];
    for (let pass = 0; pass < WARM_UP + PASSES; pass++) {
      const pair = [
        async () => cache.push(await replay(lib, job, store)),
        async () => floor && floors.push(await floor.read(job.prompts, job.samples)),
      ];
      for (const measure of job.cacheFirst ? pair : pair.reverse()) await measure();
    }
    await floor?.close();
    const rates: Rates = { cache: median(cache.slice(WARM_UP)) };
    if (floor !== undefined) rates.floor = median(floors.slice(WARM_UP));
    console.log(JSON.stringify(rates));
  }
} finally {
  await store?.close();
}
