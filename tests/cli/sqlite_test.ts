// The command line on a SQLite file: `deno run cli/mod.ts …` as a subprocess,
// without --unstable-kv, with read and write permission for the files only.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { FsStore } from "../../cache/fs_store.ts";
import { promptHash } from "../../core/model_key.ts";
import { expected, MNIMI_CACHE } from "../_support/mnimi_fixture.ts";
import { cli } from "../_support/cli_run.ts";

Deno.test("cache copy: folder → sqlite: → folder; stats and verify on the file", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const file = `${dir}/cache.db`;
    const spec = `sqlite:${file}`;
    const rw = [`--allow-read=${MNIMI_CACHE},${dir}`, `--allow-write=${dir}`];
    const there = await cli(["copy", MNIMI_CACHE, spec, "--json"], rw);
    assert.equal(there.code, 0, there.stderr);
    assert.equal(JSON.parse(there.stdout).copied, 124);
    assert.equal(JSON.parse(there.stdout).sequences, expected.length);

    // Only the file itself: SQLite opens its -wal and -shm files on its own.
    const only = [`--allow-read=${file}`, `--allow-write=${file}`];
    const stats = await cli(["stats", spec, "--json"], only);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).total.samples, 124);
    const verified = await cli(["verify", spec], only);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /no problems found/);

    const back = await cli(["copy", spec, `${dir}/back`], rw);
    assert.equal(back.code, 0, back.stderr);
    // Everything came back, byte for byte, prompt texts included.
    const fixture = new FsStore(MNIMI_CACHE);
    const copy = new FsStore(`${dir}/back`);
    let samples = 0;
    for await (const model of fixture.models()) {
      const prompts = await Array.fromAsync(fixture.prompts(model));
      assert.deepEqual(await Array.fromAsync(copy.prompts(model)), prompts);
      for (const { hash } of prompts) {
        const stored = await fixture.load({ model, hash }, 0);
        assert.deepEqual(await copy.load({ model, hash }, 0), stored);
        samples += stored.length;
      }
    }
    assert.equal(samples, 124);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache stats: a missing sqlite: file exits 2 and creates nothing", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const file = `${dir}/typo.db`;
    const run = await cli(["stats", `sqlite:${file}`], [`--allow-read=${dir}`]);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /does not exist/);
    await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache: on a sqlite: file with read permission only, it reads and refuses to write", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const file = `${dir}/cache.db`;
    const copied = await cli(["copy", MNIMI_CACHE, `sqlite:${file}`], [
      `--allow-read=${MNIMI_CACHE},${dir}`,
      `--allow-write=${dir}`,
    ]);
    assert.equal(copied.code, 0, copied.stderr);
    const before = await Deno.readFile(file);

    const readOnly = [`--allow-read=${MNIMI_CACHE},${file}`];
    const stats = await cli(["stats", `sqlite:${file}`, "--json"], readOnly);
    assert.equal(stats.code, 0, stats.stderr);
    assert.equal(JSON.parse(stats.stdout).total.samples, 124);

    // A new file cannot be created without write permission.
    const into = await cli(["copy", `sqlite:${file}`, `sqlite:${dir}/new.db`], readOnly);
    assert.equal(into.code, 3, into.stdout + into.stderr);
    assert.ok(into.stderr.includes(`--allow-write=${dir}/new.db`), into.stderr);
    await assert.rejects(Deno.stat(`${dir}/new.db`), Deno.errors.NotFound);

    // Nor can an existing one be written.
    const more = await new FsStore(`${dir}/more`).append(
      { model: "m_1", hash: promptHash("new") },
      { from: 0, samples: ["new"], prompt: "new" },
    );
    assert.deepEqual(more, ["new"]);
    const write = await cli(["copy", `${dir}/more`, `sqlite:${file}`], [`--allow-read=${dir}`]);
    assert.equal(write.code, 3, write.stdout + write.stderr);
    assert.ok(write.stderr.includes(`--allow-write=${file}`), write.stderr);
    assert.deepEqual(await Deno.readFile(file), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cache verify: in a sqlite: file, a sample that is not UTF-8 is a problem, not a crash", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const file = `${dir}/cache.db`;
    const only = [`--allow-read=${MNIMI_CACHE},${file}`, `--allow-write=${file}`];
    const there = await cli(["copy", MNIMI_CACHE, `sqlite:${file}`, "--model", "gpt-4o_1"], only);
    assert.equal(there.code, 0, there.stderr);
    const db = new DatabaseSync(file);
    db.exec("UPDATE samples SET sample = CAST(x'c328' AS TEXT) WHERE idx = 0");
    db.close();
    const verified = await cli(["verify", `sqlite:${file}`, "--json"], only);
    assert.equal(verified.code, 1, verified.stderr);
    const problems = JSON.parse(verified.stdout).problems as { kind: string; detail: string }[];
    assert.equal(problems.length, 6); // every prompt of gpt-4o_1 lost its sample 0
    for (const p of problems) {
      assert.equal(p.kind, "unreadable");
      assert.match(p.detail, /sample 0 of gpt-4o_1\/\w+ is not valid UTF-8/);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
