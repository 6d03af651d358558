// `deno task bench`: the figures of issues 13 and 21, each next to the floor
// or baseline it is a ratio to, measured in the same run, so that the gap
// reads the same on any machine. Every figure is the median of interleaved
// rounds (ratios are taken within a round, then their median), with the
// spread of the rounds; the machine may be shared.
//
//   deno task bench [--rounds=5] [--baseline=<folder> …]
//
// A baseline is another checkout of the library (e.g. `git worktree add
// /tmp/base 0c83f68`): the reads, the cold start and the memory are measured
// for it too, in turn with this one in every round, each version driven
// through its public API, and this checkout's figures are given as ratios
// to its.
//
// Folders are kept until the run ends: on ext4 without a journal, creating a
// file just after thousands were deleted costs several times more, which
// would make each measure depend on the one before.

import { FsStore } from "../cache/fs_store.ts";
import { KvStore } from "../cache/kv_store.ts";
import { SqliteStore } from "../cache/sqlite_store.ts";
import type { Store } from "../cache/store.ts";
import { median, SHAPES } from "./_fixture.ts";
import { FS_MEASURES } from "./_fs_writes.ts";
import {
  bigStore,
  coldRead,
  hits,
  kvCommits,
  latencyFloor,
  LIVE,
  liveRun,
  LiveServer,
  sqliteCommits,
  storeWrite,
  warmRead,
} from "./_measures.ts";
import { pythonSource, pythonWrite } from "./_python.ts";
import { FloorRounds, MEMORY, memoryName, readName, READS, type Version } from "./_floor_rounds.ts";
import { BENCH_REDIS_URL } from "./redis_url.ts";

const ROUNDS = Number(Deno.args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 5);
const SELF: Version = { name: "this checkout", root: Deno.cwd() };
const BASELINES: Version[] = Deno.args.filter((a) => a.startsWith("--baseline=")).map((a) => {
  const root = a.slice("--baseline=".length).replace(/\/+$/, "");
  return { name: root.split("/").at(-1)!, root };
});
const KV_SHAPE = [100, 20] as const;
// Issue 21 item 4 (no cost when alone): cold writes with claims on and off.
const CLAIM_SHAPE = [50, 20] as const;
const CLAIM_STORES: readonly [string, () => Promise<Store>][] = [
  ["folder", () => Promise.resolve(new FsStore(fresh()))],
  ["SQLite", () => SqliteStore.open(`${fresh()}.db`)],
  ["Deno KV", () => KvStore.open(`${fresh()}.kv`)],
];
const base = Deno.realPathSync(await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "bench-" }));
let made = 0;
const fresh = () => `${base}/${made++}`;
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));

const runs: Record<string, number[]> = {};
const notes: string[] = [];
const record = (name: string, value: number) => (runs[name] ??= []).push(value);
const shapeName = ([prompts, samples]: readonly [number, number]) => `${prompts}×${samples}`;

// Built once: the 100,000-sample stores (footprint, cold open).
const data = 1000 * 100 * 1024;
const kvBig = `${base}/big.kv`;
const kvBytes = await bigStore(() => KvStore.open(kvBig), [kvBig, `${kvBig}-wal`, `${kvBig}-shm`]);
const sqliteBig = `${base}/big.db`;
const sqliteBytes = await bigStore(
  () => SqliteStore.open(sqliteBig),
  [sqliteBig, `${sqliteBig}-wal`, `${sqliteBig}-shm`],
);

// Issue 21's stores and caches, for every version.
const floorRounds = new FloorRounds(`${base}/floor`, [SELF, ...BASELINES], BENCH_REDIS_URL);
notes.push(...await floorRounds.prepare());
// The live runs' server answers in a process of its own.
await using server = await LiveServer.start();

// Read by sample() in every round: 100 × 100 samples stored with their
// metadata, and without (sample() never reads it).
const fsWithMeta = fresh();
const fsWithout = fresh();
await storeWrite(new FsStore(fsWithMeta), 100, 100, false, true);
await storeWrite(new FsStore(fsWithout), 100, 100);

