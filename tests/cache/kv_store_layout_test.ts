// How the Deno KV store lays samples out and commits them: rows that fit a
// SQLite page (no overflow page per sample), pieces put back together byte for
// byte, and concurrent claims sharing commits without ever sharing a key.

import assert from "node:assert/strict";
import { promptHash } from "../../mod.ts";
import { KvStore } from "../../cache/kv_store.ts";

async function withStore(fn: (store: KvStore, path: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const store = await KvStore.open(`${dir}/cache.kv`);
  try {
    await fn(store, `${dir}/cache.kv`);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

const key = (prompt: string) => ({ model: "m_1", hash: promptHash(prompt) });

/** Counts the atomic commits made until `restore()`. */
function countCommits() {
  const prototype = Deno.AtomicOperation.prototype;
  const { commit } = prototype;
  const counter = { commits: 0, restore: () => Object.assign(prototype, { commit }) };
  Object.assign(prototype, {
    commit(this: Deno.AtomicOperation) {
      counter.commits++;
      return commit.call(this);
    },
  });
  return counter;
}

Deno.test("KvStore: 2,000 samples of 1 KB take less than twice their bytes on disk", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const store = await KvStore.open(`${dir}/cache.kv`);
    const sample = (p: number, i: number) => `${p}:${i}:`.padEnd(1024, "x");
    for (let p = 0; p < 20; p++) {
      const samples = Array.from({ length: 100 }, (_, i) => sample(p, i));
      await store.append(key(`p${p}`), { from: 0, samples, prompt: `p${p}` });
    }
    await store.close();
    let bytes = 0;
    for await (const entry of Deno.readDir(dir)) {
      bytes += (await Deno.stat(`${dir}/${entry.name}`)).size;
    }
    const data = 2000 * 1024;
    assert.ok(bytes < 2 * data, `${bytes} bytes on disk for ${data} bytes of samples`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore: samples around the size of a row come back exact, characters split between rows too", () =>
  withStore(async (store) => {
    const samples: string[] = [];
    for (const length of [0, 1, 700, 800, 820, 830, 850, 900, 1700, 2500, 65_000, 66_000]) {
      samples.push("a".repeat(length), "é".repeat(length / 2), "🌍".repeat(length / 4));
    }
    samples.push("x".repeat(200_000));
    assert.deepEqual(await store.append(key("p"), { from: 0, samples, prompt: "p" }), samples);
    assert.deepEqual(await store.load(key("p"), 0), samples);
    assert.deepEqual(await store.load(key("p"), 7), samples.slice(7));
    assert.deepEqual(await store.indices(key("p")), samples.map((_, i) => i));
    const reopened = await KvStore.open(store.location.slice(3));
    try {
      assert.deepEqual(await reopened.load(key("p"), 0), samples);
    } finally {
      await reopened.close();
    }
  }));

Deno.test("KvStore: a missing piece of a sample is an error naming its key, not part of the sample", () =>
  withStore(async (store, path) => {
    await store.append(key("p"), { from: 0, samples: ["short", "y".repeat(3000)], prompt: "p" });
    const raw = await Deno.openKv(path);
    try {
      await raw.delete(["llm-cache", "sample", "m_1", key("p").hash, 1, 2]);
    } finally {
      raw.close();
    }
    await assert.rejects(store.load(key("p"), 0), (error: Error) => {
      assert.ok(error.message.includes(`["llm-cache","sample","m_1","${key("p").hash}",1]`));
      assert.match(error.message, /a piece of the sample is missing/);
      return true;
    });
    assert.deepEqual(await store.load(key("p"), 0).catch(() => "refused"), "refused");
  }));

Deno.test("KvStore: appends of many prompts at once share commits", () =>
  withStore(async (store) => {
    const prompts = Array.from({ length: 50 }, (_, p) => `p${p}`);
    await Promise.all(
      prompts.map((p) => store.append(key(p), { from: 0, samples: ["warm"], prompt: p })),
    );
    const counter = countCommits();
    try {
      const results = await Promise.all(
        prompts.map((p) => store.append(key(p), { from: 1, samples: [p], prompt: p })),
      );
      assert.deepEqual(results, prompts.map((p) => [p]));
      assert.ok(counter.commits <= 5, `${counter.commits} commits for 50 appends`);
    } finally {
      counter.restore();
    }
    for (const p of prompts) assert.deepEqual(await store.load(key(p), 0), ["warm", p]);
  }));

Deno.test("KvStore: claims on one index never share a commit, so none overwrites another", () =>
  withStore(async (store) => {
    // Keep the committer busy, so that the claims below wait together.
    const busy = store.append(key("other"), { from: 0, samples: ["x"] });
    const mine = Array.from({ length: 10 }, (_, k) => `sample ${k}`);
    const results = await Promise.all(
      mine.map((s) => store.append(key("p"), { from: 0, samples: [s] })),
    );
    await busy;
    const final = await store.load(key("p"), 0);
    assert.equal(final.length, 10, `stored: ${JSON.stringify(final)}`);
    assert.deepEqual([...final].sort(), [...mine].sort());
    for (const [k, result] of results.entries()) {
      assert.equal(result.at(-1), mine[k], "each append returns its own sample last");
      assert.deepEqual(result, final.slice(0, result.length), "at the index it claimed");
    }
  }));
