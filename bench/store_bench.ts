// Store throughput: warm reads and cold writes of 1 KB samples at three
// shapes (prompts × samples), on the filesystem, Deno KV and SQLite, the wall
// time of a cold `deno run` that reads one sample from a 100,000-sample cache,
// and (printed) the disk footprint of that cache in KV and SQLite against the
// bytes of its samples.
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
import { SqliteStore } from "../cache/sqlite_store.ts";
import type { Store } from "../cache/store.ts";
import { CountingModel } from "../tests/_support/mock_model.ts";

const SHAPES: [number, number][] = [[1000, 10], [100, 100], [10, 1000]];
const ALIAS = "bench";
const KEY = `${ALIAS}_1`;

const base = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "store-bench-" });
const open: Store[] = [];
globalThis.addEventListener("unload", () => {
  for (const store of open) store.close();
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

/** `store`, filled with `prompts` × `samples` samples, one append per prompt. */
async function fill<S extends Store>(store: S, prompts: number, samples: number): Promise<S> {
  for (let p = 0; p < prompts; p++) {
    const key = { model: KEY, hash: promptHash(prompt(p)) };
    await store.append(key, {
      from: 0,
      samples: Array.from({ length: samples }, (_, i) => sample(p, i)),
      prompt: prompt(p),
    });
  }
  return store;
}

const shapeOf = (name: string) => name.split("x").map(Number) as [number, number];

const fsCache = once((shape) => {
  const dir = `${base}/fs-${shape}`;
  writeFs(dir, ...shapeOf(shape));
  return Promise.resolve(dir);
});
/** A store kept open for the warm reads, closed when the run ends. */
async function keepOpen(store: Promise<Store>, shape: string): Promise<Store> {
  const opened = await store;
  open.push(opened);
  return await fill(opened, ...shapeOf(shape));
}
const kvCache = once((shape) => keepOpen(KvStore.open(`${base}/kv-${shape}.kv`), shape));
const sqliteCache = once((shape) =>
  keepOpen(SqliteStore.open(`${base}/sqlite-${shape}.db`), shape)
);
const warmStores: Record<string, (shape: string) => Promise<Store>> = {
  fs: async (shape) => new FsStore(await fsCache(shape)),
  kv: kvCache,
  sqlite: sqliteCache,
};

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

for (const [kind, warmStore] of Object.entries(warmStores)) {
  for (const [prompts, samples] of SHAPES) {
    const shape = `${prompts}x${samples}`;
    Deno.bench({
      name: `${kind} warm read ${shape}`,
      group: "warm read",
      n: 10,
      warmup: 2,
      async fn(t) {
        const store = await warmStore(shape);
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

/** Writes through `Persistent` into `store`, then closes it. */
async function coldWriteTo(
  store: Promise<Store>,
  prompts: number,
  samples: number,
  batch = 1,
): Promise<void> {
  const opened = await store;
  try {
    await writeAll(opened, prompts, samples, batch);
  } finally {
    await opened.close();
  }
}

for (const [prompts, samples] of SHAPES) {
  const shape = `${prompts}x${samples}`;
  coldWrite(`fs cold write ${shape}`, (t) => writeAll(new FsStore(t), prompts, samples));
  coldWrite(
    `kv cold write ${shape}`,
    (t) => coldWriteTo(KvStore.open(`${t}/cache.kv`), prompts, samples),
  );
  // One transaction per append: at batch 1, one per sample.
  coldWrite(
    `sqlite cold write ${shape}`,
    (t) => coldWriteTo(SqliteStore.open(`${t}/cache.db`), prompts, samples),
  );
}

// Deno KV commits once per claim of up to 10 indices: batches amortize it.
coldWrite(
  "kv cold write 100x100, batch 10",
  (t) => coldWriteTo(KvStore.open(`${t}/cache.kv`), 100, 100, 10),
);

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
/** Builds a 1,000 × 100-sample cache in the file `path`, closes it and prints its footprint. */
async function bigFile(path: string, store: Promise<Store>): Promise<string> {
  await (await fill(await store, 1000, 100)).close();
  let bytes = 0;
  for await (const entry of Deno.readDir(base)) {
    if (entry.name.startsWith(path.slice(base.length + 1))) {
      bytes += (await Deno.stat(`${base}/${entry.name}`)).size;
    }
  }
  const data = 1000 * 100 * sample(0, 0).length;
  console.log(
    `footprint of 100,000 samples of 1 KB in ${path.slice(base.length + 1)}: ` +
      `${(bytes / 1e6).toFixed(1)} MB on disk for ${(data / 1e6).toFixed(1)} MB of samples ` +
      `= ${(bytes / data).toFixed(2)}× the data`,
  );
  return path;
}
const bigKv = once(() => bigFile(`${base}/kv-big.kv`, KvStore.open(`${base}/kv-big.kv`)));
const bigSqlite = once(() =>
  bigFile(`${base}/sqlite-big.db`, SqliteStore.open(`${base}/sqlite-big.db`))
);

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
Deno.bench({
  name: "cold deno run: 1 sample of a 100,000-sample SQLite cache",
  group: "cold process",
  n: 10,
  warmup: 2,
  async fn(t) {
    const path = await bigSqlite("");
    const flags = [`--allow-read=${path}`, `--allow-write=${path}`];
    await run(["run", ...flags, "bench/read_one.ts", `sqlite:${path}`, ALIAS, prompt(500)], t);
  },
});