// A first pass compiles the code paths, so that no measure of round 1 pays for it.
for (const measure of Object.values(FS_MEASURES)) await measure(fresh(), 10, 100);
await storeWrite(await KvStore.open(`${fresh()}.kv`), 10, 20);
await hits();

for (let round = 0; round < ROUNDS; round++) {
  const flip = <T>(list: T[]) => round % 2 === 0 ? list : [...list].reverse();
  console.error(`round ${round + 1} of ${ROUNDS}`);
  for (const shape of SHAPES) {
    const measures: [string, () => Promise<number | string>][] = [
      ...Object.entries(FS_MEASURES).map(([name, measure]) =>
        [name, () => measure(fresh(), ...shape)] as [string, () => Promise<number>]
      ),
      ["python", () => pythonWrite(fresh(), ...shape)],
    ];
    for (const [name, measure] of flip(measures)) {
      const rate = await measure();
      if (typeof rate === "number") record(`disk ${shapeName(shape)} ${name}`, rate);
      else if (!notes.includes(rate)) notes.push(rate);
    }
  }
  const tmpfs = await tmpfsRound();
  if (typeof tmpfs === "string") {
    if (!notes.includes(tmpfs)) notes.push(tmpfs);
  } else {
    for (const [shape, rates] of Object.entries(tmpfs)) {
      for (const [name, rate] of Object.entries(rates)) record(`tmpfs ${shape} ${name}`, rate);
    }
  }
  for (
    const [name, measure] of flip<[string, () => Promise<number>]>([
      ["kv commits", () => kvCommits(`${fresh()}.kv`, 2000)],
      ["kv one by one", async () => storeWrite(await KvStore.open(`${fresh()}.kv`), ...KV_SHAPE)],
      [
        "kv together",
        async () => storeWrite(await KvStore.open(`${fresh()}.kv`), ...KV_SHAPE, true),
      ],
      ["sqlite write", async () => storeWrite(await SqliteStore.open(`${fresh()}.db`), 100, 100)],
      ["sqlite sample rows", () => sqliteCommits(`${fresh()}.db`, 10_000, "sample")],
      ["sqlite sample+usage rows", () => sqliteCommits(`${fresh()}.db`, 10_000, "sample+usage")],
      ["fs write", () => storeWrite(new FsStore(fresh()), 100, 100)],
      ["fs write meta", () => storeWrite(new FsStore(fresh()), 100, 100, false, true)],
      [
        "kv write meta",
        async () => storeWrite(await KvStore.open(`${fresh()}.kv`), ...KV_SHAPE, false, true),
      ],
      [
        "sqlite write meta",
        async () => storeWrite(await SqliteStore.open(`${fresh()}.db`), 100, 100, false, true),
      ],
      ["fs read", () => warmRead(new FsStore(fsWithout), 100, 100)],
      ["fs read meta", () => warmRead(new FsStore(fsWithMeta), 100, 100)],
      ...CLAIM_STORES.flatMap(([store, open]) =>
        [true, false].map((on): [string, () => Promise<number>] => [
          `claims ${on ? "on" : "off"} ${store}`,
          async () => storeWrite(await open(), ...CLAIM_SHAPE, true, false, on),
        ])
      ),
      ["live none", () => liveRun(server, undefined)],
      ["live fs", () => liveRun(server, fresh())],
    ])
  ) record(name, await measure());
  const { repeatable, independent } = await hits();
  record("hits repeatable", repeatable);
  record("hits independent", independent);
  const flags = [`--allow-read=${sqliteBig}`, `--allow-write=${sqliteBig}`];
  const [read, empty] = await coldRead(`sqlite:${sqliteBig}`, flags);
  record("sqlite open", read - empty);
  record("deno start", empty);
  await floorRounds.round(round, record);
}

