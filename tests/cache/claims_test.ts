// Issue 21, "pay once", within one process: two Persistent caches on one
// store claim as two processes would (each cache is its own claim holder).
// A cache waiting for another's claim pays nothing, its budget counts only
// what it pays, and its waiting shows in figures, progress and the model
// view; a slow request keeps its claim (the lease is renewed); a claim taken
// over never puts two samples at one index; a process alone pays one store
// call per request for claims; replication and replay never claim.

import assert from "node:assert/strict";
import { BufferedModel, collect, OpenAICompatible, Persistent, promptHash } from "../../mod.ts";
import { figuresOf } from "../../core/accounting.ts";
import { modelView, progress } from "../../notebooks/mod.ts";
import { CLAIMS_FILE, FsStore } from "../../cache/fs_store.ts";
import { SqliteStore } from "../../cache/sqlite_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import { RedisStore } from "../../cache/redis_store.ts";
import type { Store } from "../../cache/store.ts";
import { OpenAIServer } from "../_support/openai_server.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";
import { freshPrefix, REDIS_URL, skipRedis } from "../_support/redis_url.ts";

/** A provider whose requests wait until released; the k-th sample of a prompt is `${prefix}${k}`. */
class Gated extends BufferedModel {
  readonly requests: number[] = [];
  #next = 0;
  #open = Promise.withResolvers<void>();
  #asked = Promise.withResolvers<void>();
  readonly #prefix: string;

  constructor(name: string, prefix: string) {
    super(name, 1, { maxBatch: 10 });
    this.#prefix = prefix;
  }

  /** Resolves once a request is in flight. */
  get asked(): Promise<void> {
    return this.#asked.promise;
  }

  /** Lets every request in flight, and every later one, answer. */
  release(): void {
    this.#open.resolve();
  }

  protected async query(_prompt: string, n: number): Promise<string[]> {
    this.requests.push(n);
    const start = this.#next;
    this.#next += n;
    this.#asked.resolve();
    await this.#open.promise;
    return Array.from({ length: n }, (_, k) => `${this.#prefix}${start + k}`);
  }
}

/** `store` with every call of `name` counted. */
function counting(store: Store, name: keyof Store): { store: Store; calls: () => number } {
  let calls = 0;
  const counted = new Proxy(store, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property !== name) return value.bind(target);
      return (...args: unknown[]) => {
        calls++;
        return value.apply(target, args);
      };
    },
  });
  return { store: counted, calls: () => calls };
}

/** Waits (without a clock) until `done` holds, or `over` settled first. */
async function until(done: () => boolean, over: Promise<unknown>): Promise<boolean> {
  let settled = false;
  over.then(() => settled = true, () => settled = true);
  while (!done() && !settled) await new Promise((resolve) => setTimeout(resolve, 2));
  return done();
}

Deno.test("Persistent: a cache waiting for another's claim pays nothing: its budget counts only what it pays, its waiting shows", async () => {
  await withTempDir(async (dir) => {
    const server = OpenAIServer.start();
    try {
      const holder = new Gated("m", "a");
      const a = new Persistent(holder, dir, { announce: false });
      const provider = new OpenAICompatible("m", 1, {
        baseUrl: server.url,
        apiKey: "sk-test",
        maxBatch: 10,
        budget: { samples: 5 },
      });
      const b = new Persistent(provider, dir, { announce: false });
      const first = collect(a.sample("p", 10), 10);
      await holder.asked;
      const stream = progress(b.sample("p", 10), 10, { model: b, quiet: true });
      const second = collect(stream, 10);
      const waited = await until(() => figuresOf(b).waiting === 10, second);
      assert.ok(waited, "b never waited for a's claim");
      assert.equal(stream.state.waiting, 10, "progress shows what b waits for");
      assert.match(String(modelView(b)), /^waiting for another process \(samples\) +10$/m);
      assert.equal(b.stats.waiting, 10);
      holder.release();
      const samples = Array.from({ length: 10 }, (_, k) => `a${k}`);
      assert.deepEqual(await first, samples);
      assert.deepEqual(await second, samples, "b served a's samples");
      assert.equal(server.requests.length, 0, "b paid for samples a drew");
      const figures = figuresOf(b);
      assert.deepEqual([figures.hits, figures.misses, figures.requests], [10, 0, 0]);
      assert.equal(figures.waiting, undefined);
      assert.equal(stream.state.totals, "10 from cache, 0 fresh, 0 requests");
      assert.equal(b.stats.waiting, undefined);
    } finally {
      await server.close();
    }
  });
});

