// The conformance kit on SQLite, and what only the SQLite store does:
// exact text, the file format, permissions, locks held by other processes.

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { first, promptHash } from "../../mod.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { openStore } from "../../cache/open_store.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { storeConformance } from "../../testing/store_conformance.ts";

storeConformance(Deno.test, {
  name: "SqliteStore",
  async open() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    const path = `${dir}/cache.db`;
    return {
      store: await SqliteStore.open(path),
      spec: `sqlite:${path}`,
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  },
});

const KEY = { model: "gpt-4o_1", hash: promptHash("p") };

async function withFile(fn: (path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await fn(`${dir}/cache.db`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function withStore(fn: (store: SqliteStore, path: string) => Promise<void>) {
  await withFile(async (path) => {
    const store = await SqliteStore.open(path);
    try {
      await fn(store, path);
    } finally {
      await store.close();
    }
  });
}

Deno.test("SqliteStore: text comes back byte for byte after a reopen", async () => {
  await withFile(async (path) => {
    const samples = [
      "\uFEFFstarts with a byte order mark",
      "\uFEFF",
      "nul \0 inside\0",
      "\0",
      "crlf\r\nlf\nlone cr\r",
      "\r",
      "4-byte emoji 🌍👩‍👩‍👧",
      "",
      "x".repeat(5_000_000),
    ];
    const prompt = "\uFEFF\0prompt\r\n🌍";
    const store = await SqliteStore.open(path);
    const key = { model: "gpt-4o_1", hash: promptHash(prompt) };
    assert.deepEqual(await store.append(key, { from: 0, samples, prompt }), samples);
    await store.close();
    const again = await SqliteStore.open(path);
    try {
      const loaded = await again.load(key, 0);
      assert.equal(loaded.length, samples.length);
      for (const [i, sample] of samples.entries()) {
        assert.ok(loaded[i] === sample, `sample ${i} changed: ${JSON.stringify(loaded[i])}`);
      }
      assert.deepEqual(await Array.fromAsync(again.prompts(key.model)), [{
        hash: key.hash,
        prompt,
      }]);
    } finally {
      await again.close();
    }
  });
});

Deno.test("SqliteStore: a closed file is one file, in WAL mode while open", async () => {
  await withFile(async (path) => {
    const store = await SqliteStore.open(path);
    await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: "p" });
    const db = new DatabaseSync(path, { readOnly: true });
    assert.equal(db.prepare("PRAGMA journal_mode").get()?.journal_mode, "wal");
    db.close();
    await store.close();
    await store.close(); // closing twice is harmless
    const dir = path.slice(0, path.lastIndexOf("/"));
    const names = (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
    assert.deepEqual(names, ["cache.db"]);
    await assert.rejects(store.load(KEY, 0), /the store was closed/);
  });
});

Deno.test("SqliteStore: an append beyond the stored samples is a RangeError", async () => {
  await withStore(async (store) => {
    await assert.rejects(store.append(KEY, { from: 1, samples: ["x"], prompt: "p" }), RangeError);
    // Nothing of the failed transaction is left, not even the sequence's listing.
    assert.deepEqual(await Array.fromAsync(store.models()), []);
    await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
    await assert.rejects(
      store.append(KEY, { from: 2, samples: ["x"], prompt: "p" }),
      /only 1 samples are stored/,
    );
    await assert.rejects(store.append(KEY, { from: -1, samples: ["x"], prompt: "p" }), RangeError);
    await assert.rejects(store.load(KEY, 0.5), RangeError);
    // Checked as every count is (internal/validate.ts): not a number is a TypeError.
    await assert.rejects(
      store.load(KEY, "0" as unknown as number),
      /index must be a non-negative integer, got "0"/,
    );
    assert.deepEqual(await store.load(KEY, 0), ["a"]);
    assert.deepEqual(await store.append(KEY, { from: 0, samples: [], prompt: "p" }), ["a"]);
  });
});

Deno.test("SqliteStore: refuses keys the other stores refuse", async () => {
  await withStore(async (store) => {
    const hash = KEY.hash;
    await assert.rejects(store.load({ model: "../../evil_1", hash }, 0), TypeError);
    await assert.rejects(
      store.append({ model: "/abs_1", hash }, { from: 0, samples: ["x"] }),
      TypeError,
    );
    await assert.rejects(
      store.append({ model: "m_1", hash: "not-a-hash" }, { from: 0, samples: ["x"] }),
      TypeError,
    );
    await assert.rejects(store.load({ model: "m_1", hash: hash.toUpperCase() }, 0), TypeError);
    await assert.rejects(Array.fromAsync(store.prompts("a/../b_1")), TypeError);
    assert.deepEqual(await Array.fromAsync(store.models()), []);
  });
});

Deno.test("SqliteStore: a prompt recorded late is filled in; the first one stays", async () => {
  await withFile(async (path) => {
    const a = await SqliteStore.open(path);
    const b = await SqliteStore.open(path);
    try {
      await a.append(KEY, { from: 0, samples: ["x"] });
      assert.deepEqual(await Array.fromAsync(b.prompts(KEY.model)), [
        { hash: KEY.hash, prompt: undefined },
      ]);
      await b.append(KEY, { from: 1, samples: ["y"], prompt: "p" });
      await a.append(KEY, { from: 2, samples: ["z"] });
      assert.deepEqual(await Array.fromAsync(a.prompts(KEY.model)), [{
        hash: KEY.hash,
        prompt: "p",
      }]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("SqliteStore: lists many models and prompts, sorted", async () => {
  await withStore(async (store) => {
    const hashes = Array.from({ length: 1234 }, (_, i) => promptHash(String(i))).sort();
    for (const model of ["b_1", "a/x_0.5", "c_0"]) {
      for (const hash of hashes) await store.append({ model, hash }, { from: 0, samples: ["s"] });
    }
    assert.deepEqual(await Array.fromAsync(store.models()), ["a/x_0.5", "b_1", "c_0"]);
    const listed = await Array.fromAsync(store.prompts("b_1"));
    assert.deepEqual(listed.map((p) => p.hash), hashes);
  });
});

Deno.test("SqliteStore: waits for a writer that holds the lock, without blocking", async () => {
  await withStore(async (store, path) => {
    await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    holder.exec("INSERT INTO samples (sequence, idx, sample) VALUES (1, 1, 'from the holder')");
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    // Only a running event loop can release the lock: a blocked one would
    // make the append fail.
    const release = setTimeout(() => holder.exec("COMMIT"), 200);
    try {
      assert.deepEqual(await store.append(KEY, { from: 1, samples: ["b"], prompt: "p" }), [
        "from the holder",
        "b",
      ]);
      assert.ok(ticks > 0, "the event loop did not run while the append waited");
    } finally {
      clearTimeout(release);
      clearInterval(ticker);
      if (holder.isTransaction) holder.exec("ROLLBACK");
      holder.close();
    }
  });
});

Deno.test("SqliteStore: a lock held past lockTimeout fails the call, naming it", async () => {
  await withFile(async (path) => {
    const store = await SqliteStore.open(path, { lockTimeout: 100 });
    const holder = new DatabaseSync(path);
    holder.exec("BEGIN IMMEDIATE");
    try {
      const error = await store.append(KEY, { from: 0, samples: ["x"], prompt: "p" }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof Error);
      assert.match(error.message, /database is locked/);
      assert.match(error.message, /lockTimeout/);
      assert.ok(error.message.includes(path), error.message);
    } finally {
      holder.exec("ROLLBACK");
      holder.close();
    }
    assert.deepEqual(await store.append(KEY, { from: 0, samples: ["x"], prompt: "p" }), ["x"]);
    await store.close();
    await assert.rejects(SqliteStore.open(path, { lockTimeout: -1 }), RangeError);
  });
});

Deno.test("SqliteStore: refuses files that are not its databases, and changes nothing", async () => {
  await withFile(async (path) => {
    const foreign = new DatabaseSync(path);
    foreign.exec("CREATE TABLE results (x)");
    foreign.close();
    const before = await Deno.readFile(path);
    await assert.rejects(SqliteStore.open(path), /another program/);
    assert.deepEqual(await Deno.readFile(path), before);

    await Deno.writeTextFile(path, '{"not": "a database"}'.repeat(100));
    await assert.rejects(SqliteStore.open(path), /not a SQLite database/);

    await Deno.remove(path);
    await (await SqliteStore.open(path)).close();
    const later = new DatabaseSync(path);
    later.exec("PRAGMA user_version = 99");
    later.close();
    await assert.rejects(SqliteStore.open(path), /newer version .* upgrade/);

    const dir = path.slice(0, path.lastIndexOf("/"));
    await assert.rejects(SqliteStore.open(dir), /is not a folder|unable to open/);
    await assert.rejects(SqliteStore.open(""), TypeError);
    await assert.rejects(openStore("sqlite:"), TypeError);
  });
});

Deno.test("SqliteStore: a sample changed into invalid UTF-8 is an error naming it", async () => {
  await withStore(async (store, path) => {
    await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: "p" });
    const db = new DatabaseSync(path);
    db.exec("UPDATE samples SET sample = CAST(x'c328' AS TEXT) WHERE idx = 1");
    db.close();
    const error = await store.load(KEY, 0).then(() => undefined, (e) => e);
    // A TypeError, as from every store, so that `cache verify` lists it as unreadable.
    assert.ok(error instanceof TypeError, String(error));
    assert.match(error.message, /sample 1 of gpt-4o_1\/\w+ is not valid UTF-8/);
    assert.ok(error.message.includes(path), error.message);
    // Text with a NUL is stored as a BLOB of UTF-8 bytes: those are checked too.
    const blob = new DatabaseSync(path);
    blob.exec("UPDATE samples SET sample = x'00ff' WHERE idx = 0");
    blob.close();
    await assert.rejects(store.load(KEY, 0), /sample 0 of gpt-4o_1\/\w+ is not valid UTF-8/);
  });
});

Deno.test("SqliteStore: a lone surrogate is stored as U+FFFD, as in a UTF-8 file", async () => {
  await withStore(async (store) => {
    assert.deepEqual(await store.append(KEY, { from: 0, samples: ["a\uD800b"] }), ["a\uD800b"]);
    assert.deepEqual(await store.load(KEY, 0), ["a\uFFFDb"]);
  });
});

Deno.test({
  name: "SqliteStore: a missing permission names the flags to add",
  permissions: { read: ["tests/.tmp"], write: false },
  async fn() {
    const path = "tests/.tmp/sqlite-permission-test.db";
    const error = await SqliteStore.open(path).then((s) => s.close(), (e) => e);
    assert.ok(error instanceof Deno.errors.NotCapable, String(error));
    assert.ok(error.message.includes(`--allow-read=${path} --allow-write=${path}`), error.message);
  },
});

Deno.test({
  name: "SqliteStore: needs read permission too",
  permissions: { read: false, write: ["tests/.tmp"] },
  async fn() {
    const error = await SqliteStore.open("tests/.tmp/x.db").then((s) => s.close(), (e) => e);
    assert.ok(error instanceof Deno.errors.NotCapable, String(error));
    assert.match(error.message, /--allow-read=tests\/.tmp\/x.db --allow-write=tests\/.tmp\/x.db/);
  },
});

Deno.test({
  name: "SqliteStore: opened read-only, Persistent fails before paying for a sample",
  permissions: { read: ["tests/.tmp"], write: ["tests/.tmp"] },
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    const path = `${dir}/cache.db`;
    const writer = await SqliteStore.open(path);
    await writer.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
    await writer.close();
    await Deno.permissions.revoke({ name: "write", path: dir });
    const store = await SqliteStore.open(path);
    try {
      const inner = new CountingModel("gpt-4o", 1);
      const model = new Persistent(inner, store);
      assert.equal(await first(model.sample("p")), "x", "replaying needs no write");
      await assert.rejects(first(model.sample("new prompt")), (e: Error) => {
        assert.ok(e instanceof Deno.errors.NotCapable, String(e));
        assert.match(e.message, /^not in the cache: .*--allow-write=/s);
        return true;
      });
      assert.deepEqual(inner.requests, [], "nothing was drawn");
    } finally {
      await store.close();
    }
  },
});

Deno.test("SqliteStore: processes that create one new file at once all get it", async () => {
  await withFile(async (path) => {
    const children = Array.from({ length: 4 }, (_, id) =>
      new Deno.Command("deno", {
        args: [
          "run",
          `--allow-read=${path}`,
          `--allow-write=${path}`,
          "testing/_conformance_child.ts",
          "append",
          `sqlite:${path}`,
          String(id),
          "1",
          "5",
        ],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn());
    for (const child of children) {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
    }
    const outputs = await Promise.all(children.map((child) => child.output()));
    for (const [id, output] of outputs.entries()) {
      assert.ok(output.success, `child ${id}: ${new TextDecoder().decode(output.stderr)}`);
    }
    const store = await SqliteStore.open(path);
    try {
      const stored = await store.load(
        { model: "multi_1", hash: promptHash("the shared prompt") },
        0,
      );
      assert.ok(stored.length >= 5, `${stored.length} samples stored`);
    } finally {
      await store.close();
    }
  });
});

Deno.test("SqliteStore.open: a bad lockTimeout is refused before the file is touched", async () => {
  await assert.rejects(
    SqliteStore.open("tests/.tmp/never-created.db", { lockTimeout: Number.NaN }),
    /lockTimeout must be a number of milliseconds of at least 0/,
  );
  await assert.rejects(Deno.stat("tests/.tmp/never-created.db"), Deno.errors.NotFound);
});

Deno.test({
  name:
    "SqliteStore: a file written before usage was stored reads, and gets the table when written",
  permissions: { read: ["tests/.tmp"], write: ["tests/.tmp"] },
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    const path = `${dir}/cache.db`;
    try {
      // A file of the version before: the same tables, without usage.
      const writer = await SqliteStore.open(path);
      await writer.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
      await writer.close();
      const old = new DatabaseSync(path);
      old.exec("DROP INDEX usage_of_sequence; DROP TABLE usage;");
      old.close();

      // Read-only, it replays; its samples have no usage.
      await Deno.permissions.revoke({ name: "write", path: dir });
      const reader = await SqliteStore.open(path);
      assert.deepEqual(await reader.load(KEY, 0), ["x"]);
      assert.deepEqual(await reader.usage(KEY), []);
      const replay = new Persistent(new CountingModel("gpt-4o", 1), reader, { replication: true });
      assert.equal(await first(replay.sample("p")), "x");
      assert.deepEqual([replay.stats.saved.samples, replay.stats.saved.unknown], [1, 1]);
      await reader.close();
    } finally {
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("SqliteStore: an old file opened for writing gets the usage table and keeps usage", async () => {
  await withFile(async (path) => {
    const writer = await SqliteStore.open(path);
    await writer.append(KEY, { from: 0, samples: ["x"], prompt: "p" });
    await writer.close();
    const old = new DatabaseSync(path);
    old.exec("DROP INDEX usage_of_sequence; DROP TABLE usage;");
    old.close();
    const store = await SqliteStore.open(path);
    try {
      await store.append(KEY, {
        from: 1,
        samples: ["y"],
        prompt: "p",
        usage: [{ requests: 1, latencyMs: 4 }],
      });
      assert.deepEqual(await store.load(KEY, 0), ["x", "y"]);
      assert.deepEqual(await store.usage(KEY), [{ from: 1, count: 1, requests: 1, latencyMs: 4 }]);
    } finally {
      await store.close();
    }
  });
});