/** One tmpfs round in a child process (Deno lets only -A write under /dev), or why not. */
async function tmpfsRound(): Promise<Record<string, Record<string, number>> | string> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: ["run", "-A", "bench/_tmpfs_child.ts", ...SHAPES.map(([p, s]) => `${p}x${s}`)],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) return `tmpfs round failed: ${new TextDecoder().decode(stderr)}`;
  const result = JSON.parse(new TextDecoder().decode(stdout));
  if (typeof result.absent === "string") return result.absent;
  const rates: Record<string, Record<string, number>> = {};
  for (const [shape, values] of Object.entries(result)) {
    rates[shape.replace("x", "×")] = values as Record<string, number>;
  }
  return rates;
}

// The report.

const med = (name: string) => runs[name] === undefined ? NaN : median(runs[name]!);
/** The median over rounds of `a / b`, both measured in the same round. */
const ratio = (a: string, b: string) => {
  const [x, y] = [runs[a], runs[b]];
  if (x === undefined || y === undefined) return NaN;
  return median(x.map((v, k) => v / y[k]!));
};
const rate = (n: number) => Number.isNaN(n) ? "—" : `${Math.round(n).toLocaleString("en")}/s`;
/** The lowest and highest value of a figure over the rounds, as `a–b`. */
const spread = (values: number[] | undefined, format: (n: number) => string) =>
  values === undefined ? "—" : `${format(Math.min(...values))}–${format(Math.max(...values))}`;
/** The per-round ratios `a / b`, as a spread. */
const ratioSpread = (a: string, b: string) => {
  const [x, y] = [runs[a], runs[b]];
  return x === undefined || y === undefined
    ? "—"
    : spread(x.map((v, k) => v / y[k]!), (n) => n.toFixed(2));
};
const times = (n: number) => Number.isNaN(n) ? "—" : `${n.toFixed(2)}×`;
const rows: string[][] = [];
const row = (measure: string, after: string, baseline: string, result: string, target: string) =>
  rows.push([measure, after, baseline, result, target]);

