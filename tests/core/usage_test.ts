// What a sample cost to draw, carried with it from the provider to the store
// and back: a request's shares, samples of one request stored by several
// appends, caches of older versions and of Python, torn usage lines, the
// usage file read as it grows, and an API key that never reaches a record.

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BufferedModel,
  collect,
  first,
  OpenAICompatible,
  Persistent,
  promptHash,
} from "../../mod.ts";
import type { SampleUsage, UsageRecord } from "../../core/accounting.ts";
import type { QueryResult } from "../../core/engine.ts";
import { manifest } from "../../cache/manifest.ts";
import { FsStore, type Store } from "../../cache/stores.ts";
import { formatManifest } from "../../cache/manifest.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { USAGE_FILE } from "../../cache/fs_store.ts";
import { sharesOf } from "../../core/usage_shares.ts";
import { recordsOf, usageAt } from "../../core/usage_records.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { expected, MNIMI_CACHE } from "../_support/mnimi_fixture.ts";
import { withServer } from "../_support/openai_server.ts";
import { symlink } from "../_support/symlink.ts";

const P = "Choose a number between 1 and 1000.";
const KEY = { model: "tens_1", hash: promptHash(P) };

/** Draws "0", "1", …; each request reports 100 prompt tokens and 10 completion tokens a sample. */
class Tens extends BufferedModel {
  #next = 0;
  protected query(_prompt: string, n: number): Promise<QueryResult> {
    const samples = Array.from({ length: n }, () => String(this.#next++));
    return Promise.resolve({ samples, usage: { promptTokens: 100, completionTokens: 10 * n } });
  }
}

async function withDirs(count: number, fn: (...dirs: string[]) => Promise<void>): Promise<void> {
  const dirs = await Promise.all(
    Array.from({ length: count }, () => Deno.makeTempDir({ dir: "tests/.tmp" })),
  );
  try {
    await fn(...dirs);
  } finally {
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
}

/** The sum of `field` over usages, unknown ones left out. */
function sum(usage: readonly (SampleUsage | undefined)[], field: keyof SampleUsage): number {
  return usage.reduce((n, u) => n + (u?.[field] ?? 0), 0);
}

Deno.test("SampleUsage: a request's shares are whole numbers that add up to it, however they are stored", () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 16 }),
    fc.nat(100_000),
    fc.nat(100_000),
    fc.nat(1_000_000),
    fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 16 }),
    fc.nat(1000),
    (n, promptTokens, completionTokens, latencyMs, sizes, offset) => {
      const request = { requests: 1, promptTokens, completionTokens, latencyMs };
      const shares = sharesOf(request, n);
      for (const share of shares) {
        for (const value of Object.values(share)) assert.ok(Number.isSafeInteger(value));
      }
      // Stored by several appends (of the given sizes), at indices from `offset` on.
      const records: UsageRecord[] = [];
      for (let k = 0, s = 0; k < n; k += sizes[s++] ?? n) {
        const size = Math.min(sizes[s] ?? n, n - k);
        const indices = Array.from({ length: size }, (_, j) => offset + k + j);
        records.push(...recordsOf(indices, shares.slice(k, k + size)));
      }
      for (const usage of [shares, usageAt(records, offset, n)]) {
        assert.equal(usage.length, n);
        for (
          const field of ["requests", "promptTokens", "completionTokens", "latencyMs"] as const
        ) {
          assert.equal(sum(usage, field), request[field], field);
        }
      }
    },
  ));
});

Deno.test("SampleUsage: samples of one request stored by two caches: each store keeps the shares it got", () =>
  withDirs(2, async (a, b) => {
    const provider = new Tens("tens", 1, { maxBatch: 10 });
    // A request of 10; the raw stream takes "0", 9 stay in the provider's buffer.
    assert.equal(await first(provider.sample(P, 10)), "0");
    // The first cache gets those 9 and the first of a second request; the
    // second cache the 9 others of that one and the first of a third.
    assert.deepEqual(await collect(new Persistent(provider, a).sample(P, 10), 10), [
      ..."123456789".split(""),
      "10",
    ]);
    await collect(new Persistent(provider, b).sample(P, 10), 10);
    // Each store keeps the sums of the shares of the samples it got: a tenth
    // of a request's prompt tokens each, and the request itself with its first.
    const stored = async (dir: string) => {
      const usage = usageAt(await new FsStore(dir).usage(KEY), 0, 10);
      return [sum(usage, "requests"), sum(usage, "promptTokens"), sum(usage, "completionTokens")];
    };
    assert.deepEqual(await stored(a), [1, 100, 100]);
    assert.deepEqual(await stored(b), [1, 100, 100]);
    // Three requests of 100 prompt tokens: "0" took its tenth, 9 of the third are unread.
    assert.deepEqual(provider.totalTokenCount(), [300, 300]);
  }));

