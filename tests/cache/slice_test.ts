// Cache slicing beyond the store suite: a folder slice with a gap, a store
// that cannot place samples, and an in-memory slice whose earlier fill failed.

import assert from "node:assert/strict";
import { collect, first, Independent, promptHash, Repeatable } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import type { Store } from "../../cache/store.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPT = "p";
const KEY = { model: "m_1", hash: promptHash(PROMPT) };

Deno.test("Persistent: a folder slice holding 3.md but not 0.md to 2.md gets X's samples at X's indices", () =>
  withTempDir(async (dir) => {
    const source = ["x0", "x1", "x2", "x3", "x4", "x5"];
    await new FsStore(`${dir}/x`).append(KEY, { from: 0, samples: source, prompt: PROMPT });
    await Deno.mkdir(`${dir}/y/m_1/${KEY.hash}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/y/m_1/${KEY.hash}/3.md`, "x3");
    const model = new CountingModel("m", 1);
    const outer = new Persistent(new Persistent(model, `${dir}/x`), `${dir}/y`);
    assert.deepEqual(await collect(outer.sample(PROMPT), 5), source.slice(0, 5));
    assert.deepEqual(await new FsStore(`${dir}/y`).indices(KEY), [0, 1, 2, 3, 4]);
    assert.deepEqual(await new FsStore(`${dir}/y`).load(KEY, 0), source.slice(0, 5));
    assert.deepEqual(model.requests, []);
  }));

/** `store` without its `place` method: a custom store of an older design. */
function withoutPlace(store: Store): Store {
  return {
    location: store.location,
    load: (key, from) => store.load(key, from),
    append: (...args) => store.append(...args),
    models: () => store.models(),
    prompts: (model) => store.prompts(model),
    close: () => store.close(),
  };
}

Deno.test("Persistent: a store without place() is read by a slice, never written, and refused before a draw", () =>
  withTempDir(async (dir) => {
    const slice = withoutPlace(new FsStore(`${dir}/y`));
    // As a cache of its own it works as ever.
    const plain = new CountingModel("m", 1);
    assert.deepEqual(await collect(new Persistent(plain, slice).sample(PROMPT), 2), ["0", "1"]);
    // As a slice it is read, in replication mode too…
    const source = new FsStore(`${dir}/x`);
    await source.append(KEY, { from: 0, samples: ["0", "1", "x2"], prompt: PROMPT });
    const replay = new Persistent(new Persistent(new CountingModel("m", 1), source), slice, {
      replication: true,
    });
    assert.deepEqual(await collect(replay.sample(PROMPT), 2), ["0", "1"]);
    // …but a miss is refused before anything is drawn, saying why.
    const model = new CountingModel("m", 1);
    const outer = new Persistent(new Persistent(model, source), slice);
    const it = outer.sample(PROMPT);
    await collect(it, 2);
    const error = await it.next().then(() => undefined, (e) => e);
    assert.ok(error instanceof Error, "no error");
    for (const part of ["cannot keep a slice", "place()", `${dir}/y`, "index 2"]) {
      assert.ok(error.message.includes(part), `${part} not in: ${error.message}`);
    }
    assert.deepEqual(model.requests, []);
    assert.deepEqual(await slice.load(KEY, 0), ["0", "1"]);
  }));

Deno.test("Persistent: an in-memory slice whose first fill failed keeps the cache below's indices", async () => {
  const provider = new CountingModel("m", 1, { latency: 5 });
  provider.failNext(new Error("the first request fails"));
  const inner = new Repeatable(provider);
  const outer = new Repeatable(inner);
  // Two readers at once: the slice fills index 0 and index 1 together, and
  // the fill of index 0 fails while that of index 1 succeeds.
  const reader = new Independent(outer);
  const results = await Promise.allSettled([
    first(reader.sample(PROMPT)),
    first(reader.sample(PROMPT)),
  ]);
  assert.deepEqual(results.map((r) => r.status), ["rejected", "fulfilled"]);
  const below = await collect(inner.sample(PROMPT), 3);
  assert.deepEqual(await collect(outer.sample(PROMPT), 3), below);
});

Deno.test("Persistent: a custom store whose place() answers fewer samples than it was given is an error", () =>
  withTempDir(async (dir) => {
    const folder = new FsStore(`${dir}/y`);
    const slice: Store = { ...withoutPlace(folder), place: () => Promise.resolve([]) };
    const outer = new Persistent(new Persistent(new CountingModel("m", 1), `${dir}/x`), slice);
    await assert.rejects(
      first(outer.sample(PROMPT)),
      /place\(\) answered 0 sample\(s\) for 1; a Store's place\(\) answers what each index holds/,
    );
  }));

Deno.test(
  "Persistent: a slice into a sqlite: spec keeps the source's indices with two stacks at once",
  {
    permissions: { read: ["tests/.tmp"], write: ["tests/.tmp"] },
  },
  () =>
    withTempDir(async (dir) => {
      const model = new CountingModel("m", 1);
      const stack = () => new Persistent(new Persistent(model, `${dir}/x`), `sqlite:${dir}/y.db`);
      const [a, b] = [stack(), stack()];
      const [fromA, fromB] = await Promise.all([
        collect(a.sample(PROMPT), 4),
        collect(b.sample(PROMPT), 4),
      ]);
      assert.deepEqual(fromA, fromB);
      await Promise.all([a.store.close(), b.store.close()]);
      const source = new FsStore(`${dir}/x`);
      const { SqliteStore } = await import("../../cache/sqlite_store.ts");
      const slice = await SqliteStore.open(`${dir}/y.db`);
      try {
        // Both stacks' inner caches drew, so the source may hold more than was served.
        assert.deepEqual(await slice.load(KEY, 0), (await source.load(KEY, 0)).slice(0, 4));
        assert.deepEqual(fromA, await slice.load(KEY, 0));
      } finally {
        await slice.close();
      }
    }),
);
