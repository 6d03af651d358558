// `deno task bench`: the figures of issue 13, each next to the baseline it is
// a ratio to, measured in the same run, so that the gap reads the same on
// any machine. Every figure is the median of interleaved rounds (ratios are
// taken within a round, then their median); the machine may be shared.
//
//   deno task bench [--rounds=5]
//
// Folders are kept until the run ends: on ext4 without a journal, creating a
// file just after thousands were deleted costs several times more, which
// would make each measure depend on the one before.

import { FsStore } from "../cache/fs_store.ts";
import { KvStore } from "../cache/kv_store.ts";
import { SqliteStore } from "../cache/sqlite_store.ts";
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
  sqliteCommits,
  storeWrite,
  warmRead,
} from "./_measures.ts";
import { pythonSource, pythonWrite } from "./_python.ts";

const ROUNDS = Number(Deno.args.find((a) => a.startsWith("--rounds="))?.slice(9) ?? 5);
const KV_SHAPE = [100, 20] as const;
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
      ["sqlite read", () => withStore(SqliteStore.open(sqliteBig), (s) => warmRead(s, 100, 100))],
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
      ["live none", () => liveRun(undefined)],
      ["live fs", () => liveRun(fresh())],
    ])
  ) record(name, await measure());
  const { repeatable, independent } = await hits();
  record("hits repeatable", repeatable);
  record("hits independent", independent);
  const flags = [`--allow-read=${sqliteBig}`, `--allow-write=${sqliteBig}`];
  const [read, empty] = await coldRead(`sqlite:${sqliteBig}`, flags);
  record("sqlite open", read - empty);
  record("deno start", empty);
}

async function withStore<S extends { close(): Promise<void> }>(
  opened: Promise<S>,
  use: (store: S) => Promise<number>,
): Promise<number> {
  const store = await opened;
  try {
    return await use(store);
  } finally {
    await store.close();
  }
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
row("SQLite warm read 100×100", rate(med("sqlite read")), "—", "—", "≥ 100,000/s");
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

const header = ["measure", "after", "baseline in the same run", "ratio", "target"];
console.log(`\nIssue 13 figures, medians of ${ROUNDS} interleaved rounds (1 KB samples)\n`);
console.log(`| ${header.join(" | ")} |\n| ${header.map(() => "---").join(" | ")} |`);
for (const cells of rows) console.log(`| ${cells.join(" | ")} |`);
if (!runs["disk 100×100 python"]) notes.push(`Python original not measured: see ${pythonSource()}`);
for (const note of notes) console.log(`\nnote: ${note}`);
