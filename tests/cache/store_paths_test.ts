// Where a cache is: a folder given as a path or a file: URL; a path that is
// a file, or a folder that does not exist, is reported as such.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { FsStore } from "../../cache/fs_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { openStore } from "../../cache/open_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { collect, first, promptHash } from "../../mod.ts";
import { cacheOverview } from "../../notebooks/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

const PROMPT = "Choose a number between 1 and 1000.";

async function withUrl(fn: (url: URL, path: string) => Promise<void>): Promise<void> {
  const name = `url-${crypto.randomUUID()}`;
  const url = new URL(`../.tmp/${name}/`, import.meta.url);
  const path = fileURLToPath(url).replace(/\/$/, "");
  try {
    await fn(url, path);
  } finally {
    await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

Deno.test("FsStore: a file: URL is accepted wherever a cache folder is", () =>
  withUrl(async (url, path) => {
    const model = new Persistent(new CountingModel("m", 1), url);
    assert.equal(model.store.location, path);
    assert.deepEqual(await collect(model.sample(PROMPT), 2), ["0", "1"]);
    assert.equal(await Deno.readTextFile(`${path}/m_1/${promptHash(PROMPT)}/1.md`), "1");
    assert.deepEqual(await new FsStore(url).load({ model: "m_1", hash: promptHash(PROMPT) }, 0), [
      "0",
      "1",
    ]);
    const opened = await openStore(url);
    assert.ok(opened instanceof FsStore);
    assert.equal(opened.location, path);
    assert.equal((await cacheOverview(url)).samples, 2);
    const kv = await KvStore.open(new URL("cache.kv", url));
    assert.equal(kv.location, `kv:${path}/cache.kv`);
    await kv.close();
  }));

Deno.test("FsStore: a URL that is not a file: URL is refused with a clear error", () => {
  const url = new URL("https://example.org/cache/");
  assert.throws(() => new FsStore(url), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(error.message, /file: URL, got the URL "https:\/\/example\.org\/cache\/"/);
    return true;
  });
  // Persistent reads it as a store spec, as openStore does.
  assert.throws(() => new Persistent(new CountingModel(), url), (error: Error) => {
    assert.ok(error instanceof TypeError);
    assert.match(
      error.message,
      /"https:\/\/example\.org\/cache\/": "https:" is not a store scheme/,
    );
    return true;
  });
});

Deno.test("FsStore: a cache path that is a file is refused at construction, naming the path", () =>
  withUrl(async (_url, path) => {
    await Deno.mkdir(path);
    const file = `${path}/results.json`;
    await Deno.writeTextFile(file, "{}");
    const provider = new CountingModel("m", 1);
    assert.throws(() => new Persistent(provider, file), (error: Error) => {
      assert.ok(error instanceof Deno.errors.NotADirectory, String(error));
      assert.match(error.message, new RegExp(`the cache folder ${file} is a file, not a folder`));
      assert.doesNotMatch(error.message, /\.md/);
      return true;
    });
    assert.equal(provider.requests.length, 0);
    assert.equal(await Deno.readTextFile(file), "{}", "the file is untouched");
  }));

Deno.test("FsStore: a cache folder that does not exist is reported as such, not as an empty cache", async () => {
  const missing = `tests/.tmp/no-such-cache-${crypto.randomUUID()}`;
  const replay = new Persistent(new CountingModel("m", 1), missing, { replication: true });
  await assert.rejects(first(replay.sample(PROMPT)), (error: Error) => {
    assert.ok(error instanceof Deno.errors.NotFound, String(error));
    assert.match(error.message, new RegExp(`the cache folder ${missing} does not exist`));
    assert.match(error.message, /typo/);
    return true;
  });
  await assert.rejects(cacheOverview(missing), (error: Error) => {
    assert.ok(error instanceof Deno.errors.NotFound, String(error));
    assert.match(error.message, /does not exist: check the path for a typo/);
    return true;
  });
  await assert.rejects(cacheOverview(new FsStore(missing)), Deno.errors.NotFound);
  await assert.rejects(Deno.stat(missing), Deno.errors.NotFound, "nothing was created");
});
