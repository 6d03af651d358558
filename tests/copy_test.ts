import assert from "node:assert/strict";
import { CopyConflictError, type CopyProgress, copyStore } from "../cache/copy.ts";
import { FsStore } from "../cache/fs_store.ts";
import { KvStore } from "../cache/kv_store.ts";
import { RedisStore } from "../cache/redis_store.ts";
import { SqliteStore } from "../cache/sqlite_store.ts";
import type { SequenceKey, Store } from "../cache/store.ts";
import { promptHash } from "../model_key.ts";
import { freshRedisSpec, skipRedis } from "./redis_url.ts";

interface Kind {
  name: string;
  ignore: boolean;
  open(dir: string, label: string): Promise<{ store: Store; cleanup(): Promise<void> }>;
}

const KINDS: Kind[] = [
  {
    name: "fs",
    ignore: false,
    open: (dir, label) =>
      Promise.resolve({ store: new FsStore(`${dir}/${label}`), cleanup: () => Promise.resolve() }),
  },
  {
    name: "kv",
    ignore: false,
    open: async (dir, label) => ({
      store: await KvStore.open(`${dir}/${label}.db`),
      cleanup: () => Promise.resolve(),
    }),
  },
  {
    name: "redis",
    ignore: skipRedis(),
    open: async (_dir, label) => {
      const store = await RedisStore.connect(freshRedisSpec(`copy-${label}`));
      return { store, cleanup: () => store.clear() };
    },
  },
  {
    name: "sqlite",
    ignore: false,
    open: async (dir, label) => ({
      store: await SqliteStore.open(`${dir}/${label}.sqlite`),
      cleanup: () => Promise.resolve(),
    }),
  },
];

const NESTED = "accounts/fireworks/models/x_0.7";
const SEED: { key: SequenceKey; prompt: string | undefined; samples: string[] }[] = [
  { key: key("gpt-4o_1", "Choose"), prompt: "Choose", samples: ["92", "417", ""] },
  { key: key("gpt-4o_1", ""), prompt: "", samples: ["Ünïcödé — 你好 🌍\n"] },
  { key: key(NESTED, "q"), prompt: undefined, samples: ["é".repeat(40_000), "b"] },
  { key: key("gpt-4o_0", "Choose"), prompt: "Choose", samples: ["1"] },
];

function key(model: string, prompt: string): SequenceKey {
  return { model, hash: promptHash(prompt) };
}

async function seed(store: Store): Promise<void> {
  for (const { key, prompt, samples } of SEED) await store.append(key, 0, samples, prompt);
}

/** Every sequence of a store, sorted, with prompt texts. */
async function dump(store: Store) {
  const out: [string, string, string | undefined, string[]][] = [];
  for await (const model of store.models()) {
    for await (const { hash, prompt } of store.prompts(model)) {
      out.push([model, hash, prompt, await store.load({ model, hash }, 0)]);
    }
  }
  return out.sort((a, b) => `${a[0]} ${a[1]}`.localeCompare(`${b[0]} ${b[1]}`));
}

