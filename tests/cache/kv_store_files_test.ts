// What KvStore does with the file it is given before Deno KV opens it: another
// program's database, a text file or a folder is refused with nothing written;
// read commands open a database read-only; on read-only media the error names
// the file and the way out.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { promptHash } from "../../mod.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { cli } from "../_support/cli_run.ts";
import { withTempDir } from "../_support/temp_dir.ts";
import { runWithoutWriteAccess } from "../_support/without_write_access.ts";

const KEY = { model: "m_1", hash: promptHash("p") };

async function names(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

/** Another program's SQLite database at `path`, in the journal mode given. */
function foreignDatabase(path: string, mode: "delete" | "wal"): void {
  const db = new DatabaseSync(path);
  db.exec(`PRAGMA journal_mode = ${mode}; CREATE TABLE accounts (id INTEGER, name TEXT)`);
  db.exec("INSERT INTO accounts VALUES (1, 'Ada')");
  db.close();
}

for (const mode of ["delete", "wal"] as const) {
  Deno.test(`cache: read commands refuse another program's SQLite file (${mode} mode), writing nothing`, () =>
    withTempDir(async (dir) => {
      const app = `${dir}/app.db`;
      foreignDatabase(app, mode);
      const before = await Deno.readFile(app);
      for (const args of [["stats"], ["ls"], ["verify"], ["show"], ["copy"]]) {
        const more = args[0] === "show" ? ["m_1", "abc"] : args[0] === "copy" ? [`${dir}/out`] : [];
        const run = await cli([...args, `kv:${app}`, ...more]);
        assert.equal(run.code, 2, `${args[0]}: ${run.stdout}${run.stderr}`);
        assert.match(
          run.stderr,
          /app\.db as a Deno KV database: it is a SQLite database of another program/,
        );
        assert.match(run.stderr, /"accounts"/);
      }
      assert.deepEqual(await Deno.readFile(app), before, "the file changed");
      assert.deepEqual(await names(dir), ["app.db"], "files appeared beside it");
    }));
}

Deno.test("KvStore.open: refuses a file that is not a Deno KV database, also to write", () =>
  withTempDir(async (dir) => {
    foreignDatabase(`${dir}/app.db`, "wal");
    await Deno.writeTextFile(`${dir}/notes.txt`, "my notes, not a database");
    await Deno.mkdir(`${dir}/folder`);
    const before = await Deno.readFile(`${dir}/app.db`);
    for (const options of [{}, { readOnly: true }]) {
      await assert.rejects(KvStore.open(`${dir}/app.db`, options), TypeError);
      await assert.rejects(KvStore.open(`${dir}/notes.txt`, options), /not a database/);
      await assert.rejects(KvStore.open(`${dir}/folder`, options), /it is a folder/);
    }
    assert.deepEqual(await Deno.readFile(`${dir}/app.db`), before);
    assert.equal(await Deno.readTextFile(`${dir}/notes.txt`), "my notes, not a database");
    assert.deepEqual(await names(dir), ["app.db", "folder", "notes.txt"]);
    assert.deepEqual(await names(`${dir}/folder`), []);
  }));

Deno.test("KvStore.open: an empty file or a SQLite file without tables becomes a database", () =>
  withTempDir(async (dir) => {
    await Deno.writeFile(`${dir}/empty.kv`, new Uint8Array());
    const blank = new DatabaseSync(`${dir}/blank.kv`);
    blank.exec("PRAGMA user_version = 1");
    blank.close();
    for (const name of ["empty.kv", "blank.kv"]) {
      // Only read, there is nothing to read: refused, nothing written.
      await assert.rejects(
        KvStore.open(`${dir}/${name}`, { readOnly: true }),
        /holds no Deno KV database/,
      );
      const store = await KvStore.open(`${dir}/${name}`);
      try {
        await store.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
      } finally {
        await store.close();
      }
      const reader = await KvStore.open(`${dir}/${name}`, { readOnly: true });
      try {
        assert.deepEqual(await reader.load(KEY, 0), ["x"]);
      } finally {
        await reader.close();
      }
    }
    await assert.rejects(
      KvStore.open(`${dir}/missing.kv`, { readOnly: true }),
      Deno.errors.NotFound,
    );
    assert.deepEqual(await names(dir), ["blank.kv", "empty.kv"]);
  }));

Deno.test("KvStore: a Deno KV database in use by another store is recognised from its write-ahead log", () =>
  withTempDir(async (dir) => {
    const writer = await KvStore.open(`${dir}/cache.kv`);
    try {
      await writer.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
      const reader = await KvStore.open(`${dir}/cache.kv`, { readOnly: true });
      try {
        assert.deepEqual(await reader.load(KEY, 0), ["x"]);
        await assert.rejects(reader.append(KEY, { from: 1, samples: ["y"] }), /opened read-only/);
        await assert.rejects(reader.checkAccess("write"), TypeError);
        await reader.checkAccess("read");
      } finally {
        await reader.close();
      }
    } finally {
      await writer.close();
    }
  }));

Deno.test("cache stats: on a Deno KV database it reads read-only: nothing added, nothing left beside it", () =>
  withTempDir(async (dir) => {
    const store = await KvStore.open(`${dir}/cache.kv`);
    await store.append(KEY, { from: 0, samples: ["x", "y"], prompt: "p" });
    await store.close();
    const run = await cli(["stats", `kv:${dir}/cache.kv`, "--json"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).total.samples, 2);
    assert.deepEqual(await names(dir), ["cache.kv"]);
  }));

// Replays "p" from the Deno KV file given.
const REPLAY = `
import { KvStore } from "./cache/kv_store.ts";
const result = {};
try {
  const store = await KvStore.open(Deno.args[0], { readOnly: true });
  await store.close();
} catch (error) {
  result.error = error.message;
}
console.log(JSON.stringify(result));
`;

Deno.test({
  name: "KvStore: on read-only media, the error names the file and the way out",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno", "python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      const media = `${dir}/media`;
      await Deno.mkdir(media);
      const store = await KvStore.open(`${media}/cache.kv`);
      await store.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
      await store.close();
      const run = await runWithoutWriteAccess(media, dir, REPLAY, [`${media}/cache.kv`]);
      assert.equal(run.code, 0, run.stderr);
      const { error } = JSON.parse(run.stdout);
      assert.match(error, new RegExp(`^KvStore opening ${media}/cache\\.kv failed: `));
      assert.match(error, /read-only media/);
      assert.match(error, /cache copy kv:<file> sqlite:<new file>/);
      assert.deepEqual(await names(media), ["cache.kv"]);
    }),
});
