// Deno KV's limits on one commit, measured against the runtime, and the
// KvStore writes that must stay within them: a paid batch of large samples,
// a copy of many, long model keys and prompts, all stored whole.

import assert from "node:assert/strict";
import fc from "fast-check";
import { BufferedModel, collect, promptHash } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { encodedKeyBytes, KV_LIMITS, sizeOfWrites, valueBytes } from "../../cache/_kv_limits.ts";
import { usageAt } from "../../core/usage_records.ts";
import { cli } from "../_support/cli_run.ts";
import { withTempDir } from "../_support/temp_dir.ts";

// The model key of the report: 50 bytes of alias, and the temperature.
const FIREWORKS = "accounts/fireworks/models/llama-v3p1-8b-instruct";

async function withKv(fn: (kv: Deno.Kv) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const kv = await Deno.openKv(`${dir}/probe.kv`);
    try {
      await fn(kv);
    } finally {
      kv.close();
    }
  });
}

/** The error of committing what `build` adds, or "ok". */
async function outcome(kv: Deno.Kv, build: (op: Deno.AtomicOperation) => void): Promise<string> {
  const op = kv.atomic();
  build(op);
  return await op.commit().then(() => "ok", (error: Error) => error.message);
}

/** Sets of `total` value bytes in all, over 13 keys `["t", k]`. */
function filler(total: number) {
  return (op: Deno.AtomicOperation) => {
    for (let k = 0, left = total; k < 13; k++) {
      const bytes = Math.min(65_536, left);
      op.set(["t", k], new Uint8Array(bytes));
      left -= bytes;
    }
  };
}

/** What Deno KV counts for `value`: the largest filler that still commits beside it. */
async function measuredValueBytes(kv: Deno.Kv, value: unknown): Promise<number> {
  const fixed = 14 * 2 * encodedKeyBytes(["t", 0]);
  let [low, high] = [KV_LIMITS.bytes - fixed - 70_000, KV_LIMITS.bytes - fixed];
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    const result = await outcome(kv, (op) => {
      filler(mid)(op);
      op.set(["t", 13], value);
    });
    if (result === "ok") low = mid;
    else high = mid - 1;
  }
  return KV_LIMITS.bytes - fixed - low;
}

Deno.test("KvStore: Deno KV's limits on a commit are those it sizes its commits by", () =>
  withKv(async (kv) => {
    const key = (k: number, bytes: number) => ["k", new Uint8Array(bytes - 5).fill(k + 1)];
    assert.equal(encodedKeyBytes(key(0, 2048)), 2048);
    const cases: [string, (op: Deno.AtomicOperation, over: number) => void, RegExp][] = [
      ["a value", (op, over) => op.set(["v"], new Uint8Array(65_536 + over)), /Value too large/],
      ["a key", (op, over) => op.set(key(0, 2048 + over), 1), /Key too large/],
      ["checks", (op, over) => {
        for (let k = 0; k < KV_LIMITS.checks + over; k++) {
          op.check({ key: ["c", k], versionstamp: null });
        }
      }, /Too many checks/],
      ["mutations", (op, over) => {
        for (let k = 0; k < KV_LIMITS.mutations + over; k++) op.set(["m", k], 1);
      }, /Too many mutations/],
      ["the keys set", (op, over) => {
        // 40 keys of 2,048 bytes are 80 KiB; a checked key does not count.
        for (let k = 0; k < 40; k++) op.set(key(k, 2048), new Uint8Array(0));
        op.check({ key: key(50, 2048), versionstamp: null });
        if (over) op.set(["x"], new Uint8Array(0));
      }, /Total key size too large/],
      ["the total size", (op, over) => {
        // A set counts its key twice, a check once.
        const keys = 2 * 13 * encodedKeyBytes(["t", 0]) + encodedKeyBytes(["c", 0]);
        filler(KV_LIMITS.bytes - keys + over)(op);
        op.check({ key: ["c", 0], versionstamp: null });
      }, /Total mutation size too large/],
    ];
    for (const [what, build, error] of cases) {
      assert.equal(await outcome(kv, (op) => build(op, 0)), "ok", `${what} at the limit`);
      assert.match(await outcome(kv, (op) => build(op, 1)), error, `${what} past the limit`);
    }
    // sizeOfWrites counts as Deno does, to the byte: fill up to the limit.
    const checks = [["c", 1], ["c", "é\0"]];
    const sets: [Deno.KvKey, Uint8Array][] = [[["s", "\0x"], new Uint8Array(1000)]];
    const rest = KV_LIMITS.bytes - sizeOfWrites(checks, sets).bytes -
      13 * 2 * encodedKeyBytes(["t", 0]);
    for (const over of [0, 1]) {
      const result = await outcome(kv, (op) => {
        for (const key of checks) op.check({ key, versionstamp: null });
        op.set(...sets[0]!);
        filler(rest + over)(op);
      });
      assert.match(result, over ? /Total mutation size too large/ : /^ok$/);
    }
  }));

