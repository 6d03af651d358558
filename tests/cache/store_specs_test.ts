// One reading of store specs (issue 17, item 10): `openStore`, `Persistent`,
// `llmFixture`, `cacheOverview` and the command line take the same specs the
// same way; an unknown scheme is an error, never a folder; a password in a
// URL is never shown. And a new cache says so once (item 11).

import assert from "node:assert/strict";
import { openStore } from "../../cache/open_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { manifest } from "../../cache/manifest.ts";
import { collect, first, promptHash } from "../../mod.ts";
import { modelInfo } from "../../core/accounting.ts";
import { cacheOverview } from "../../notebooks/mod.ts";
import { llmFixture } from "../../testing/mod.ts";
import { cli } from "../_support/cli_run.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { freshPrefix, REDIS_URL, skipRedis } from "../_support/redis_url.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPT = "Choose a number between 1 and 1000.";
const KEY = { model: "m_1", hash: promptHash(PROMPT) };
const SECRET = "S3CRET-pw";

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Error, `expected a failure, got ${String(error)}`);
  return error;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/** What console.warn printed while `fn` ran. */
async function warnings(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => void seen.push(args.map(String).join(" "));
  try {
    await fn();
  } finally {
    console.warn = original;
  }
  return seen;
}

Deno.test("Persistent: opens a sqlite: spec as openStore does, never a folder named after it", () =>
  withTempDir(async (dir) => {
    for (const scheme of ["sqlite:", "SQLite:"]) {
      const file = `${dir}/${scheme === "sqlite:" ? "paper" : "upper"}.db`;
      const model = new Persistent(new CountingModel("m", 1), `${scheme}${file}`);
      assert.equal(model.store.location, `sqlite:${file}`, "known at once, before opening");
      assert.deepEqual(await collect(model.sample(PROMPT), 2), ["0", "1"]);
      await model.store.close();
      assert.equal(await exists(`${dir}/${scheme}${dir}`), false, "no folder named after the spec");
      assert.equal(await exists(`${scheme}${file}`), false, "no folder named after the spec");
      const store = await SqliteStore.open(file);
      assert.deepEqual(await store.load(KEY, 0), ["0", "1"]);
      await store.close();
      // A replay through the same spec reads the file.
      const replay = new Persistent(new CountingModel("m", 1), `${scheme}${file}`, {
        replication: true,
      });
      assert.deepEqual(await collect(replay.sample(PROMPT), 2), ["0", "1"]);
      await replay.store.close();
    }
  }));

Deno.test("Persistent: opens kv: specs (any case) as Deno KV databases", () =>
  withTempDir(async (dir) => {
    const file = `${dir}/cache.kv`;
    const model = new Persistent(new CountingModel("m", 1), `KV:${file}`);
    assert.equal(model.store.location, `kv:${file}`);
    assert.deepEqual(await collect(model.sample(PROMPT), 2), ["0", "1"]);
    await model.store.close();
    const store = await KvStore.open(file);
    assert.deepEqual(await store.load(KEY, 0), ["0", "1"]);
    await store.close();
  }));