Deno.test("Persistent: a request slower than the lease keeps its claim: the lease is renewed while it runs", async () => {
  await withTempDir(async (dir) => {
    const holder = new Gated("m", "a");
    const a = new Persistent(holder, dir, { announce: false, claims: { lease: 1000 } });
    const waiter = counting(new FsStore(dir), "claim");
    const other = new CountingModel("m", 1, { prefix: "b" });
    const b = new Persistent(other, waiter.store, { announce: false });
    const first = collect(a.sample("p", 10), 10);
    await holder.asked;
    const second = collect(b.sample("p", 10), 10);
    // b looks at a's claim at growing intervals (at most 500 ms apart): 13
    // looks span more than three leases of a's claim.
    assert.ok(await until(() => waiter.calls() >= 13, second), "b stopped waiting for a");
    holder.release();
    const samples = Array.from({ length: 10 }, (_, k) => `a${k}`);
    assert.deepEqual(await first, samples);
    assert.deepEqual(await second, samples);
    assert.deepEqual(other.requests, [], "b took over a claim that was renewed");
  });
});

Deno.test("Persistent: a claim taken over from a slow holder: one sample per index, the late holder's stored past", async () => {
  await withTempDir(async (dir) => {
    const holder = new Gated("m", "a");
    const a = new Persistent(holder, dir, { announce: false });
    const other = new CountingModel("m", 1, { prefix: "b", maxBatch: 10 });
    // No patience: b takes a's claim over at its second look.
    const b = new Persistent(other, dir, { announce: false, claims: { patience: 0 } });
    const first = collect(a.sample("p", 10), 10);
    await holder.asked;
    const theirs = Array.from({ length: 10 }, (_, k) => `b${k}`);
    assert.deepEqual(await collect(b.sample("p", 10), 10), theirs);
    assert.deepEqual(other.requests, [10]);
    holder.release();
    assert.deepEqual(await first, theirs, "a serves the store's sequence");
    const key = { model: "m_1", hash: promptHash("p") };
    const stored = await new FsStore(dir).load(key, 0);
    const ours = Array.from({ length: 10 }, (_, k) => `a${k}`);
    assert.deepEqual(stored, [...theirs, ...ours], "a's samples are kept after b's");
  });
});

const STORES: readonly {
  name: string;
  ignore?: boolean;
  open: (dir: string) => Promise<Store>;
}[] = [
  { name: "folder", open: (dir) => Promise.resolve(new FsStore(`${dir}/cache`)) },
  { name: "SQLite", open: (dir) => SqliteStore.open(`${dir}/cache.db`) },
  { name: "Deno KV", open: (dir) => KvStore.open(`${dir}/cache.kv`) },
  {
    name: "Redis",
    ignore: skipRedis(),
    open: () => RedisStore.connect(REDIS_URL!, { prefix: freshPrefix("claims") }),
  },
];

for (const { name, ignore, open } of STORES) {
  Deno.test({
    name: `Store.claim: alone on ${name}, one store call per request for claims, none on a replay`,
    ignore: ignore === true,
    fn: () =>
      withTempDir(async (dir) => {
        const store = await open(dir);
        try {
          const calls = counting(store, "claim");
          const provider = new CountingModel("m", 1, { maxBatch: 10 });
          const model = new Persistent(provider, calls.store, { announce: false });
          const prompts = Array.from({ length: 20 }, (_, k) => `prompt ${k}`);
          for (const p of prompts) await collect(model.sample(p, 10), 25);
          assert.equal(provider.requests.length, 60);
          assert.equal(calls.calls(), provider.requests.length, "claims per request");
          // A replay draws nothing, so it claims nothing.
          const replay = new Persistent(new CountingModel("m", 1), calls.store, {
            announce: false,
          });
          for (const p of prompts) await collect(replay.sample(p, 10), 25);
          const replication = new Persistent(new CountingModel("m", 1), calls.store, {
            announce: false,
            replication: true,
          });
          for (const p of prompts) await collect(replication.sample(p, 10), 25);
          assert.equal(calls.calls(), provider.requests.length, "a replay claimed");
          if (store instanceof RedisStore) await store.clear();
        } finally {
          await store.close();
        }
      }),
  });
}