Deno.test("KvStore: a key's size is its encoding's, for any text (lone surrogates and NULs too)", () => {
  const encoder = new TextEncoder();
  const encoded = (text: string) => {
    const bytes = encoder.encode(text);
    return 2 + bytes.length + bytes.filter((b) => b === 0).length;
  };
  fc.assert(
    fc.property(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), (a, b) => {
      assert.equal(encodedKeyBytes([a, 7, b]), encoded(a) + 9 + encoded(b));
    }),
    { numRuns: 2000 },
  );
  for (const text of ["\ud800", "a\udc00b", "\ud800\ud800\udc00", "\0\0", "\u07ff\u0800"]) {
    assert.equal(encodedKeyBytes([text]), encoded(text), JSON.stringify(text));
  }
});

Deno.test("KvStore: the sizes it assumes for its values are never below what Deno KV counts", () =>
  withKv(async (kv) => {
    const values: unknown[] = [
      "abc",
      "é".repeat(1000),
      "🌍".repeat(1000),
      FIREWORKS,
      null,
      { id: "", chunks: 3, head: new Uint8Array(900) },
      { id: "", chunks: 3, head: new Uint8Array(4000).subarray(0, 900) },
      { id: crypto.randomUUID(), chunks: 3 },
      {
        from: 2 ** 40,
        count: 10,
        requests: 1,
        promptTokens: 2 ** 50,
        completionTokens: 1,
        latencyMs: 0.5,
      },
      new Uint8Array(1000).subarray(0, 10),
    ];
    for (const value of values) {
      const measured = await measuredValueBytes(kv, value);
      assert.ok(
        valueBytes(value) >= measured,
        `${valueBytes(value)} assumed, ${measured} counted, for ${
          Deno.inspect(value).slice(0, 80)
        }`,
      );
    }
  }));

/** A provider of samples of `bytes` bytes each, with token counts. */
class Large extends BufferedModel {
  #drawn = 0;
  constructor(name: string, readonly bytes: number, maxBatch: number) {
    super(name, 1, { maxBatch });
  }
  protected query(_prompt: string, n: number): Promise<QueryResult> {
    const samples = Array.from({ length: n }, () => `${this.#drawn++}:`.padEnd(this.bytes, "x"));
    return Promise.resolve({ samples, usage: { promptTokens: 12, completionTokens: 100 * n } });
  }
}

Deno.test("KvStore: a paid batch of 10 samples of 50 KB under a 50-byte model key is stored whole", () =>
  withTempDir(async (dir) => {
    const store = await KvStore.open(`${dir}/cache.kv`);
    try {
      const provider = new Large(FIREWORKS, 50_000, 10);
      const model = new Persistent(provider, store);
      const served = await collect(model.sample("p", 10), 10);
      const key = { model: `${FIREWORKS}_1`, hash: promptHash("p") };
      assert.deepEqual(await store.load(key, 0), served);
      const usage = usageAt(await store.usage(key), 0, 10);
      assert.equal(usage.reduce((n, u) => n + u!.completionTokens!, 0), 1000);
      assert.equal(usage.reduce((n, u) => n + u!.requests, 0), 1);
    } finally {
      await store.close();
    }
  }));

Deno.test({
  name: "cache copy: 12 samples of 50 KB into kv: are all stored, with their usage",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  fn: () =>
    withTempDir(async (dir) => {
      const source = new FsStore(`${dir}/folder`);
      const key = { model: `${FIREWORKS}_1`, hash: promptHash("p") };
      const samples = Array.from({ length: 12 }, (_, k) => `${k}:`.padEnd(50_000, "y"));
      const usage = samples.map(() => ({
        requests: 1,
        promptTokens: 5,
        completionTokens: 9,
        latencyMs: 3,
      }));
      await source.append(key, { from: 0, samples, prompt: "p", usage });
      const run = await cli(["copy", `${dir}/folder`, `kv:${dir}/copy.kv`]);
      assert.equal(run.code, 0, run.stderr);
      const target = await KvStore.open(`${dir}/copy.kv`);
      try {
        assert.deepEqual(await target.load(key, 0), samples);
        assert.deepEqual(usageAt(await target.usage(key), 0, 12), usage);
      } finally {
        await target.close();
      }
    }),
});