Deno.test("SampleUsage: an answer shorter than asked: the rest comes with its own request's usage", () =>
  withDirs(1, async (dir) => {
    const provider = new CountingModel("tens", 1, { maxBatch: 4, cap: 3 });
    await collect(new Persistent(provider, dir).sample(P, 4), 4);
    assert.deepEqual(provider.requests, [4, 1]);
    // One append of the 4 samples, which two requests brought.
    const [record, ...rest] = await new FsStore(dir).usage(KEY);
    assert.deepEqual(rest, []);
    const { latencyMs: _, ...figures } = record!;
    assert.deepEqual(figures, {
      from: 0,
      count: 4,
      requests: 2,
      promptTokens: 2 * P.length,
      completionTokens: 4,
    });
  }));

Deno.test("SampleUsage: a sliced cache keeps the usage of the samples it takes from the cache below", () =>
  withDirs(2, async (a, b) => {
    const provider = new CountingModel("tens", 1, { maxBatch: 5 });
    await collect(new Persistent(provider, a).sample(P, 5), 5);
    const inner = new Persistent(new CountingModel("tens", 1), a, { replication: true });
    const slice = new Persistent(inner, b);
    await collect(slice.sample(P), 3);
    const below = usageAt(await new FsStore(a).usage(KEY), 0, 3);
    const sliced = usageAt(await new FsStore(b).usage(KEY), 0, 3);
    assert.deepEqual(sliced, below);
    // Both layers served the three from a cache; the one below saved them first.
    assert.deepEqual(inner.stats.saved.samples, 3);
    assert.equal(inner.stats.saved.promptTokens, sum(below, "promptTokens"));
  }));

Deno.test("SampleUsage: a cache written by Python loads, its samples counted as of unknown usage", async () => {
  const entry = expected.find((e) => e.samples.length > 1)!;
  const replay = new Persistent(
    new CountingModel(entry.model, entry.temperature, {
      alias: entry.alias,
      price: { input: 1, output: 1 },
    }),
    MNIMI_CACHE,
    { replication: true },
  );
  assert.deepEqual(await collect(replay.sample(entry.prompt), entry.samples.length), entry.samples);
  assert.deepEqual(replay.stats.saved, {
    samples: entry.samples.length,
    unknown: entry.samples.length,
    requests: 0,
    promptTokens: 0,
    completionTokens: 0,
    cost: 0,
    queryTime: 0,
  });
});

