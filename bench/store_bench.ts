// Store throughput: warm reads and cold writes of 1 KB samples at three
// shapes (prompts × samples), on the filesystem and on Deno KV, and the wall
// time of a cold `deno run` that reads one sample from a 100,000-sample cache.
//
// Every read or write iteration handles 10,000 samples: samples/s = 10,000 /
// time per iteration. Caches are built on first use (not timed) in
// tests/.tmp and removed when the run ends. Deno checks a scoped permission
// (--allow-read=.) on every file call, which about doubles the cost of
// reading a small file compared with -A. Run alone, e.g.
//   npx deno bench --unstable-kv --allow-read=. --allow-write=./tests/.tmp \
//     --allow-env=HOME --allow-run=deno bench/store_bench.ts

import { collect, promptHash } from "../mod.ts";
import { FsStore } from "../cache/fs_store.ts";
import { KvStore } from "../cache/kv_store.ts";
import { Persistent } from "../cache/persistent.ts";
import type { Store } from "../cache/store.ts";
import { CountingModel } from "../tests/mock_model.ts";

const SHAPES: [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
const ALIAS = "bench";
const KEY = `${ALIAS}_1`;

const base = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "store-bench-" });
const open: KvStore[] = [];
globalThis.addEventListener("unload", () => {
  for (const kv of open) kv.close();
  Deno.removeSync(base, { recursive: true });
});

const prompt = (p: number) => `prompt ${p}`;
/** 1 KB, different for every prompt and index. */
const sample = (p: number, i: number) => `${p}:${i}:`.padEnd(1024, "x");

/** Builds `key` once, on first use. */
function once<T>(build: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const built = new Map<string, Promise<T>>();
  return (key) => {
    let value = built.get(key);
    if (value === undefined) built.set(key, value = build(key));
    return value;
  };
}

/** A mnimi-layout cache with one file per sample, written directly (it is the format). */
function writeFs(dir: string, prompts: number, samples: number): void {
  for (let p = 0; p < prompts; p++) {
    const folder = `${dir}/${KEY}/${promptHash(prompt(p))}`;
    Deno.mkdirSync(folder, { recursive: true });
    for (let i = 0; i < samples; i++) Deno.writeTextFileSync(`${folder}/${i}.md`, sample(p, i));
  }
}

async function writeKv(path: string, prompts: number, samples: number): Promise<KvStore> {
  const store = await KvStore.open(path);
  open.push(store);
  for (let p = 0; p < prompts; p++) {
    const key = { model: KEY, hash: promptHash(prompt(p)) };
    await store.append(key, 0, Array.from({ length: samples }, (_, i) => sample(p, i)), prompt(p));
  }
  return store;
}

const shapeOf = (name: string) => name.split("x").map(Number) as [number, number];

const fsCache = once((shape) => {
  const dir = `${base}/fs-${shape}`;
  writeFs(dir, ...shapeOf(shape));
  return Promise.resolve(dir);
});
const kvCache = once((shape) => writeKv(`${base}/kv-${shape}.kv`, ...shapeOf(shape)));

async function readAll(store: Store, prompts: number, samples: number): Promise<void> {
  const model = new Persistent(new CountingModel(ALIAS, 1), store, { replication: true });
  for (let p = 0; p < prompts; p++) {
    const got = await collect(model.sample(prompt(p)), samples);
    if (got[samples - 1] !== sample(p, samples - 1)) throw new Error("wrong sample read");
  }
}

async function writeAll(
  store: Store,
  prompts: number,
  samples: number,
  batch = 1,
): Promise<void> {
  const model = new Persistent(new CountingModel(ALIAS, 1, { maxBatch: batch }), store);
  for (let p = 0; p < prompts; p++) await collect(model.sample(prompt(p), batch), samples);
}

for (const kind of ["fs", "kv"] as const) {
  for (const [prompts, samples] of SHAPES) {
    const shape = `${prompts}x${samples}`;
    Deno.bench({
      name: `${kind} warm read ${shape}`,
      group: "warm read",
      n: 10,
      warmup: 2,
      async fn(t) {
        const store = kind === "fs" ? new FsStore(await fsCache(shape)) : await kvCache(shape);
        t.start();
        await readAll(store, prompts, samples);
        t.end();
      },
    });
  }
}