Deno.test("KvStore: any batch of samples that fit one by one is stored whole, under any model key", () =>
  withTempDir(async (dir) => {
    const store = await KvStore.open(`${dir}/cache.kv`);
    const longest = "m/".repeat(253) + "x_1"; // 509 bytes: the longest key kept as it is
    const hashed = "é/".repeat(400) + "x_1"; // replaced by its hash in keys
    const batches: [string, string[]][] = [
      ["near the value limit", [65_000, 64_999, 65_001, 65_536, 1, 0].map((n) => "z".repeat(n))],
      ["more indices than a commit checks", Array.from({ length: 250 }, (_, k) => `${k}`)],
      [
        "more rows than a commit writes",
        Array.from({ length: 30 }, (_, k) => `${k}`.padEnd(40_000, "é")),
      ],
      ["many of 1 KB", Array.from({ length: 900 }, (_, k) => `${k}`.padEnd(1024, "w"))],
    ];
    try {
      for (const model of [longest, hashed, `${FIREWORKS}_1`]) {
        for (const [what, samples] of batches) {
          // A prompt as long as a value holds rides with the first claim.
          const prompt = `${what}:`.padEnd(65_000, "p");
          const key = { model, hash: promptHash(prompt) };
          const usage = samples.map((_, k) => ({ requests: k % 2, latencyMs: k }));
          const stored = await store.append(key, { from: 0, samples, prompt, usage });
          assert.ok(
            stored.length === samples.length && stored.every((s, k) => s === samples[k]),
            what,
          );
          const loaded = await store.load(key, 0);
          assert.ok(
            loaded.every((s, k) => s === samples[k]),
            `${what} under ${model.slice(0, 20)}`,
          );
          // Every sample's usage is kept, in records that cover each index once.
          const records = await store.usage(key);
          const covering = samples.map((_, i) =>
            records.filter((r) => r.from <= i && i < r.from + r.count).length
          );
          assert.ok(covering.every((n) => n === 1), `${what}: an index without one record`);
          const sum = (field: "requests" | "latencyMs") =>
            records.reduce((n, r) => n + r[field], 0);
          assert.deepEqual([sum("requests"), sum("latencyMs")], [
            usage.reduce((n, u) => n + u.requests, 0),
            usage.reduce((n, u) => n + u.latencyMs, 0),
          ]);
        }
      }
      assert.equal((await Array.fromAsync(store.models())).length, 3);
    } finally {
      await store.close();
    }
  }));

Deno.test("KvStore: large batches of many prompts and of two writers on one prompt share commits safely", () =>
  withTempDir(async (dir) => {
    const a = await KvStore.open(`${dir}/cache.kv`);
    const b = await KvStore.open(`${dir}/cache.kv`);
    try {
      const model = `${FIREWORKS}_1`;
      const batch = (tag: string) =>
        Array.from({ length: 10 }, (_, k) => `${tag}${k}:`.padEnd(50_000, "v"));
      // Appends waiting together share commits: none may go past a limit.
      const prompts = Array.from({ length: 6 }, (_, p) => `p${p}`);
      await Promise.all(
        prompts.map((p) =>
          a.append({ model, hash: promptHash(p) }, { from: 0, samples: batch(p), prompt: p })
        ),
      );
      for (const p of prompts) {
        assert.deepEqual(await a.load({ model, hash: promptHash(p) }, 0), batch(p));
      }
      // Two stores on one prompt: each batch is split over commits, and the
      // other writer's claims may come in between; nothing is lost or doubled.
      const key = { model, hash: promptHash("shared") };
      const results = await Promise.all([
        a.append(key, { from: 0, samples: batch("a"), prompt: "shared" }),
        b.append(key, { from: 0, samples: batch("b"), prompt: "shared" }),
      ]);
      const final = await b.load(key, 0);
      assert.equal(final.length, 20);
      assert.deepEqual([...final].sort(), [...batch("a"), ...batch("b")].sort());
      for (const tag of ["a", "b"]) {
        const order = final.filter((s) => s.startsWith(tag));
        assert.deepEqual(order, batch(tag), `${tag}'s batch keeps its order`);
      }
      for (const result of results) assert.deepEqual(result, final.slice(0, result.length));
    } finally {
      await a.close();
      await b.close();
    }
  }));
