// Cache slicing on every store, under concurrency: `Persistent(Persistent(m,
// X), Y)` used by two stacks of one process at once, and by several processes.
// A sample drawn at index i of X belongs at index i of Y and nowhere else, and
// every stream serves X's samples in X's order. A store without `place`
// cannot keep a slice: Persistent must refuse it before anything is drawn.

import assert from "node:assert/strict";
import { collect, first } from "../core/iterators.ts";
import { promptHash } from "../core/model_key.ts";
import type { SampleUsage } from "../core/usage.ts";
import { usageAt } from "../core/usage_records.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import type { SequenceKey, Store } from "../cache/store.ts";
import { runChildren } from "./_children.ts";
import { PROMPT } from "./_conformance_samples.ts";
import { CountingModel } from "./_counting_model.ts";
import { AGENT_CHAT, REPLIES, ReplyModel } from "./_reply_suite.ts";
import { Repeatable } from "../core/repeatable.ts";
import { type ConformanceStore, type Suite, withAnother } from "./_suite.ts";

const KEY: SequenceKey = { model: "mock_1", hash: promptHash(PROMPT) };

/** A model whose draws say who drew them (`<id>:<k>`), after a random pause. */
function racer(id: string): CountingModel {
  return new CountingModel("mock", 1, {
    maxBatch: 4,
    prefix: `${id}:`,
    latency: () => Math.random() * 3,
  });
}

/**
 * Checks that `y` holds `x`'s samples at `x`'s indices, nothing past them,
 * and that every stream in `seen` served `x`'s samples in order; returns
 * what `y` holds.
 */
async function assertSlice(x: Store, y: Store, seen: readonly string[][]): Promise<string[]> {
  const source = await x.load(KEY, 0);
  const slice = await y.load(KEY, 0);
  assert.deepEqual(
    slice,
    source.slice(0, slice.length),
    "the slice holds X's samples at X's indices",
  );
  assert.equal(new Set(source).size, source.length, "a sample sits at two indices of X");
  const hidden = (await y.indices?.(KEY))?.filter((i) => i >= slice.length) ?? [];
  assert.deepEqual(hidden, [], "samples stored past the slice's end");
  for (const [k, values] of seen.entries()) {
    assert.deepEqual(values, source.slice(0, values.length), `stream ${k} served X out of order`);
  }
  assert.equal(
    slice.length,
    Math.max(...seen.map((s) => s.length)),
    "the slice holds what was read",
  );
  return slice;
}

/** `store`, but another writer places `theirs` at an index just before this one does. */
function interloped(store: Store, other: Store, theirs: (sample: string) => string): Store {
  return {
    location: store.location,
    load: (key, from) => store.load(key, from),
    append: (...args) => store.append(...args),
    async place(key, write) {
      await other.place!(key, {
        ...write,
        samples: write.samples.map(theirs),
        usage: undefined,
        meta: undefined,
      });
      return await store.place!(key, write);
    },
    ...(store.usage === undefined ? {} : { usage: (key, from) => store.usage!(key, from) }),
    ...(store.replies === undefined ? {} : { replies: (key, from) => store.replies!(key, from) }),
    models: () => store.models(),
    prompts: (model) => store.prompts(model),
    close: () => Promise.resolve(),
  };
}