async function withPair(
  from: Kind,
  to: Kind,
  fn: (a: Store, b: Store) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const a = await from.open(dir, "a");
  const b = await to.open(dir, "b");
  try {
    await fn(a.store, b.store);
  } finally {
    await a.cleanup();
    await b.cleanup();
    await a.store.close();
    await b.store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

for (const from of KINDS) {
  for (const to of KINDS) {
    Deno.test({
      name: `copyStore ${from.name} → ${to.name}: everything, idempotent, then only what is new`,
      ignore: from.ignore || to.ignore,
      fn: () =>
        withPair(from, to, async (a, b) => {
          await seed(a);
          const progress: CopyProgress[] = [];
          const first = await copyStore(a, b, { onProgress: (p) => progress.push(p) });
          assert.deepEqual(first, { sequences: 4, copied: 7, present: 0, conflicts: [] });
          assert.deepEqual(await dump(b), await dump(a));
          assert.deepEqual(progress.map((p) => p.done).sort(), [1, 2, 3, 4]);
          assert.ok(progress.every((p) => p.total === 4));

          const again = await copyStore(a, b);
          assert.deepEqual(again, { sequences: 4, copied: 0, present: 7, conflicts: [] });

          await a.append(SEED[0]!.key, 3, ["new"], "Choose");
          const more = await copyStore(a, b);
          assert.equal(more.copied, 1);
          assert.deepEqual(await b.load(SEED[0]!.key, 0), ["92", "417", "", "new"]);
        }),
    });
  }
}

const [FS, KV, REDIS, SQLITE] = KINDS as [Kind, Kind, Kind, Kind];
const PAIRS: [Kind, Kind][] = [[FS, KV], [KV, REDIS], [REDIS, FS], [FS, SQLITE], [SQLITE, KV]];
for (const [from, to] of PAIRS) {
  Deno.test({
    name: `copyStore ${from.name} → ${to.name}: refuses to overwrite and names the conflicts`,
    ignore: from.ignore || to.ignore,
    fn: () =>
      withPair(from, to, async (a, b) => {
        await seed(a);
        await b.append(SEED[0]!.key, 0, ["92", "999"], "Choose");
        const error = await copyStore(a, b).then(() => undefined, (e) => e);
        assert.ok(error instanceof CopyConflictError, String(error));
        assert.deepEqual(error.conflicts, [
          { ...SEED[0]!.key, index: 1, source: "417", target: "999" },
        ]);
        assert.match(error.message, new RegExp(`gpt-4o_1 ${SEED[0]!.key.hash} index 1`));
        assert.equal(error.result.copied, 4);
        // The conflicting sequence is left as it was; the others were copied.
        assert.deepEqual(await b.load(SEED[0]!.key, 0), ["92", "999"]);
        assert.deepEqual(await b.load(SEED[2]!.key, 0), SEED[2]!.samples);
      }),
  });

  Deno.test({
    name: `copyStore ${from.name} → ${to.name}: filters by model key and prompt hash`,
    ignore: from.ignore || to.ignore,
    fn: () =>
      withPair(from, to, async (a, b) => {
        await seed(a);
        const byModel = await copyStore(a, b, { models: ["gpt-4o_1", "absent_1"] });
        assert.equal(byModel.sequences, 2);
        assert.deepEqual((await Array.fromAsync(b.models())).sort(), ["gpt-4o_1"]);
        const byHash = await copyStore(a, b, { hashes: [promptHash("Choose")] });
        assert.equal(byHash.sequences, 2);
        assert.equal(byHash.copied, 1);
        assert.deepEqual(await b.load(SEED[3]!.key, 0), ["1"]);
        assert.deepEqual(await b.load(SEED[2]!.key, 0), []);
      }),
  });
}

Deno.test("copyStore: the Python-written fixture goes fs → KV → fs unchanged", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const kv = await KvStore.open(`${dir}/cache.db`);
  try {
    const fixture = new FsStore("tests/fixtures/mnimi-cache");
    const there = await copyStore(fixture, kv);
    assert.deepEqual(there, { sequences: 30, copied: 124, present: 0, conflicts: [] });
    const back = new FsStore(`${dir}/back`);
    await copyStore(kv, back);
    assert.deepEqual(await dump(back), await dump(fixture));
    const sample = "gpt-4o_1/b11eebdc377d238c4177aebce657eb33f91e3197cd8aa68afb94b7fb47e4cba2/1.md";
    assert.equal(
      await Deno.readTextFile(`${dir}/back/${sample}`),
      await Deno.readTextFile(`tests/fixtures/mnimi-cache/${sample}`),
    );
  } finally {
    await kv.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyStore: a bad concurrency is a RangeError", async () => {
  const store = new FsStore("tests/.tmp/never-created");
  await assert.rejects(copyStore(store, store, { concurrency: 0 }), RangeError);
});