Deno.test("Persistent: replication never claims, even when a miss would draw nothing", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await new Persistent(new CountingModel("m", 1), store, { announce: false })
      .sample("p").next();
    const refusing: Store = new Proxy(store, {
      get(target, property) {
        if (property === "claim") {
          return () => Promise.reject(new Error("a replication claimed"));
        }
        const value = Reflect.get(target, property, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const replication = new Persistent(new CountingModel("m", 1), refusing, {
      announce: false,
      replication: true,
    });
    assert.equal(await replication.sample("p").next().then((r) => r.value), "0");
    await assert.rejects(collect(replication.sample("p"), 2), /replication/i);
  });
});

Deno.test("Persistent: the claims option is false or { lease, patience }; anything else is refused", () => {
  assert.throws(
    () => new Persistent(new CountingModel(), "tests/.tmp/never", { claims: true as never }),
    /claims must be false or \{ lease\?, patience\? \}, got true/,
  );
  assert.throws(
    () => new Persistent(new CountingModel(), "tests/.tmp/never", { claims: { lease: 0 } }),
    RangeError,
  );
});

/** A claim request of `id` for `count` indices from `from`, `stored` of them known stored. */
function ask(id: string, from: number, count: number, stored = from, lapsed?: string[]) {
  return { from, count, stored, holder: { id, pid: Deno.pid }, lease: 60_000, lapsed };
}

Deno.test("FsStore.claim: the claims file kept open between steps is opened again once another process removed it", async () => {
  await withTempDir(async (dir) => {
    // Two stores on one folder claim as two processes would.
    const [a, b] = [new FsStore(`${dir}/cache`), new FsStore(`${dir}/cache`)];
    const key = { model: "m_1", hash: promptHash("p") };
    try {
      assert.equal((await a.claim(key, ask("a", 0, 1))).parts[0]!.holder, undefined);
      // b takes a's claim over and gives it up: the file a keeps open is removed …
      const taken = await b.claim(key, ask("b", 0, 2, 0, ["a"]));
      assert.equal(taken.parts[0]!.holder, undefined);
      await taken.release();
      // … and made again by b's next claim, which a must see.
      await b.claim(key, ask("b", 0, 1));
      const again = await a.claim(key, ask("a", 0, 1));
      assert.equal(again.parts[0]!.holder?.id, "b");
    } finally {
      await a.close();
      await b.close();
    }
  });
});

Deno.test("FsStore.claim: no claims file is left in any prompt folder after a run, and none stays open", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(`${dir}/cache`);
    const model = new Persistent(new CountingModel("m", 1, { maxBatch: 1 }), store, {
      announce: false,
    });
    const prompts = Array.from({ length: 8 }, (_, k) => `prompt ${k}`);
    await Promise.all(prompts.map((p) => collect(model.sample(p, 1), 5)));
    await collect(model.sample("prompt 0", 3), 9);
    const left: string[] = [];
    for await (const m of Deno.readDir(`${dir}/cache`)) {
      for await (const p of Deno.readDir(`${dir}/cache/${m.name}`)) {
        for await (const f of Deno.readDir(`${dir}/cache/${m.name}/${p.name}`)) {
          if (f.name === CLAIMS_FILE) left.push(`${m.name}/${p.name}`);
        }
      }
    }
    assert.deepEqual(left, []);
    // No close: the resource sanitizer fails the test on a claims file left open.
  });
});

Deno.test("KvStore.claim: claims of many prompts made together share commits", async () => {
  await withTempDir(async (dir) => {
    const store = await KvStore.open(`${dir}/cache.kv`);
    const commit = Deno.AtomicOperation.prototype.commit;
    let commits = 0;
    Deno.AtomicOperation.prototype.commit = function (this: Deno.AtomicOperation) {
      commits++;
      return commit.call(this);
    };
    try {
      const keys = Array.from(
        { length: 20 },
        (_, k) => ({ model: "m_1", hash: promptHash(`${k}`) }),
      );
      const claims = await Promise.all(keys.map((key) => store.claim(key, ask("a", 0, 1))));
      assert.ok(claims.every((c) => c.parts[0]!.holder === undefined));
      assert.ok(commits <= 3, `${commits} commits for 20 claims`);
      // Each claim holds: another holder waits for it.
      for (const key of keys) {
        assert.equal((await store.claim(key, ask("b", 0, 1))).parts[0]!.holder?.id, "a");
      }
    } finally {
      Deno.AtomicOperation.prototype.commit = commit;
      await store.close();
    }
  });
});
