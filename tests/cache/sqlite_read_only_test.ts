// A SQLite cache at rest is one file: replayed from read-only media or with
// read permission only, it writes nothing beside it; a store that closes moves
// what it wrote into the file; a crashed writer's file becomes one file to
// ship with `cache copy`.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { promptHash } from "../../mod.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { cli } from "../_support/cli_run.ts";
import { withTempDir } from "../_support/temp_dir.ts";
import { runWithoutWriteAccess } from "../_support/without_write_access.ts";

const KEY = { model: "m_1", hash: promptHash("p") };

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** A cache file of `count` samples of the prompt "p", closed. */
async function cacheFile(path: string, count = 3): Promise<string[]> {
  const samples = Array.from({ length: count }, (_, k) => `sample ${k}`);
  const store = await SqliteStore.open(path);
  await store.append(KEY, {
    from: 0,
    samples,
    prompt: "p",
    usage: samples.map(() => ({ requests: 1, latencyMs: 1 })),
  });
  await store.close();
  return samples;
}

// Replays "p" from the file given, through Persistent in replication mode.
const REPLAY = `
import { collect } from "./mod.ts";
import { Persistent } from "./cache/persistent.ts";
import { openStore } from "./cache/open_store.ts";
import { CountingModel } from "./tests/_support/mock_model.ts";
const result = {};
try {
  const store = await openStore(Deno.args[0]);
  const model = new Persistent(new CountingModel("m", 1), store, { replication: true });
  result.samples = await collect(model.sample("p"), Number(Deno.args[1]));
  result.write = await store.checkAccess?.("write").then(() => "allowed", (e) => e.constructor.name);
  await store.close();
} catch (error) {
  result.error = error.message;
}
console.log(JSON.stringify(result));
`;

Deno.test({
  name: "SqliteStore: a replay from read-only media reads every sample and writes nothing",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno", "python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      const media = `${dir}/media`;
      await Deno.mkdir(media);
      const samples = await cacheFile(`${media}/cache.db`);
      const run = await runWithoutWriteAccess(media, dir, REPLAY, [
        `sqlite:${media}/cache.db`,
        "3",
      ]);
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout);
      assert.deepEqual(result, { samples, write: "PermissionDenied" }, run.stdout);
      assert.deepEqual(await names(media), ["cache.db"]);
    }),
});

Deno.test({
  name:
    "SqliteStore: a file left in WAL mode on read-only media is an error naming it and the way out",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno", "python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      const media = `${dir}/media`;
      await Deno.mkdir(media);
      await cacheFile(`${media}/cache.db`);
      // As an older version left every file, or a writer that never closed it.
      const db = new DatabaseSync(`${media}/cache.db`);
      db.exec("PRAGMA journal_mode = WAL");
      db.close();
      const run = await runWithoutWriteAccess(media, dir, REPLAY, [
        `sqlite:${media}/cache.db`,
        "3",
      ]);
      const { error } = JSON.parse(run.stdout);
      assert.match(error, new RegExp(`sqlite:${media}/cache\\.db`));
      assert.match(error, /write-ahead-log mode/);
      assert.match(error, /cache copy sqlite:.* sqlite:<new file>/);
    }),
});