/** One cold-write bench: a fresh folder, `write` into it timed, then removed. */
function coldWrite(
  name: string,
  write: (target: string) => Promise<void>,
  baseline = false,
): void {
  Deno.bench({
    name,
    group: "cold write",
    baseline,
    n: 1,
    warmup: 0,
    async fn(t) {
      const target = await Deno.makeTempDir({ dir: base });
      t.start();
      await write(target);
      t.end();
      await Deno.remove(target, { recursive: true });
    },
  });
}

async function coldWriteKv(target: string, prompts: number, samples: number, batch = 1) {
  const store = await KvStore.open(`${target}/cache.kv`);
  try {
    await writeAll(store, prompts, samples, batch);
  } finally {
    await store.close();
  }
}

for (const [prompts, samples] of SHAPES) {
  const shape = `${prompts}x${samples}`;
  coldWrite(`fs cold write ${shape}`, (t) => writeAll(new FsStore(t), prompts, samples));
  coldWrite(`kv cold write ${shape}`, (t) => coldWriteKv(t, prompts, samples));
}

// Deno KV commits once per claim of up to 10 indices: batches amortize it.
coldWrite("kv cold write 100x100, batch 10", (t) => coldWriteKv(t, 100, 100, 10));

// The floor of a filesystem write: creating a file (a new inode) per sample,
// which the Python original does too.
coldWrite("baseline: create 10,000 files of 1 KB", (t) => {
  writeFs(t, 100, 100);
  return Promise.resolve();
}, true);

// 100,000 samples: 1,000 prompts × 100. To build it fast, the prompt folders
// share the 100 sample files of prompt 0 by hard links (a directory entry per
// sample, as in any cache); the prompt that is read has its own files.
// (Deno.bench awaits only `async` functions, hence `async` everywhere below.)
const bigFs = once(() => {
  const dir = `${base}/fs-big`;
  writeFs(dir, 1, 100);
  const source = `${dir}/${KEY}/${promptHash(prompt(0))}`;
  for (let p = 1; p < 1000; p++) {
    const folder = `${dir}/${KEY}/${promptHash(prompt(p))}`;
    Deno.mkdirSync(folder);
    for (let i = 0; i < 100; i++) {
      if (p === 500) Deno.writeTextFileSync(`${folder}/${i}.md`, sample(p, i));
      else Deno.linkSync(`${source}/${i}.md`, `${folder}/${i}.md`);
    }
  }
  return Promise.resolve(dir);
});
const bigKv = once(async () => {
  const path = `${base}/kv-big.kv`;
  (await writeKv(path, 1000, 100)).close();
  open.pop();
  return path;
});

async function run(args: string[], t: Deno.BenchContext): Promise<void> {
  t.start();
  const { success, stderr } = await new Deno.Command("deno", { args, stdout: "null" }).output();
  t.end();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
}

Deno.bench({
  name: "cold deno run: empty script",
  group: "cold process",
  baseline: true,
  n: 10,
  warmup: 2,
  async fn(t) {
    await run(["run", "bench/empty.ts"], t);
  },
});
Deno.bench({
  name: "cold deno run: 1 sample of a 100,000-sample fs cache",
  group: "cold process",
  n: 10,
  warmup: 2,
  async fn(t) {
    const dir = await bigFs("");
    await run(["run", `--allow-read=${dir}`, "bench/read_one.ts", dir, ALIAS, prompt(500)], t);
  },
});
Deno.bench({
  name: "cold deno run: 1 sample of a 100,000-sample KV cache",
  group: "cold process",
  n: 10,
  warmup: 2,
  async fn(t) {
    const path = await bigKv("");
    const flags = ["--unstable-kv", `--allow-read=${path}`, `--allow-write=${path}`];
    await run(["run", ...flags, "bench/read_one.ts", `kv:${path}`, ALIAS, prompt(500)], t);
  },
});