/** The rows of one medium's cold writes: through Persistent against each floor. */
const writeRows = (medium: string, label: string, target: string) => {
  for (const shape of SHAPES.map(shapeName)) {
    const m = (name: string) => `${medium} ${shape} ${name}`;
    const of = (name: string) => times(ratio(m("fs"), m(name)));
    row(
      `${label} cold write ${shape}, batch 1, through Persistent`,
      rate(med(m("fs"))),
      `raw 1 KB file creation (O_EXCL) ${rate(med(m("raw")))}; crash-safe floor (temp + link + ` +
        `unlink) ${times(ratio(m("crash-safe"), m("raw")))} of raw; with the usage line ` +
        `${times(ratio(m("crash-safe+usage"), m("raw")))}; FsStore.append alone (no engine, ` +
        `no usage) ${times(ratio(m("store"), m("raw")))}`,
      `${of("raw")} of raw, ${of("crash-safe+usage")} of the floor with the usage line`,
      target,
    );
    if (runs[m("python")] === undefined) continue;
    row(
      `  the same against the Python original`,
      rate(med(m("fs"))),
      `Python original ${rate(med(m("python")))}`,
      of("python"),
      "≥ 1×",
    );
  }
};
writeRows("disk", "filesystem", "≥ 0.8× of raw");
writeRows("tmpfs", "tmpfs (/dev/shm)", "≥ 0.5× of raw");
const [kvPrompts, kvSamples] = KV_SHAPE;
row(
  `Deno KV cold write, batch 1, ${kvPrompts} prompts × ${kvSamples}, all prompts at once`,
  rate(med("kv together")),
  `raw creation (disk 100×100) ${rate(med("disk 100×100 raw"))}`,
  `${times(ratio("kv together", "disk 100×100 raw"))} of raw creation`,
  "≥ 3,000/s",
);
row(
  `  the same, one prompt after another (a commit per sample)`,
  rate(med("kv one by one")),
  `one atomic commit per 1 KB sample ${rate(med("kv commits"))}`,
  `${times(ratio("kv one by one", "kv commits"))} of one commit per sample`,
  "—",
);
for (const [store] of CLAIM_STORES) {
  const [on, off] = [`claims on ${store}`, `claims off ${store}`];
  row(
    `${store} cold write ${CLAIM_SHAPE.join("×")}, batch 1, all prompts at once, claims on ` +
      `(a process alone)`,
    rate(med(on)),
    `claims off (\`claims: false\`) ${rate(med(off))}`,
    `${times(ratio(on, off))} of claims off (rounds ${ratioSpread(on, off)})`,
    "≥ 0.8×",
  );
}
const floor = latencyFloor();
const LIVE_FILES = LIVE.prompts * (LIVE.samples + 2);
row(
  `${LIVE.prompts} prompts × ${LIVE.samples} at ${LIVE.latency} ms, concurrency ${LIVE.concurrency}, ` +
    `through Persistent`,
  `${med("live fs").toFixed(2)} s`,
  `latency floor ${floor.toFixed(2)} s; no cache ${med("live none").toFixed(2)} s = ` +
    `${(floor / med("live none")).toFixed(2)} of the floor; its ${LIVE_FILES} file creations ` +
    `(a folder, prompt.txt and ${LIVE.samples} samples per prompt) alone take ` +
    `${(LIVE_FILES / med("disk 1000×10 raw")).toFixed(2)} s at this run's raw creation rate`,
  `${median(runs["live fs"]!.map((t) => floor / t)).toFixed(2)} of the floor`,
  "≥ 0.85",
);
row(
  "`Independent(Repeatable)` hits",
  `${med("hits independent").toFixed(2)} M/s`,
  `\`Repeatable\` ${med("hits repeatable").toFixed(2)} M/s`,
  times(ratio("hits independent", "hits repeatable")),
  "≥ 6 M/s",
);
row(
  "Deno KV on disk, 100k × 1 KB",
  `${(kvBytes / 2 ** 20).toFixed(0)} MiB`,
  `${(data / 1e6).toFixed(1)} MB of samples`,
  times(kvBytes / data),
  "≤ 2×",
);
row(
  "SQLite cold write 100×100, batch 1",
  rate(med("sqlite write")),
  `a bare transaction per sample (BEGIN IMMEDIATE, INSERT, COMMIT) in the store's tables: ` +
    `the sample's row ${rate(med("sqlite sample rows"))}, with its usage row ` +
    rate(med("sqlite sample+usage rows")),
  `${times(ratio("sqlite write", "sqlite sample+usage rows"))} of the bare transaction ` +
    `with both rows, ${times(ratio("sqlite write", "disk 100×100 raw"))} of raw file creation`,
  "≥ 20,000/s",
);
row(
  "cold write 100×100, batch 1, through Persistent, each sample with reply metadata " +
    "(finish reason, model id): folder",
  rate(med("fs write meta")),
  `without metadata ${rate(med("fs write"))}`,
  times(ratio("fs write meta", "fs write")),
  "—",
);
row(
  `  the same in Deno KV (${kvPrompts} × ${kvSamples}, one prompt after another)`,
  rate(med("kv write meta")),
  `without metadata ${rate(med("kv one by one"))}`,
  times(ratio("kv write meta", "kv one by one")),
  "—",
);
row(
  "  the same in SQLite",
  rate(med("sqlite write meta")),
  `without metadata ${rate(med("sqlite write"))}`,
  times(ratio("sqlite write meta", "sqlite write")),
  "—",
);
row(
  "warm read 100×100 through sample() of a folder whose samples have reply metadata",
  rate(med("fs read meta")),
  `a folder without ${rate(med("fs read"))}`,
  times(ratio("fs read meta", "fs read")),
  "≈ 1× (sample() never reads metadata)",
);
row(
  "SQLite on disk, 100k × 1 KB",
  `${(sqliteBytes / 2 ** 20).toFixed(0)} MiB`,
  `${(data / 1e6).toFixed(1)} MB of samples`,
  times(sqliteBytes / data),
  "≤ 1.3×",
);
row(
  "SQLite open of a 100k-sample file + one read (cold deno run, minus an empty one)",
  `${(med("sqlite open") * 1000).toFixed(0)} ms`,
  `an empty deno run ${(med("deno start") * 1000).toFixed(0)} ms`,
  "—",
  "< 80 ms",
);

