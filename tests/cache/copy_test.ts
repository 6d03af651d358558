import assert from "node:assert/strict";
import { CopyConflictError, type CopyProgress, copyStore } from "../../cache/copy.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { RedisStore } from "../../cache/redis_store.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import type { SequenceKey, Store } from "../../cache/store.ts";
import { promptHash } from "../../core/model_key.ts";
import { usageAt } from "../../core/usage_records.ts";
import type { SampleUsage } from "../../core/usage.ts";
import { freshRedisSpec, skipRedis } from "../_support/redis_url.ts";
import { symlink } from "../_support/symlink.ts";

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

// What the first seeded samples cost to draw, as the shares of one request
// (stored as one record, read back as the same shares); the third's is unknown.
const USAGE: (SampleUsage | undefined)[] = [
  { requests: 1, promptTokens: 6, completionTokens: 1, latencyMs: 35 },
  { requests: 0, promptTokens: 5, completionTokens: 1, latencyMs: 35 },
  undefined,
];

async function seed(store: Store): Promise<void> {
  for (const [k, { key, prompt, samples }] of SEED.entries()) {
    await store.append(key, { from: 0, samples, prompt, usage: k === 0 ? USAGE : undefined });
  }
}

/** The usage of a sequence's first `count` samples, per sample. */
async function usage(store: Store, key: SequenceKey, count: number) {
  return usageAt(await store.usage!(key), 0, count);
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
      name: `copyStore: ${from.name} → ${to.name}: everything, idempotent, then only what is new`,
      ignore: from.ignore || to.ignore,
      fn: () =>
        withPair(from, to, async (a, b) => {
          await seed(a);
          const progress: CopyProgress[] = [];
          const first = await copyStore(a, b, { onProgress: (p) => progress.push(p) });
          assert.deepEqual(first, { sequences: 4, copied: 7, present: 0, conflicts: [] });
          assert.deepEqual(await dump(b), await dump(a));
          // What the samples cost to draw goes with them.
          assert.deepEqual(await usage(b, SEED[0]!.key, 3), USAGE);
          assert.deepEqual(await b.usage!(SEED[1]!.key), []);
          assert.deepEqual(progress.map((p) => p.done).sort(), [1, 2, 3, 4]);
          assert.ok(progress.every((p) => p.total === 4));

          const again = await copyStore(a, b);
          assert.deepEqual(again, { sequences: 4, copied: 0, present: 7, conflicts: [] });

          const last = { requests: 1, latencyMs: 9 };
          await a.append(SEED[0]!.key, {
            from: 3,
            samples: ["new"],
            prompt: "Choose",
            usage: [last],
          });
          const more = await copyStore(a, b);
          assert.equal(more.copied, 1);
          assert.deepEqual(await b.load(SEED[0]!.key, 0), ["92", "417", "", "new"]);
          assert.deepEqual(await usage(b, SEED[0]!.key, 4), [...USAGE, last]);
        }),
    });
  }
}