Deno.test("FsStore: a torn usage line is skipped; a record written after it on its line is read", () =>
  withDirs(1, async (dir) => {
    const usage = (tokens: number): SampleUsage => ({
      requests: 1,
      promptTokens: tokens,
      completionTokens: tokens,
      latencyMs: 1,
    });
    const store = new FsStore(dir);
    await store.append(KEY, {
      from: 0,
      samples: ["a", "b"],
      prompt: P,
      usage: [usage(1), usage(2)],
    });
    await store.append(KEY, { from: 2, samples: ["c"], prompt: P, usage: [usage(4)] });
    // A writer killed in the middle of its write of c's record; garbage a
    // power cut left; then another writer's record for d, on the torn line.
    const file = `${dir}/${KEY.model}/${KEY.hash}/${USAGE_FILE}`;
    const [whole, torn] = (await Deno.readTextFile(file)).split("\n");
    const bytes = new TextEncoder().encode(`${whole}\n\0\0\xff\n${torn!.slice(0, 25)}`);
    await Deno.writeFile(file, Uint8Array.from([...bytes, 0xff, 0xfe]));
    await new FsStore(dir).append(KEY, { from: 3, samples: ["d"], prompt: P, usage: [usage(8)] });
    assert.match(await Deno.readTextFile(file), /\n\{"from":2,"count":1,"r.*\{"from":3,/);

    const records = await new FsStore(dir).usage(KEY);
    assert.deepEqual(records.map((r) => [r.from, r.count]), [[0, 2], [3, 1]]);
    const replay = new Persistent(new CountingModel("tens", 1), dir, { replication: true });
    assert.deepEqual(await collect(replay.sample(P), 4), ["a", "b", "c", "d"]);
    const { queryTime: _, ...saved } = replay.stats.saved;
    assert.deepEqual(saved, {
      samples: 4,
      unknown: 1,
      requests: 3,
      promptTokens: 11,
      completionTokens: 11,
    });
  }));

Deno.test("FsStore: the usage file is read as it grows, a line only once it is whole", () =>
  withDirs(1, async (dir) => {
    const store = new FsStore(dir);
    const line = (from: number) => `{"from":${from},"count":1,"requests":1,"latencyMs":3}\n`;
    await store.append(KEY, {
      from: 0,
      samples: ["a"],
      prompt: P,
      usage: [{ requests: 1, latencyMs: 3 }],
    });
    assert.equal((await store.usage(KEY)).length, 1);
    // Another process is writing its line: half of it is there.
    const file = `${dir}/${KEY.model}/${KEY.hash}/${USAGE_FILE}`;
    await Deno.writeTextFile(file, line(1).slice(0, 20), { append: true });
    assert.deepEqual((await store.usage(KEY)).map((r) => r.from), [0]);
    await Deno.writeTextFile(file, line(1).slice(20), { append: true });
    assert.deepEqual((await store.usage(KEY)).map((r) => r.from), [0, 1]);
    await Deno.writeTextFile(file, line(2), { append: true });
    assert.deepEqual((await store.usage(KEY, 2)).map((r) => r.from), [2]);
  }));

Deno.test("FsStore: a link in place of usage.jsonl is refused, for reads and for writes", () =>
  withDirs(1, async (dir) => {
    const store = new FsStore(`${dir}/cache`);
    await store.append(KEY, { from: 0, samples: ["a"], prompt: P });
    await Deno.writeTextFile(`${dir}/outside.txt`, "");
    const folder = `${dir}/cache/${KEY.model}/${KEY.hash}`;
    await symlink("../../../outside.txt", `${folder}/${USAGE_FILE}`);
    const refused = /usage\.jsonl is a symbolic link, which the cache does not follow/;
    await assert.rejects(new FsStore(`${dir}/cache`).usage(KEY), refused);
    await assert.rejects(
      new FsStore(`${dir}/cache`).append(KEY, {
        from: 1,
        samples: ["b"],
        prompt: P,
        usage: [{ requests: 1, latencyMs: 1 }],
      }),
      refused,
    );
    assert.equal(await Deno.readTextFile(`${dir}/outside.txt`), "", "nothing written through it");
  }));

Deno.test("Repeatable: the sampling core imports no node: built-in (no AsyncLocalStorage)", async () => {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: ["info", "--json", "core/mod.ts"],
    env: { NO_COLOR: "1" },
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  const info = JSON.parse(new TextDecoder().decode(stdout)) as { modules: { specifier: string }[] };
  const builtins = info.modules.map((m) => m.specifier).filter((s) => s.startsWith("node:"));
  assert.deepEqual(builtins, []);
});

Deno.test({
  name: "SampleUsage: the API key never reaches a stored record or a manifest",
  permissions: {
    read: ["tests/.tmp", "tests/fixtures"],
    write: ["tests/.tmp"],
    net: ["127.0.0.1"],
  },
  fn: () =>
    withDirs(1, (dir) =>
      withServer({}, async (server) => {
        const secret = "sk-usage-test-0123456789abcdef";
        const stores: [string, Store][] = [
          [`${dir}/folder`, new FsStore(`${dir}/folder`)],
          [`${dir}/cache.kv`, await KvStore.open(`${dir}/cache.kv`)],
          [`${dir}/cache.db`, await SqliteStore.open(`${dir}/cache.db`)],
        ];
        const runs: Persistent[] = [];
        for (const [, store] of stores) {
          const provider = new OpenAICompatible("gpt-4o", 1, {
            baseUrl: server.url,
            apiKey: secret,
            maxBatch: 3,
            price: { input: 1, output: 2 },
          });
          const model = new Persistent(provider, store);
          await collect(model.sample(P, 3), 3);
          runs.push(model);
          const [record] = await store.usage!({ model: "gpt-4o_1", hash: promptHash(P) });
          assert.equal(record?.promptTokens, P.length, `${store.location} keeps the usage`);
        }
        assert.ok(server.requests.every((r) => r.authorization === `Bearer ${secret}`));
        const text = formatManifest(manifest(runs));
        assert.ok(!text.includes(secret), "the manifest");
        for (const [, store] of stores) await store.close();
        const files = async function* (path: string): AsyncGenerator<string> {
          const info = await Deno.lstat(path);
          if (!info.isDirectory) return yield path;
          for await (const entry of Deno.readDir(path)) yield* files(`${path}/${entry.name}`);
        };
        const needle = new TextEncoder().encode(secret);
        for await (const file of files(dir)) {
          const bytes = await Deno.readFile(file);
          const at = bytes.findIndex((_, i) => needle.every((b, k) => bytes[i + k] === b));
          assert.equal(at, -1, `the key is in ${file}`);
        }
      })),
});