/** Registers the cache slicing tests of a store. */
export function sliceTests(suite: Suite): void {
  const { test } = suite;
  /** `fn` with a second, empty store of the same kind: the slice; only for a store that places. */
  const withSlice =
    (fn: (x: ConformanceStore, y: ConformanceStore) => Promise<void>) =>
    async (x: ConformanceStore) => {
      if (x.store.place === undefined) return;
      await withAnother(suite, (y) => fn(x, y));
    };

  test("place: into a store without it, Persistent refuses to slice before it draws", (y) =>
    withAnother(suite, async (x) => {
      if (y.store.place !== undefined) return;
      const model = new CountingModel("mock", 1);
      const outer = new Persistent(new Persistent(model, x.store), y.store);
      await assert.rejects(first(outer.sample(PROMPT)), /cannot keep a slice.*place\(\)/);
      assert.deepEqual(model.requests, [], "nothing was paid for");
      assert.deepEqual(await y.store.load(KEY, 0), []);
    }));

  test("place: exact indices, never overwritten, usage kept for what it placed", async ({ store, spec }) => {
    if (store.place === undefined) return;
    const other = await openStore(spec);
    try {
      const cost = (n: number): SampleUsage => ({
        requests: 1,
        promptTokens: n,
        completionTokens: 2 * n,
        latencyMs: n,
      });
      // One request's two samples: stored as one record, read back as equal shares.
      assert.deepEqual(
        await store.place!(KEY, {
          from: 0,
          samples: ["a", "b"],
          prompt: PROMPT,
          usage: [cost(1), cost(1)],
        }),
        [
          "a",
          "b",
        ],
      );
      // `other` has not seen a and b: index 1 keeps b, and c lands at 2, not 3.
      assert.deepEqual(
        await other.place!(KEY, {
          from: 1,
          samples: ["B", "c"],
          prompt: PROMPT,
          usage: [cost(7), cost(3)],
        }),
        [
          "b",
          "c",
        ],
      );
      assert.deepEqual(await store.load(KEY, 0), ["a", "b", "c"]);
      assert.deepEqual(usageAt(await store.usage!(KEY), 0, 3), [cost(1), cost(1), cost(3)]);
      assert.deepEqual(await Array.fromAsync(other.prompts(KEY.model)), [
        { hash: KEY.hash, prompt: PROMPT },
      ]);
      // Writers racing for one index all learn the one sample it holds.
      const racers = await Promise.all(
        Array.from(
          { length: 8 },
          (_, k) => (k % 2 === 0 ? store : other).place!(KEY, { from: 3, samples: [`r${k}`] }),
        ),
      );
      assert.equal(new Set(racers.flat()).size, 1, `one winner, got ${racers.flat().join()}`);
      assert.deepEqual(await store.load(KEY, 0), ["a", "b", "c", racers[0]![0]]);
      assert.deepEqual(await store.place!(KEY, { from: 4, samples: [] }), []);
    } finally {
      await other.close();
    }
  });

  test(
    "cache slicing: a slice holding index 3 but not 0 to 2 gets X's samples at 0 to 2",
    withSlice(async (x, y) => {
      const source = ["x0", "x1", "x2", "x3", "x4", "x5"];
      await x.store.append(KEY, { from: 0, samples: source, prompt: PROMPT });
      const gap = await y.store.place!(KEY, { from: 3, samples: ["x3"], prompt: PROMPT }).then(
        () => true,
        (error) => {
          // SQLite and Redis keep no gaps: nothing to test there.
          assert.ok(error instanceof RangeError, String(error));
          return false;
        },
      );
      if (!gap) return;
      const model = new CountingModel("mock", 1);
      const outer = new Persistent(new Persistent(model, x.store), y.store);
      assert.deepEqual(await collect(outer.sample(PROMPT), 5), source.slice(0, 5));
      assert.deepEqual(await y.store.load(KEY, 0), source.slice(0, 5));
      assert.deepEqual(model.requests, [], "X held every sample");
      assert.deepEqual(outer.stats.misses, 0, "every sample was stored before: hits");
    }),
  );

  test(
    "cache slicing: a slice keeps the replies of the cache below, whole, at their indices",
    withSlice(async (x, y) => {
      // X holds replies written by another run; the slice reads them only as it draws.
      const source = new Persistent(new ReplyModel({ maxBatch: 4 }), x.store);
      await collect(source.replies(AGENT_CHAT, 4), 4);
      const drawing = new ReplyModel();
      const outer = new Persistent(new Persistent(drawing, x.store), y.store);
      assert.deepEqual(
        await collect(outer.sample(AGENT_CHAT), 3),
        REPLIES.slice(0, 3).map((r) => r.text),
      );
      assert.equal(drawing.drawn, 0, "X held every sample");
      const key = { model: "tools_0.5", hash: promptHash(AGENT_CHAT) };
      const expected = y.store.replies === undefined
        ? REPLIES.slice(0, 3).map((r) => ({ text: r.text, toolCalls: [] }))
        : REPLIES.slice(0, 3);
      if (y.store.replies !== undefined) assert.deepEqual(await y.store.replies(key, 0), expected);
      // A slice in memory reads them from X when asked.
      if (x.store.replies !== undefined) {
        const memory = new Repeatable(
          new Persistent(new ReplyModel(), x.store, { replication: true }),
        );
        assert.deepEqual(await collect(memory.replies(AGENT_CHAT), 4), REPLIES);
      }
    }),
  );

  test(
    "cache slicing: an index of the slice that another source filled is an error naming both stores",
    withSlice(async (x, y) => {
      await x.store.append(KEY, { from: 0, samples: ["x0", "x1"], prompt: PROMPT });
      const other = await openStore(y.spec);
      try {
        const slice = interloped(y.store, other, (sample) => `not ${sample}`);
        const outer = new Persistent(new Persistent(new CountingModel("mock", 1), x.store), slice);
        const error = await first(outer.sample(PROMPT)).then(() => undefined, (e) => e);
        assert.ok(error instanceof Error, "no error");
        for (const part of [y.store.location, x.store.location, KEY.model, KEY.hash, "index 0"]) {
          assert.ok(error.message.includes(part), `${part} not in: ${error.message}`);
        }
        assert.deepEqual(await y.store.load(KEY, 0), ["not x0"], "nothing overwritten");
        assert.deepEqual(await x.store.load(KEY, 0), ["x0", "x1"]);
      } finally {
        await other.close();
      }
    }),
  );

  test(
    "cache slicing: two stacks at once keep X's samples at X's indices",
    withSlice(async (x, y) => {
      // The second stack opens the stores again, as another model object would.
      const [x2, y2] = [await openStore(x.spec), await openStore(y.spec)];
      try {
        const stacks = [[x.store, y.store], [x2, y2]].map(([xs, ys], k) =>
          new Persistent(new Persistent(racer(String(k)), xs!), ys!)
        );
        const seen = await Promise.all([
          collect(stacks[0]!.sample(PROMPT), 10),
          collect(stacks[1]!.sample(PROMPT, 3), 10),
          collect(stacks[0]!.sample(PROMPT, 2), 6),
          collect(stacks[1]!.sample(PROMPT), 12),
        ]);
        await assertSlice(x.store, y.store, seen);
      } finally {
        await x2.close();
        await y2.close();
      }
    }),
  );

  for (const count of [2, 4]) {
    test(
      `cache slicing: ${count} processes at once keep X's samples at X's indices`,
      withSlice(async (x, y) => {
        const reports = await runChildren<{ seen: string[][] }>({
          ...suite.child(x.spec, y.spec),
          args: (id) => ["slice", x.spec, y.spec, String(id), "3", "6"],
          count,
        });
        await assertSlice(x.store, y.store, reports.flatMap((r) => r.seen));
      }),
      { processes: true },
    );
  }
}