const [FS, KV, REDIS, SQLITE] = KINDS as [Kind, Kind, Kind, Kind];
const PAIRS: [Kind, Kind][] = [[FS, KV], [KV, REDIS], [REDIS, FS], [FS, SQLITE], [SQLITE, KV]];
for (const [from, to] of PAIRS) {
  Deno.test({
    name: `copyStore: ${from.name} → ${to.name}: refuses to overwrite and names the conflicts`,
    ignore: from.ignore || to.ignore,
    fn: () =>
      withPair(from, to, async (a, b) => {
        await seed(a);
        await b.append(SEED[0]!.key, { from: 0, samples: ["92", "999"], prompt: "Choose" });
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
    name: `copyStore: ${from.name} → ${to.name}: filters by model key and prompt hash`,
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

Deno.test("copyStore: concurrency is checked as every count is (internal/validate.ts)", async () => {
  const store = new FsStore("tests/.tmp/never-created");
  await assert.rejects(
    copyStore(store, store, { concurrency: 1.5 }),
    new RangeError(
      "concurrency must be a positive integer, got 1.5; pass a whole number of at least 1",
    ),
  );
  // Not a number at all is a TypeError that shows the value, as for maxBatch or batch.
  await assert.rejects(
    copyStore(store, store, { concurrency: "8" as unknown as number }),
    new TypeError(
      'concurrency must be a positive integer, got "8"; pass a whole number of at least 1',
    ),
  );
});

/** Files of a prompt folder, by name, with their text. */
async function files(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for await (const entry of Deno.readDir(folder)) {
    out[entry.name] = await Deno.readTextFile(`${folder}/${entry.name}`);
  }
  return out;
}

Deno.test("copyStore: a target sequence with a gap and other samples past it is not touched", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const source = new FsStore(`${dir}/a`);
    const target = new FsStore(`${dir}/b`);
    const k = key("m_1", "p");
    await source.append(k, { from: 0, samples: ["s0", "s1", "s2"], prompt: "p" });
    const folder = `${dir}/b/m_1/${k.hash}`;
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(`${folder}/0.md`, "s0");
    await Deno.writeTextFile(`${folder}/2.md`, "other");
    const error = await copyStore(source, target).then(() => undefined, (e) => e);
    assert.ok(error instanceof CopyConflictError, String(error));
    assert.deepEqual(error.conflicts, [{ ...k, index: 2, source: "s2", target: "other" }]);
    assert.deepEqual(await files(folder), { "0.md": "s0", "2.md": "other" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyStore: a gap whose hidden samples agree is filled, each sample at its index", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const source = new FsStore(`${dir}/a`);
    const k = key("m_1", "p");
    await source.append(k, { from: 0, samples: ["s0", "s1", "s2", "s3", "s4"], prompt: "p" });
    const folder = `${dir}/b/m_1/${k.hash}`;
    await Deno.mkdir(folder, { recursive: true });
    for (const i of [0, 2, 7]) {
      await Deno.writeTextFile(`${folder}/${i}.md`, i === 7 ? "x" : `s${i}`);
    }
    const result = await copyStore(source, new FsStore(`${dir}/b`));
    assert.deepEqual(result, { sequences: 1, copied: 3, present: 2, conflicts: [] });
    assert.deepEqual(await files(folder), {
      "0.md": "s0",
      "1.md": "s1",
      "2.md": "s2",
      "3.md": "s3",
      "4.md": "s4",
      "7.md": "x",
      "prompt.txt": "p",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyStore: a Deno KV target with a gap is not touched either", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const source = new FsStore(`${dir}/a`);
  const target = await KvStore.open(`${dir}/b.kv`);
  const raw = await Deno.openKv(`${dir}/b.kv`);
  try {
    const k = key("m_1", "p");
    await source.append(k, { from: 0, samples: ["s0", "s1", "s2"], prompt: "p" });
    await target.append(k, { from: 0, samples: ["s0"], prompt: "p" });
    // A gap only a database changed outside KvStore can have.
    const encode = (text: string) => new TextEncoder().encode(text);
    await raw.set(["llm-cache", "sample", "m_1", k.hash, 2], encode("other"));
    const error = await copyStore(source, target).then(() => undefined, (e) => e);
    assert.ok(error instanceof CopyConflictError, String(error));
    assert.deepEqual(error.conflicts, [{ ...k, index: 2, source: "s2", target: "other" }]);
    assert.deepEqual(await target.indices(k), [0, 2]);
  } finally {
    raw.close();
    await target.close();
    await Deno.remove(dir, { recursive: true });
  }
});

/** A store that checks nothing: what a store written by an older version may hold. */
class Unchecked implements Store {
  readonly location = "unchecked";
  constructor(readonly data: Map<string, string[]>) {}
  load(k: SequenceKey): Promise<string[]> {
    return Promise.resolve(this.data.get(`${k.model}\n${k.hash}`) ?? []);
  }
  append(): Promise<string[]> {
    return Promise.reject(new Error("read only"));
  }
  async *models(): AsyncIterableIterator<string> {
    yield* new Set([...this.data.keys()].map((k) => k.split("\n")[0]!));
  }
  async *prompts(model: string): AsyncIterableIterator<{ hash: string; prompt: undefined }> {
    for (const k of this.data.keys()) {
      const [m, hash] = k.split("\n") as [string, string];
      if (m === model) yield { hash, prompt: undefined };
    }
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("copyStore: a key no store accepts fails the copy before anything is written", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const good = key("a_1", "p");
    for (const [model, hash] of [["../../evil_1", good.hash], ["z_1", "not-a-hash"]]) {
      const source = new Unchecked(
        new Map([[`${good.model}\n${good.hash}`, ["s"]], [`${model}\n${hash}`, ["t"]]]),
      );
      const target = new FsStore(`${dir}/b`);
      await assert.rejects(copyStore(source, target), (error: Error) => {
        assert.ok(error instanceof TypeError, String(error));
        assert.ok(error.message.includes(JSON.stringify(model === "z_1" ? hash : model)));
        return true;
      });
      assert.deepEqual(await Array.fromAsync(target.models()), [], "nothing was copied");
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyStore: a sample that is not UTF-8 stops the copy, naming the file", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const k = key("m_1", "p");
    const folder = `${dir}/a/m_1/${k.hash}`;
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(`${folder}/0.md`, "fine");
    await Deno.writeFile(`${folder}/1.md`, new Uint8Array([0x34, 0xe4, 0xbd])); // cut off
    await assert.rejects(
      copyStore(new FsStore(`${dir}/a`), new FsStore(`${dir}/b`)),
      (error: Error) => error instanceof TypeError && error.message.includes(`${folder}/1.md`),
    );
    assert.deepEqual(await Array.fromAsync(new FsStore(`${dir}/b`).models()), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("copyStore: a linked sample file is refused, never copied as a real sample", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const k = key("m_1", "p");
    const folder = `${dir}/a/m_1/${k.hash}`;
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(`${dir}/secret.txt`, "outside the cache");
    await symlink("../../../secret.txt", `${folder}/0.md`);
    await assert.rejects(
      copyStore(new FsStore(`${dir}/a`), new FsStore(`${dir}/b`)),
      (error: Error) => error.message.includes(`${folder}/0.md is a symbolic link`),
    );
    await assert.rejects(Deno.lstat(`${dir}/b/m_1/${k.hash}/0.md`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