/** Runs `script` (from stdin) in `deno run` with `flags` and `args`; its JSON output. */
async function child(script: string, flags: string[], args: string[]): Promise<unknown> {
  const process = new Deno.Command("deno", {
    args: ["run", "--no-lock", ...flags, "-", ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = process.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  const { code, stdout, stderr } = await process.output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

Deno.test({
  name: "SqliteStore: with read permission only, a replay leaves no -wal or -shm behind",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  fn: () =>
    withTempDir(async (dir) => {
      const samples = await cacheFile(`${dir}/cache.db`);
      const before = await Deno.readFile(`${dir}/cache.db`);
      const result = await child(REPLAY, ["--allow-read=."], [`sqlite:${dir}/cache.db`, "3"]);
      assert.deepEqual(result, { samples, write: "NotCapable" });
      assert.deepEqual(await names(dir), ["cache.db"]);
      assert.deepEqual(await Deno.readFile(`${dir}/cache.db`), before);
    }),
});

Deno.test("SqliteStore: opened with readOnly, it reads, refuses appends and writes nothing", () =>
  withTempDir(async (dir) => {
    const samples = await cacheFile(`${dir}/cache.db`);
    const before = await Deno.readFile(`${dir}/cache.db`);
    const store = await SqliteStore.open(`${dir}/cache.db`, { readOnly: true });
    try {
      assert.deepEqual(await store.load(KEY, 0), samples);
      await assert.rejects(store.append(KEY, { from: 3, samples: ["x"] }), TypeError);
      await assert.rejects(store.checkAccess("write"), /opened read-only/);
    } finally {
      await store.close();
    }
    assert.deepEqual(await names(dir), ["cache.db"]);
    assert.deepEqual(await Deno.readFile(`${dir}/cache.db`), before);
    await assert.rejects(
      SqliteStore.open(`${dir}/missing.db`, { readOnly: true }),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await names(dir), ["cache.db"]);
  }));

Deno.test("SqliteStore: a store that closes puts what it wrote in the file, while another stays open", () =>
  withTempDir(async (dir) => {
    const other = await SqliteStore.open(`${dir}/cache.db`);
    try {
      const writer = await SqliteStore.open(`${dir}/cache.db`);
      const samples = Array.from({ length: 500 }, (_, k) => `${k}`.padEnd(1000, "x"));
      for (let k = 0; k < 500; k += 50) {
        await writer.append(KEY, { from: k, samples: samples.slice(k, k + 50), prompt: "p" });
      }
      await writer.close();
      // The file copied alone, as a user ships it while a notebook still has it open.
      await Deno.mkdir(`${dir}/copy`);
      await Deno.copyFile(`${dir}/cache.db`, `${dir}/copy/cache.db`);
      const copy = await SqliteStore.open(`${dir}/copy/cache.db`, { readOnly: true });
      try {
        assert.equal((await copy.load(KEY, 0)).length, 500);
      } finally {
        await copy.close();
      }
    } finally {
      await other.close();
    }
    assert.deepEqual(await names(dir), ["cache.db", "copy"]);
  }));

// Stores samples, then dies before closing the store.
const CRASH = `
import { SqliteStore } from "./cache/sqlite_store.ts";
import { promptHash } from "./mod.ts";
const store = await SqliteStore.open(Deno.args[0]);
const key = { model: "m_1", hash: promptHash("p") };
for (let k = 0; k < 300; k++) {
  await store.append(key, { from: k, samples: [\`sample \${k}\`], prompt: "p" });
}
Deno.kill(Deno.pid, "SIGKILL");
`;

Deno.test({
  name: "cache copy: to a new sqlite: file makes one file to ship from a crashed writer's file",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno", "python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      const crash = new Deno.Command("deno", {
        args: ["run", "--no-lock", "--allow-read=.", `--allow-write=${dir}`, "-", `${dir}/run.db`],
        stdin: "piped",
        stdout: "null",
        stderr: "null",
      }).spawn();
      const writer = crash.stdin.getWriter();
      await writer.write(new TextEncoder().encode(CRASH));
      await writer.close();
      assert.equal((await crash.status).signal, "SIGKILL");
      assert.ok((await names(dir)).includes("run.db-wal"), "the samples wait in the -wal");
      await Deno.mkdir(`${dir}/media`);
      const copy = await cli(["copy", `sqlite:${dir}/run.db`, `sqlite:${dir}/media/ship.db`], [
        "--allow-read=tests",
        "--allow-write=tests/.tmp",
      ]);
      assert.equal(copy.code, 0, copy.stderr);
      assert.deepEqual(await names(`${dir}/media`), ["ship.db"]);
      // Shipped alone, on read-only media, it replays every sample.
      const run = await runWithoutWriteAccess(`${dir}/media`, dir, REPLAY, [
        `sqlite:${dir}/media/ship.db`,
        "300",
      ]);
      const result = JSON.parse(run.stdout);
      assert.equal(result.samples?.length, 300, run.stdout + run.stderr);
      assert.equal(result.samples[299], "sample 299");
    }),
});

Deno.test("cache: read commands open a SQLite file read-only: an older file is not upgraded", () =>
  withTempDir(async (dir) => {
    await cacheFile(`${dir}/cache.db`);
    // A file of the version before usage was stored.
    const old = new DatabaseSync(`${dir}/cache.db`);
    old.exec("DROP INDEX usage_of_sequence; DROP TABLE usage;");
    old.close();
    const before = await Deno.readFile(`${dir}/cache.db`);
    for (const command of ["stats", "ls", "verify"]) {
      const run = await cli([command, `sqlite:${dir}/cache.db`]);
      assert.equal(run.code, 0, `${command}: ${run.stderr}`);
    }
    assert.deepEqual(await Deno.readFile(`${dir}/cache.db`), before, "a read command wrote");
    assert.deepEqual(await names(dir), ["cache.db"]);
  }));
