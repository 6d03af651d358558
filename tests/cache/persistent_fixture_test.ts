// Reads the cache Python's cached_llm.py wrote (a committed copy of
// ../shared/fixtures/mnimi-cache) through Persistent in replication mode.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { ReplicationCacheMiss } from "../../cache/replication_cache_miss.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { expected, MNIMI_CACHE } from "../_support/mnimi_fixture.ts";

Deno.test("Persistent: the fixture covers the awkward cases", () => {
  assert.ok(expected.some((e) => e.alias.includes("/")), "a nested alias");
  assert.ok(expected.some((e) => e.prompt === ""), "the empty prompt");
  assert.ok(expected.some((e) => e.prompt.length === 5000), "a 5,000-character prompt");
  assert.ok(expected.some((e) => e.samples.includes("")), "an empty sample");
  assert.ok(expected.some((e) => e.samples.some((s) => s.split("\n").length > 3)), "multi-line");
});

for (const entry of expected) {
  const name = `${entry.alias}_${entry.temperature}: ${JSON.stringify(entry.prompt.slice(0, 30))}`;
  Deno.test(`Persistent: replays Python's cache: ${name}`, async () => {
    assert.equal(promptHash(entry.prompt), entry.prompt_sha256);
    const model = new CountingModel(entry.model, entry.temperature, { alias: entry.alias });
    const cache = new Persistent(model, MNIMI_CACHE, { replication: true });
    const it = cache.sample(entry.prompt);
    const got: string[] = [];
    for (let i = 0; i < entry.samples.length; i++) got.push((await it.next()).value!);
    assert.deepEqual(got, entry.samples);
    const miss = await it.next().then(() => undefined, (e) => e);
    assert.ok(miss instanceof ReplicationCacheMiss, String(miss));
    assert.equal(miss.stored, entry.samples.length);
    assert.equal(model.requests.length, 0);
    // Every call replays the same sequence.
    assert.deepEqual(await collect(cache.sample(entry.prompt), 1), entry.samples.slice(0, 1));
  });
}

Deno.test("Persistent: lists the fixture's models and prompts", async () => {
  const store = new FsStore(MNIMI_CACHE);
  const keys = [...new Set(expected.map((e) => modelKey(e)))].sort();
  assert.deepEqual((await Array.fromAsync(store.models())).sort(), keys);
  for (const key of keys) {
    const hashes = expected.filter((e) => modelKey(e) === key).map((e) => e.prompt_sha256);
    const prompts = await Array.fromAsync(store.prompts(key));
    assert.deepEqual(prompts.map((p) => p.hash).sort(), hashes.sort());
    // Python records no prompt text.
    assert.ok(prompts.every((p) => p.prompt === undefined));
  }
  await store.close();
});
