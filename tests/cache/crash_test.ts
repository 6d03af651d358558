// Kills filesystem and SQLite writers with SIGKILL at random moments, then
// checks what only these stores show: the temporary files and torn usage
// lines a folder keeps, a SQLite file's integrity; and, as the conformance
// kit does for every store, that every sample is whole, that the sequence
// still reads, and that the usage records left behind each cover stored
// samples once.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { collect, promptHash } from "../../mod.ts";
import type { UsageRecord } from "../../core/accounting.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { killWhileWriting } from "../../testing/_children.ts";
import { isWhole } from "../../testing/_conformance_samples.ts";

const KILLS = 52;
const SLOTS = 4;

/**
 * Checks the usage records of a sequence of `stored` samples: each covers
 * stored indices only, none twice; returns how many samples have a record.
 */
function checkUsage(records: readonly UsageRecord[], stored: number, what: string): number {
  const covered = new Set<number>();
  for (const { from, count, completionTokens } of records) {
    assert.equal(completionTokens, count, `${what}: a record's sums are whole`);
    for (let i = from; i < from + count; i++) {
      assert.ok(i < stored, `${what}: a record for index ${i}, past the ${stored} stored`);
      assert.ok(!covered.has(i), `${what}: index ${i} has two records`);
      covered.add(i);
    }
  }
  return covered.size;
}

/** Kills writers on `spec` KILLS times, SLOTS at once; returns how many were started. */
async function killWriters(spec: string, path: string): Promise<number> {
  const flags = [`--allow-read=${path}`, `--allow-write=${path}`];
  let started = 0;
  await Promise.all(Array.from({ length: SLOTS }, async () => {
    while (started < KILLS) {
      await killWhileWriting({ script: "testing/_conformance_child.ts", flags }, [
        "crash",
        spec,
        String(started++),
      ]);
    }
  }));
  return started;
}

Deno.test(`FsStore: writers killed ${KILLS} times leave only whole samples`, async () => {
  const root = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const started = await killWriters(root, root);

    const store = new FsStore(root);
    let temps = 0;
    let torn = 0;
    let withUsage = 0;
    let samples = 0;
    for (const prompt of ["crash a", "crash b"]) {
      const folder = `${root}/crash_1/${promptHash(prompt)}`;
      const entries = await Array.fromAsync(Deno.readDir(folder));
      const md = entries.filter((e) => e.name.endsWith(".md")).map((e) => e.name);
      temps += entries.filter((e) => e.name.startsWith(".tmp-")).length;
      // Indices are contiguous from 0: a claim never leaves a gap.
      const indices = md.map((name) => Number(name.slice(0, -3))).sort((a, b) => a - b);
      assert.deepEqual(indices, indices.map((_, i) => i));
      for (const name of md) {
        assert.ok(isWhole(await Deno.readTextFile(`${folder}/${name}`)), `${name} is not whole`);
      }
      // Leftover temporary files don't disturb reading.
      const key = { model: "crash_1", hash: promptHash(prompt) };
      const loaded = await store.load(key, 0);
      assert.equal(loaded.length, md.length);
      const replay = new Persistent(new CountingModel("crash", 1), root, { replication: true });
      assert.deepEqual(await collect(replay.sample(prompt), loaded.length), loaded);
      // A writer killed between its samples and its usage line leaves samples
      // of unknown usage; one killed mid-line, a torn line that readers skip.
      const records = await store.usage(key);
      const covered = checkUsage(records, loaded.length, prompt);
      withUsage += covered;
      samples += loaded.length;
      const lines = (await Deno.readTextFile(`${folder}/usage.jsonl`)).split("\n");
      torn += lines.filter((line) => line !== "").length - records.length;
      assert.equal(replay.stats.saved.samples, loaded.length);
      assert.equal(replay.stats.saved.unknown, loaded.length - covered);
    }
    console.log(
      `${started} writers killed; ${temps} temporary files left behind; ` +
        `${withUsage} of ${samples} samples with usage, ${torn} torn usage lines`,
    );
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test(`SqliteStore: writers killed ${KILLS} times leave only whole samples`, async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const file = `${dir}/cache.db`;
  try {
    const started = await killWriters(`sqlite:${file}`, file);
    const store = await SqliteStore.open(file);
    const db = new DatabaseSync(file, { readOnly: true });
    try {
      const checks = db.prepare("PRAGMA integrity_check").all();
      assert.deepEqual(checks.map((row) => row.integrity_check), ["ok"]);
      const count = db.prepare(
        "SELECT count(*) AS n FROM samples JOIN sequences ON sequences.id = sequence WHERE hash = ?",
      );
      for (const prompt of ["crash a", "crash b"]) {
        const loaded = await store.load({ model: "crash_1", hash: promptHash(prompt) }, 0);
        assert.ok(loaded.length > 0, `no sample of ${prompt} was stored`);
        // Indices are contiguous from 0: every stored row is read.
        assert.equal(count.get(promptHash(prompt))?.n, loaded.length);
        for (const [i, sample] of loaded.entries()) assert.ok(isWhole(sample), `${i} is not whole`);
        // An append is one transaction: every stored sample has its usage, once.
        const key = { model: "crash_1", hash: promptHash(prompt) };
        assert.equal(checkUsage(await store.usage(key), loaded.length, prompt), loaded.length);
        const replay = new Persistent(new CountingModel("crash", 1), store, { replication: true });
        assert.deepEqual(await collect(replay.sample(prompt), loaded.length), loaded);
      }
    } finally {
      db.close();
      await store.close();
    }
    console.log(`${started} SQLite writers killed`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
