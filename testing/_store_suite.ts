// The tests every store passes, through the Store interface alone: indices
// kept and never overwritten, listings, byte-exact round trips, the keys no
// store accepts, usage stored with the samples (or, for a store without
// usage, said to be unknown), deletion, verification, Persistent over the
// store, and several processes appending to one prompt at once.

import assert from "node:assert/strict";
import { collect, first } from "../core/iterators.ts";
import { promptHash } from "../core/model_key.ts";
import type { SampleUsage, UsageRecord } from "../core/usage.ts";
import { usageAt } from "../core/usage_records.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { ReplicationCacheMiss } from "../cache/replication_cache_miss.ts";
import type { SequenceKey, Store } from "../cache/store.ts";
import { verifyStore } from "../cache/verify_store.ts";
import { runChildren } from "./_children.ts";
import { PROMPT, SHARED_PROMPT } from "./_conformance_samples.ts";
import { CountingModel } from "./_counting_model.ts";
import { type Suite, withAnother } from "./_suite.ts";

const KEY: SequenceKey = { model: "mock_1", hash: promptHash(PROMPT) };

/** Registers the tests of the Store interface. */
export function storeTests(suite: Suite): void {
  const { test } = suite;

  test("load and append keep indices", async ({ store }) => {
    assert.deepEqual(await store.load(KEY, 0), []);
    assert.deepEqual(await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: PROMPT }), [
      "a",
      "b",
    ]);
    assert.deepEqual(await store.load(KEY, 0), ["a", "b"]);
    assert.deepEqual(await store.load(KEY, 1), ["b"]);
    assert.deepEqual(await store.load(KEY, 2), []);
    assert.deepEqual(await store.load(KEY, 7), []);
    assert.deepEqual(await store.append(KEY, { from: 2, samples: ["c"], prompt: PROMPT }), ["c"]);
    assert.deepEqual(await store.load({ ...KEY, hash: promptHash("other") }, 0), []);
  });

  test("lists models and prompts", async ({ store }) => {
    const nested = "accounts/fireworks/models/x_0.7";
    await store.append(KEY, { from: 0, samples: ["a"], prompt: PROMPT });
    await store.append({ model: nested, hash: promptHash("") }, {
      from: 0,
      samples: ["b"],
      prompt: "",
    });
    await store.append({ model: nested, hash: promptHash("q") }, { from: 0, samples: ["c"] });
    assert.deepEqual((await Array.fromAsync(store.models())).sort(), [nested, "mock_1"].sort());
    assert.deepEqual(await Array.fromAsync(store.prompts("mock_1")), [
      { hash: KEY.hash, prompt: PROMPT },
    ]);
    const prompts = await Array.fromAsync(store.prompts(nested));
    assert.deepEqual(
      prompts.sort((a, b) => a.hash.localeCompare(b.hash)),
      [
        { hash: promptHash(""), prompt: "" },
        { hash: promptHash("q"), prompt: undefined },
      ].sort((a, b) => a.hash.localeCompare(b.hash)),
    );
    assert.deepEqual(await Array.fromAsync(store.prompts("absent_1")), []);
  });

  test("an index claim never overwrites", async ({ store, spec }) => {
    const other = await openStore(spec);
    try {
      assert.deepEqual(await store.append(KEY, { from: 0, samples: ["x"], prompt: PROMPT }), ["x"]);
      // `other` has not seen "x": its claim of index 0 loses and moves on.
      assert.deepEqual(await other.append(KEY, { from: 0, samples: ["y", "z"], prompt: PROMPT }), [
        "x",
        "y",
        "z",
      ]);
      assert.deepEqual(await store.append(KEY, { from: 1, samples: ["w"], prompt: PROMPT }), [
        "y",
        "z",
        "w",
      ]);
      assert.deepEqual(await other.load(KEY, 0), ["x", "y", "z", "w"]);
    } finally {
      await other.close();
    }
  });

  test("concurrent appends in one process", async ({ store, spec }) => {
    const other = await openStore(spec);
    try {
      // Writer k's two samples cost k tokens each: their usage must land with them.
      const cost = (k: number, first: boolean): SampleUsage => ({
        requests: first ? 1 : 0,
        promptTokens: k,
        completionTokens: 2 * k,
        latencyMs: 3 * k,
      });
      const writers = Array.from({ length: 24 }, (_, k) => {
        const s = k % 2 === 0 ? store : other;
        return s.append(KEY, {
          from: 0,
          samples: [`${k}a`, `${k}b`],
          prompt: PROMPT,
          usage: [cost(k, true), cost(k, false)],
        });
      });
      const results = await Promise.all(writers);
      const final = await store.load(KEY, 0);
      assert.equal(final.length, 48);
      assert.equal(new Set(final).size, 48);
      for (const result of results) assert.deepEqual(result, final.slice(0, result.length));
      for (let k = 0; k < 24; k++) {
        // A writer's batch is stored in order (others may sit in between).
        assert.ok(final.indexOf(`${k}a`) < final.indexOf(`${k}b`));
      }
      const records = await usageOf(store, KEY);
      if (records === undefined) return;
      const usage = usageAt(records, 0, final.length);
      final.forEach((sample, i) => {
        const k = parseInt(sample);
        assert.deepEqual(usage[i], cost(k, sample.endsWith("a")), `the usage of ${sample}`);
      });
    } finally {
      await other.close();
    }
  });

  test("usage is stored with the samples, at the indices they landed at", async ({ store, spec }) => {
    const other = await openStore(spec);
    try {
      const known = (requests: number, tokens: number): SampleUsage => ({
        requests,
        promptTokens: tokens,
        completionTokens: 2 * tokens,
        latencyMs: 7,
      });
      await store.append(KEY, {
        from: 0,
        samples: ["a", "b"],
        prompt: PROMPT,
        usage: [known(1, 10), known(0, 10)],
      });
      // `other` has not seen a and b: its samples land at 2, 3 and 4; d's usage is
      // unknown, e's tokens are.
      await other.append(KEY, {
        from: 0,
        samples: ["c", "d", "e"],
        prompt: PROMPT,
        usage: [
          known(1, 5),
          undefined,
          { requests: 0, latencyMs: 3 },
        ],
      });
      assert.deepEqual(await store.load(KEY, 0), ["a", "b", "c", "d", "e"]);
      const records = await usageOf(store, KEY);
      // A store that keeps no usage has nothing more to show.
      if (records === undefined) return;
      assert.deepEqual(usageAt(records, 0, 5), [
        known(1, 10),
        known(0, 10),
        known(1, 5),
        undefined,
        { requests: 0, latencyMs: 3 },
      ]);
      // Only the numbers are stored, and from index 3 on, only what covers it.
      for (const record of records) {
        assert.deepEqual(
          Object.keys(record).filter((k) =>
            !/^(from|count|requests|promptTokens|completionTokens|latencyMs)$/.test(k)
          ),
          [],
        );
      }
      assert.deepEqual(await usageOf(store, KEY, 3), [{
        from: 4,
        count: 1,
        requests: 0,
        latencyMs: 3,
      }]);
      assert.deepEqual(await usageOf(other, { ...KEY, hash: promptHash("other") }), []);
    } finally {
      await other.close();
    }
  });

  test("samples stored without usage still load, and a replay says their usage is unknown", async ({ store }) => {
    await store.append(KEY, { from: 0, samples: ["92", "417"], prompt: PROMPT });
    assert.deepEqual(await usageOf(store, KEY) ?? [], []);
    const replay = new Persistent(new CountingModel("mock", 1), store, { replication: true });
    assert.deepEqual(await collect(replay.sample(PROMPT), 2), ["92", "417"]);
    assert.deepEqual(replay.stats.saved, {
      samples: 2,
      unknown: 2,
      requests: 0,
      promptTokens: 0,
      completionTokens: 0,
      queryTime: 0,
    });
  });

  test("a replay says what the samples it served cost when they were drawn", async ({ store }) => {
    const price = { input: 2, output: 8 };
    const provider = new CountingModel("mock", 1, { maxBatch: 4, price });
    const recording = new Persistent(provider, store);
    await collect(recording.sample(PROMPT, 4), 6); // two requests of 4: 2 samples stay unread
    assert.equal(recording.stats.saved.samples, 0, "nothing came from the cache");
    const replay = new Persistent(new CountingModel("mock", 1, { price }), store, {
      replication: true,
    });
    await collect(replay.sample(PROMPT), 8);
    const { queryTime, ...saved } = replay.stats.saved;
    const spent = provider.stats;
    if (store.usage === undefined) {
      // A store that keeps no usage: the replay says the usage is unknown, never 0.
      assert.deepEqual([saved.samples, saved.unknown, saved.promptTokens], [8, 8, 0]);
      return;
    }
    assert.deepEqual(saved, {
      samples: 8,
      unknown: 0,
      requests: spent.requests,
      promptTokens: spent.promptTokens,
      completionTokens: spent.completionTokens,
      cost: spent.cost,
    });
    assert.ok(queryTime >= 0 && queryTime <= spent.queryTime + 0.002 * spent.requests);
    // Served again, a sample is a hit again, but saved only once.
    await collect(replay.sample(PROMPT), 8);
    assert.equal(replay.stats.hits, 16);
    assert.equal(replay.stats.saved.samples, 8);
  });

  test("big, empty and unicode samples come back exact", async ({ store }) => {
    const samples = [
      "",
      "Ünïcödé — 你好, мир 🌍\n",
      "line 1\nline 2\r\n\ttabbed  \n\n",
      "é".repeat(40_000), // 80,000 UTF-8 bytes: more than one KV value
      "x".repeat(65_536),
      "🌍".repeat(800_000), // 3.2 MB
      "\0 nul and \u2028 separators",
    ];
    assert.deepEqual(
      await store.append(KEY, { from: 0, samples, prompt: "é".repeat(70_000) }),
      samples,
    );
    assert.deepEqual(await store.load(KEY, 0), samples);
    assert.deepEqual(await store.load(KEY, 5), samples.slice(5));
    const [entry] = await Array.fromAsync(store.prompts(KEY.model));
    assert.equal(entry?.prompt, "é".repeat(70_000));
  });

  test("every string comes back byte for byte, also after a reopen", async ({ store, spec }) => {
    const bom = "\ufeff";
    const samples = [
      `${bom}starts with a byte order mark`,
      bom,
      `${bom}${bom}two`,
      "a NUL \0 inside, and at the end \0",
      "CR LF\r\nLF\nlone CR\rend\r",
      "\r",
      "4-byte emoji 🌍🧪𝄞 and a ZWJ family 👩‍👩‍👧",
      "U+FFFD \ufffd is a real character too",
      `${bom}${"é🌍\r\n\0".repeat(500_000)}`, // 5 MB
    ];
    const prompt = `${bom}a prompt\r\nwith a BOM\0`;
    const key = { model: "mock_1", hash: promptHash(prompt) };
    assert.deepEqual(await store.append(key, { from: 0, samples, prompt }), samples);
    const reopened = await openStore(spec);
    try {
      for (const s of [store, reopened]) {
        const loaded = await s.load(key, 0);
        assert.equal(loaded.length, samples.length);
        loaded.forEach((sample, i) => assert.ok(sample === samples[i], `sample ${i} changed`));
        assert.deepEqual(await Array.fromAsync(s.prompts(key.model)), [{ hash: key.hash, prompt }]);
      }
    } finally {
      await reopened.close();
    }
  });

  test("refuses the keys no store accepts, and stores nothing", async ({ store }) => {
    const models = [
      "../../evil_1",
      "a/../../evil_1",
      "/etc/passwd_1",
      "a//b_1",
      "a\0b_1",
      "",
      // A 64-hex folder is taken for a prompt folder: the key could not be listed.
      `x/${"ab".repeat(32)}/m_1`,
      `${"0".repeat(64)}/m_1`,
    ];
    for (const model of models) {
      const key = { model, hash: KEY.hash };
      await assert.rejects(
        store.append(key, { from: 0, samples: ["x"], prompt: PROMPT }),
        TypeError,
        JSON.stringify(model),
      );
      await assert.rejects(store.load(key, 0), TypeError, JSON.stringify(model));
      // No store holds prompts under such a key: refusing it, or listing none, is the same.
      const listed = await Array.fromAsync(store.prompts(model)).catch((error) => {
        assert.ok(error instanceof TypeError, String(error));
        return [];
      });
      assert.deepEqual(listed, [], `prompts of ${JSON.stringify(model)}`);
    }
    // A hash with ":" would read back as another model/hash split in Redis.
    const hashes = ["not-a-hash", `${KEY.hash.slice(0, 60)}:abc`, KEY.hash.toUpperCase(), ""];
    for (const hash of hashes) {
      await assert.rejects(
        store.append({ model: "m_1", hash }, { from: 0, samples: ["x"] }),
        TypeError,
        hash,
      );
      await assert.rejects(store.load({ model: "m_1", hash }, 0), TypeError, hash);
    }
    assert.deepEqual(await Array.fromAsync(store.models()), []);
  });

  test("Persistent: every call replays one sequence", async ({ store }) => {
    // Python's test_persistent.
    const model = new CountingModel("mock", 1);
    const cache = new Persistent(model, store);
    const s1 = cache.sample("prompt");
    const s2 = cache.sample("prompt");
    const next = async (it: AsyncIterator<string>) => (await it.next()).value;
    assert.equal(await next(s1), "0");
    assert.equal(await next(s2), "0");
    assert.equal(await next(s1), "1");
    assert.equal(await next(s2), "1");
    assert.equal(await next(s1), "2");
    assert.equal(model.requests.length, 3);
    // A new model over the same store replays without drawing.
    const again = new CountingModel("mock", 1);
    assert.deepEqual(await collect(new Persistent(again, store).sample("prompt"), 3), [
      "0",
      "1",
      "2",
    ]);
    assert.equal(again.requests.length, 0);
  });

  test("Persistent stores a whole batch at once", async ({ store }) => {
    const model = new CountingModel("mock", 1, { maxBatch: 10 });
    const cache = new Persistent(model, store);
    assert.equal(await first(cache.sample(PROMPT, 5)), "0");
    assert.deepEqual(await store.load(KEY, 0), ["0", "1", "2", "3", "4"]);
    assert.deepEqual(model.requests, [5]);
    assert.equal(cache.stats.drawn, 5);
  });

  test("a batch of 12 samples of 50 KB under a long model key is stored whole", async ({ store }) => {
    const key = { model: "accounts/fireworks/models/llama-v3p1-8b-instruct_1", hash: KEY.hash };
    const samples = Array.from({ length: 12 }, (_, k) => `${k}:`.padEnd(50_000, "x"));
    const usage = samples.map(() => ({
      requests: 1,
      promptTokens: 7,
      completionTokens: 9,
      latencyMs: 2,
    }));
    assert.deepEqual(await store.append(key, { from: 0, samples, prompt: PROMPT, usage }), samples);
    assert.deepEqual(await store.load(key, 0), samples);
    const records = await usageOf(store, key);
    if (records !== undefined) assert.deepEqual(usageAt(records, 0, 12), usage);
  });

  test("nested Persistent slices the cache", (a) =>
    // Python's test_nested_cache, with a second store of the same kind.
    withAnother(suite, async (b) => {
      const first2 = new CountingModel("mock", 1);
      await collect(new Persistent(first2, a.store).sample(PROMPT), 4);
      const inner = new CountingModel("mock", 1);
      const nested = new Persistent(new Persistent(inner, a.store), b.store);
      assert.deepEqual(await collect(nested.sample(PROMPT), 2), ["0", "1"]);
      assert.equal(inner.requests.length, 0);
      assert.deepEqual(await b.store.load(KEY, 0), ["0", "1"]);
      const third = new CountingModel("mock", 1);
      const replay = new Persistent(third, b.store);
      assert.deepEqual(await collect(replay.sample(PROMPT), 3), ["0", "1", "0"]);
      assert.equal(third.requests.length, 1);
    }));

  test("replication mode never draws and names the miss", async ({ store }) => {
    await store.append(KEY, { from: 0, samples: ["92", "417"], prompt: PROMPT });
    const model = new CountingModel("mock", 1);
    const replay = new Persistent(model, store, { replication: true });
    const it = replay.sample(PROMPT);
    assert.equal((await it.next()).value, "92");
    assert.equal((await it.next()).value, "417");
    const miss = await it.next().then(() => undefined, (e) => e);
    assert.ok(miss instanceof ReplicationCacheMiss, String(miss));
    assert.equal(miss.model, "mock_1");
    assert.equal(miss.hash, KEY.hash);
    assert.equal(miss.index, 2);
    assert.equal(miss.stored, 2);
    for (const part of ["mock_1", KEY.hash, "Choose a number", "index 2", "2 stored"]) {
      assert.ok(miss.message.includes(part), `${part} not in ${miss.message}`);
    }
    assert.equal(model.requests.length, 0);
  });

  test("several processes append to one prompt at once", async ({ store, spec }) => {
    const reports = await runChildren<ChildReport>({
      ...suite.child(spec),
      args: (id) => ["append", spec, String(id), "3", "12"],
      count: 4,
    });
    const shared = { model: "multi_1", hash: promptHash(SHARED_PROMPT) };
    const final = await store.load(shared, 0);
    assert.equal(new Set(final).size, final.length, "a sample sits at two indices");
    const drawn = reports.flatMap((r) => r.drawn);
    const writers = reports.filter((r) => r.drawn.length > 0).length;
    assert.ok(writers >= 2, `only ${writers} child drew samples: the appends did not race`);
    const stored = new Set(final);
    assert.deepEqual(drawn.filter((s) => !stored.has(s)), [], "drawn samples were lost");
    assert.equal(final.length, drawn.length, "stored samples nobody drew");
    for (const [child, report] of reports.entries()) {
      for (const seen of report.seen) {
        assert.deepEqual(seen, final.slice(0, seen.length), `child ${child} saw other values`);
      }
    }
    // Every sample has its usage, from one record, and the records add up to
    // what the children's requests used.
    const records = await usageOf(store, shared);
    if (records === undefined) return;
    const covered = final.map((_, i) => records.filter((r) => r.from <= i && i < r.from + r.count));
    assert.deepEqual(covered.map((c) => c.length), final.map(() => 1), "one record per sample");
    const requests = reports.reduce((n, r) => n + r.requests, 0);
    const sum = (field: "requests" | "promptTokens" | "completionTokens") =>
      records.reduce((n, r) => n + r[field]!, 0);
    assert.deepEqual(
      [sum("requests"), sum("promptTokens"), sum("completionTokens")],
      [requests, 10 * requests, final.length],
    );
  }, { processes: true });

  test("delete: the samples from an index on go with their usage, highest first; the whole sequence unlisted", async ({ store }) => {
    // Only tools that own the samples delete (see Store.delete); a store need not.
    if (store.delete === undefined) return;
    const share = (requests: number): SampleUsage => ({
      requests,
      promptTokens: 3,
      completionTokens: 1,
      latencyMs: 5,
    });
    const usage = [share(1), share(0), share(0), share(0)];
    const other = { ...KEY, hash: promptHash("other") };
    await store.append(KEY, { from: 0, samples: ["a", "b", "c", "d"], prompt: PROMPT, usage });
    await store.append(other, { from: 0, samples: ["x"], prompt: "other" });
    await store.delete(KEY, 2);
    assert.deepEqual(await store.load(KEY, 0), ["a", "b"]);
    assert.deepEqual(await store.indices?.(KEY) ?? [0, 1], [0, 1]);
    const records = await usageOf(store, KEY);
    if (records !== undefined) {
      assert.deepEqual(usageAt(records, 0, 4), [share(1), share(0), undefined, undefined]);
    }
    // New samples after a deletion get their own usage, never the deleted ones'.
    await store.append(KEY, { from: 2, samples: ["e"], prompt: PROMPT });
    assert.deepEqual(await store.load(KEY, 0), ["a", "b", "e"]);
    const after = await usageOf(store, KEY);
    if (after !== undefined) assert.equal(usageAt(after, 2, 1)[0], undefined);
    await store.delete(KEY);
    assert.deepEqual(await store.load(KEY, 0), []);
    assert.deepEqual(await Array.fromAsync(store.prompts(KEY.model)), [
      { hash: other.hash, prompt: "other" },
    ]);
    await store.delete(other);
    assert.deepEqual(await Array.fromAsync(store.models()), []);
    await store.delete(other); // deleting what is not there does nothing
    await assert.rejects(store.delete({ model: "../evil_1", hash: KEY.hash }), TypeError);
    // A deleted sequence is written again from index 0.
    assert.deepEqual(await store.append(KEY, { from: 0, samples: ["z"], prompt: PROMPT }), ["z"]);
    assert.deepEqual(await Array.fromAsync(store.prompts(KEY.model)), [
      { hash: KEY.hash, prompt: PROMPT },
    ]);
  });

  test("verify: what a store holds is counted, and a healthy store has no problems", async ({ store }) => {
    await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: PROMPT });
    await store.append({ model: "x/y_1", hash: promptHash("q") }, { from: 0, samples: ["c"] });
    const seen: number[] = [];
    const found = await verifyStore(store, { onProgress: (n) => seen.push(n) });
    assert.deepEqual(found.problems, []);
    assert.deepEqual([found.sequences, found.samples], [2, 3]);
    assert.deepEqual(seen, [1, 2]);
  });
}

interface ChildReport {
  drawn: string[];
  requests: number;
  seen: string[][];
}

/**
 * The usage records of a sequence, from index `from` on; `undefined` for a
 * store that keeps none.
 */
async function usageOf(
  store: Store,
  key: SequenceKey,
  from?: number,
): Promise<UsageRecord[] | undefined> {
  return await store.usage?.(key, from);
}