Deno.test({
  name: "Persistent: opens REDIS:// specs as Redis (schemes are case-insensitive)",
  ignore: skipRedis(),
  async fn() {
    const url = new URL(REDIS_URL!);
    url.searchParams.set("prefix", freshPrefix("spec"));
    const spec = url.href.replace(/^redis:/, "REDIS:");
    const model = new Persistent(new CountingModel("m", 1), spec);
    assert.match(model.store.location, /^redis:\/\//);
    assert.deepEqual(await collect(model.sample(PROMPT), 2), ["0", "1"]);
    const opened = await openStore(url.href);
    assert.deepEqual(await opened.load(KEY, 0), ["0", "1"]);
    await (opened as unknown as { clear(): Promise<void> }).clear();
    await opened.close();
    await model.store.close();
  },
});

Deno.test("openStore: a store opened from a spec opens on first use, and a failure names the spec", () =>
  withTempDir(async (dir) => {
    // A folder where the SQLite file should be: opening fails.
    const spec = `sqlite:${dir}`;
    const provider = new CountingModel("m", 1);
    const model = new Persistent(provider, spec);
    const error = await rejection(first(model.sample(PROMPT)));
    assert.match(error.message, new RegExp(`sqlite:${dir}`));
    assert.equal(provider.requests.length, 0, "nothing paid for");
    await model.store.close();

    // Closing a store that was never used opens nothing; using it afterwards fails.
    const unused = new Persistent(new CountingModel("m", 1), `sqlite:${dir}/never.db`);
    await unused.store.close();
    assert.equal(await exists(`${dir}/never.db`), false);
    await assert.rejects(first(unused.sample(PROMPT)), /closed/);
    assert.equal(await exists(`${dir}/never.db`), false);
  }));

const UNKNOWN = [
  "redis:/127.0.0.1:6379",
  "sqllite:paper.db",
  "kvv:cache.kv",
  "https://example.org/cache",
  "file:relative/cache",
];

Deno.test("openStore: a spec with an unknown or malformed scheme is an error everywhere, never a folder", () =>
  withTempDir(async (dir) => {
    for (const spec of UNKNOWN) {
      const check = (error: Error) => {
        assert.ok(error instanceof TypeError, `${spec}: ${error}`);
        assert.match(error.message, /kv:<path>, sqlite:<path>/, spec);
        return true;
      };
      assert.throws(() => new Persistent(new CountingModel("m", 1), spec), check);
      assert.throws(
        () => llmFixture(new CountingModel("m", 1), spec, { name: "x_test.ts" }),
        check,
      );
      await assert.rejects(openStore(spec), check);
      await assert.rejects(cacheOverview(spec), check);
    }
    const sqllite = await rejection(openStore("sqllite:paper.db"));
    assert.match(sqllite.message, /did you mean "sqlite:"/);
    assert.match(sqllite.message, /\.\/sqllite:paper\.db/, "how to name such a folder");
    // A Windows drive letter is a folder, not a scheme.
    for (const spec of ["C:\\llm_cache", "c:/llm_cache"]) {
      const model = new Persistent(new CountingModel("m", 1), spec);
      assert.equal(model.store.location, spec);
    }
    // A file: URL given as text is the folder it names.
    const model = new Persistent(new CountingModel("m", 1), `file://${Deno.cwd()}/${dir}/url`);
    assert.equal(model.store.location, `${Deno.cwd()}/${dir}/url`);
  }));

Deno.test("cache: an unknown scheme is a usage error and creates nothing", async () => {
  for (const spec of UNKNOWN) {
    const run = await cli(["copy", "tests/fixtures/mnimi-cache", spec, "--model", "gpt-4o_1"]);
    assert.equal(run.code, 2, `${spec}: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, /kv:<path>, sqlite:<path>/);
    assert.equal(await exists(spec), false, spec);
    assert.equal(await exists(spec.split("/")[0]!), false, spec);
  }
});

Deno.test("cache copy: to a malformed Redis URL with a password: exit 2, no password shown, no folder", async () => {
  const spec = `redis:/:${SECRET}@127.0.0.1:1`;
  const run = await cli(["copy", "tests/fixtures/mnimi-cache", spec, "--model", "gpt-4o_1"]);
  assert.equal(run.code, 2, run.stdout + run.stderr);
  assert.ok(!(run.stdout + run.stderr).includes(SECRET), run.stdout + run.stderr);
  assert.match(run.stderr, /redis:\/:\*\*\*@127\.0\.0\.1:1/);
  assert.equal(await exists("redis:"), false, "no folder named after the URL");
});

// One connection attempt takes reconnectFor's default, 10 s: the command line
// and the library try at the same time.
Deno.test("redactSpec: a password in a Redis URL is never shown: locations, errors, displays, manifests, the command line", async () => {
  const provider = new CountingModel("m", 1);
  const model = new Persistent(provider, `redis://:${SECRET}@127.0.0.1:1?prefix=spec-test`);
  const shown: string[] = [model.store.location, String(model[modelInfo]().detail)];
  const [error, run] = await Promise.all([
    rejection(first(model.sample(PROMPT))),
    cli(["stats", `redis://:${SECRET}@127.0.0.1:1`]),
  ]);
  shown.push(error.message, String(error.stack), JSON.stringify(manifest(model)));
  for (let cause = error.cause; cause instanceof Error; cause = cause.cause) {
    shown.push(cause.message, String(cause.stack));
  }
  shown.push(run.stdout, run.stderr);
  for (const text of shown) assert.ok(!text.includes(SECRET), text);
  assert.match(error.message, /redis:\/\/:\*\*\*@127\.0\.0\.1:1/, "the store is named");
  assert.equal(provider.requests.length, 0);
  assert.equal(run.code, 3, run.stderr);
  await model.store.close();
  assert.throws(
    () => new Persistent(provider, `sqllite://u:${SECRET}@host`),
    (e: Error) => !e.message.includes(SECRET) && /u:\*\*\*@host/.test(e.message),
  );
  // Too many arguments shows the extra ones, masked; so does a spec taken for a command.
  const extra = await cli(["stats", "tests/fixtures/mnimi-cache", `redis://u:${SECRET}@host`]);
  assert.equal(extra.code, 2);
  assert.ok(!extra.stderr.includes(SECRET), extra.stderr);
  const command = await cli([`redis://u:${SECRET}@host`, "stats"]);
  assert.equal(command.code, 2);
  assert.match(command.stderr, /unknown command "redis:\/\/u:\*\*\*@host"/);
});

Deno.test("llmFixture: a kv:, sqlite: or Redis spec is that store, read by the same parser, never a folder", () =>
  withTempDir(async (dir) => {
    const specs = [`sqlite:${dir}/f.db`, `KV:${dir}/f.kv`];
    if (REDIS_URL !== undefined) {
      const url = new URL(REDIS_URL);
      url.searchParams.set("prefix", freshPrefix("fixture-spec"));
      specs.push(url.href);
    }
    for (const spec of specs) {
      const options = { name: "x_test.ts", mode: "record", allowCI: true } as const;
      const recorder = llmFixture(new CountingModel("m", 1), spec, options);
      assert.deepEqual(await collect(recorder.sample(PROMPT), 2), ["0", "1"]);
      await recorder.store.close();
      // Under the module's name, as a folder keeps it in <dir>/x_test.ts/.
      const store = await openStore(spec);
      assert.deepEqual(await store.load({ model: "x_test.ts/m_1", hash: KEY.hash }, 0), ["0", "1"]);
      await (store as { clear?: () => Promise<void> }).clear?.();
      await store.close();
    }
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort(), [
      "f.db",
      "f.kv",
    ]);
  }));

// Item 11: a typo'd cache folder must not silently start a new cache.

Deno.test("Persistent: a live cache says once that it created a new cache; never for an existing one or a replay", () =>
  withTempDir(async (dir) => {
    const root = `${dir}/new-cache`;
    const said = await warnings(async () => {
      await collect(new Persistent(new CountingModel("m", 1), root).sample(PROMPT), 2);
      await collect(new Persistent(new CountingModel("m", 1), root).sample("other"), 1);
      await collect(new Persistent(new CountingModel("n", 1), root).sample(PROMPT), 1);
    });
    assert.equal(said.length, 1, said.join("\n"));
    assert.match(said[0]!, new RegExp(`new cache .*${root}`));
    assert.match(said[0]!, /create: false/);

    const quiet = await warnings(async () => {
      await collect(new Persistent(new CountingModel("m", 1), dir).sample(PROMPT), 1);
      const replay = new Persistent(new CountingModel("m", 1), `${dir}/absent`, {
        replication: true,
      });
      await assert.rejects(first(replay.sample(PROMPT)), Deno.errors.NotFound);
    });
    assert.deepEqual(quiet, []);
    assert.equal(await exists(`${dir}/absent`), false);
  }));

Deno.test("Persistent: create: false makes a missing cache folder an error naming it, before anything is paid", () =>
  withTempDir(async (dir) => {
    const root = `${dir}/typo`;
    const provider = new CountingModel("m", 1);
    const model = new Persistent(provider, root, { create: false });
    const error = await rejection(first(model.sample(PROMPT)));
    assert.ok(error instanceof Deno.errors.NotFound, String(error));
    assert.match(error.message, new RegExp(`${root} does not exist`));
    assert.match(error.message, /create: false/);
    assert.equal(provider.requests.length, 0);
    assert.equal(await exists(root), false);
    // An existing folder is used as always.
    const existing = new Persistent(provider, dir, { create: false });
    assert.equal(await first(existing.sample(PROMPT)), "0");
    assert.throws(
      () => new Persistent(provider, dir, { create: "no" as unknown as boolean }),
      /create must be a boolean/,
    );
  }));

Deno.test("Persistent: a new sqlite: or kv: file is announced like a folder; create: false refuses a missing one; a replay never creates it", () =>
  withTempDir(async (dir) => {
    for (const scheme of ["sqlite", "kv"]) {
      const file = `${dir}/cache.${scheme}`;
      const refused = new Persistent(new CountingModel("m", 1), `${scheme}:${file}`, {
        create: false,
      });
      const error = await rejection(first(refused.sample(PROMPT)));
      assert.ok(error instanceof Deno.errors.NotFound, String(error));
      assert.match(error.message, new RegExp(`${file} does not exist`));
      await refused.store.close();
      const replay = new Persistent(new CountingModel("m", 1), `${scheme}:${file}`, {
        replication: true,
      });
      await assert.rejects(first(replay.sample(PROMPT)), Deno.errors.NotFound);
      await replay.store.close();
      assert.equal(await exists(file), false, "neither created the file");

      const said = await warnings(async () => {
        const model = new Persistent(new CountingModel("m", 1), `${scheme}:${file}`);
        await collect(model.sample(PROMPT), 1);
        await model.store.close();
        const again = new Persistent(new CountingModel("m", 1), `${scheme}:${file}`);
        await collect(again.sample(PROMPT), 2);
        await again.store.close();
      });
      assert.equal(said.length, 1, said.join("\n"));
      assert.match(said[0]!, new RegExp(`new cache .*${scheme}:${file}`));
    }
  }));