// Issue 21: reads, start-up and memory, against their floors and the baselines.
/** `, 1.02× of <baseline> (its figure)` for each baseline with the figure `name(version)`. */
const againstBaselines = (name: (who: string) => string, format: (n: number) => string) =>
  BASELINES.filter((b) => runs[name(b.name)] !== undefined).map((b) =>
    `; ${times(ratio(name(SELF.name), name(b.name)))} of ${b.name} (${
      format(med(name(b.name)))
    }, ` +
    `rounds ${ratioSpread(name(SELF.name), name(b.name))})`
  ).join("");
const FLOORS: Record<string, string> = {
  fs: "hashing each prompt and reading 0.md, 1.md, … by name until the first missing file",
  sqlite: "one prepared SELECT of each prompt's samples (node:sqlite)",
  kv: "one list of each prompt's sample rows, pieces put back together",
  redis: "one LRANGE of each prompt's list",
};
const STORES: Record<string, string> = {
  fs: "folder",
  sqlite: "SQLite",
  kv: "Deno KV",
  redis: "Redis",
};
for (const read of READS) {
  const name = (who: string) => readName(read, who);
  if (runs[name(SELF.name)] === undefined) continue;
  const [prompts, samples] = read.shape;
  row(
    `${STORES[read.kind]} warm read ${prompts.toLocaleString("en")}×${samples}, replaying ` +
      `(a new Persistent each pass)`,
    `${rate(med(name(SELF.name)))} (rounds ${spread(runs[name(SELF.name)], rate)})`,
    `floor ${rate(med(name("floor")))}: ${FLOORS[read.kind]}`,
    `${times(ratio(name(SELF.name), name("floor")))} of the floor (rounds ` +
      `${ratioSpread(name(SELF.name), name("floor"))})${againstBaselines(name, rate)}`,
    read.kind === "fs" ? "≥ 0.9× of the floor, ≥ 1× of 0c83f68" : "≥ 1× of 0c83f68",
  );
}
const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;
row(
  "cold start to the first cached sample: a whole `deno run` importing the root module, " +
    "replaying a folder cache of 1,000 prompts × 100",
  `${ms(med(`cold ${SELF.name}`))} (rounds ${spread(runs[`cold ${SELF.name}`], ms)})`,
  `an empty deno run ${ms(med(`cold ${SELF.name} empty`))}`,
  `${times(ratio(`cold ${SELF.name}`, `cold ${SELF.name} empty`))} of the empty run, ` +
    `${ms(med(`cold ${SELF.name}`) - med(`cold ${SELF.name} empty`))} more` +
    againstBaselines((who) => `cold ${who}`, ms),
  "≤ 30 ms",
);
const bytes = (n: number) => `${n.toFixed(1)} B`;
for (const shape of MEMORY) {
  const name = (who: string) => memoryName(shape, who);
  row(
    `memory per cached sample beyond its string, ${shape[0].toLocaleString("en")} prompts × ` +
      `${shape[1].toLocaleString("en")} (in-memory cache, requests of 10 with their tokens)`,
    `${bytes(med(name(SELF.name)))} (rounds ${spread(runs[name(SELF.name)], bytes)})`,
    `floor ${bytes(med(name("floor")))}: a map from each prompt to an array of its samples`,
    `${times(ratio(name(SELF.name), name("floor")))} of the floor` +
      againstBaselines(name, bytes),
    shape[1] === 10 ? "≤ 160 B" : "≤ 30 B",
  );
}

const header = ["measure", "after", "baseline in the same run", "ratio", "target"];
console.log(
  `\nIssue 13 and 21 figures, medians of ${ROUNDS} interleaved rounds (1 KB samples)\n`,
);
console.log(`| ${header.join(" | ")} |\n| ${header.map(() => "---").join(" | ")} |`);
for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
if (!runs["disk 100×100 python"]) notes.push(`Python original not measured: see ${pythonSource()}`);
for (const note of notes) console.log(`\nnote: ${note}`);
