// The engine's configuration: what a cache passes `Repeatable` (a backing,
// a miss policy) instead of overriding its hooks, and what `Persistent`
// passes through from its own options.

import assert from "node:assert/strict";
import { collect, first, Repeatable, ReplicationCacheMiss } from "../../mod.ts";
import type { Miss, MissPolicy, SequenceStore } from "../../core/engine.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** Sequences kept in a map, one list per prompt: the smallest durable backing. */
function memoryBacking(data: Map<string, string[]>): (prompt: string) => SequenceStore {
  return (prompt) => {
    const list = () => data.get(prompt) ?? data.set(prompt, []).get(prompt)!;
    return {
      load: (from) => Promise.resolve({ samples: list().slice(from) }),
      append: ({ from, samples }) => {
        list().push(...samples);
        return Promise.resolve({ samples: list().slice(from) });
      },
      place: ({ from, samples }) => {
        samples.forEach((sample, k) => {
          const held = list()[from + k] ??= sample;
          if (held !== sample) throw new Error(`index ${from + k} holds ${held}`);
        });
        return Promise.resolve();
      },
    };
  };
}

Deno.test("Repeatable: a backing in its options keeps what it draws; a new cache over it replays", async () => {
  const data = new Map<string, string[]>();
  const model = new CountingModel("m", 1);
  const cache = new Repeatable(model, { backing: memoryBacking(data) });
  assert.deepEqual(await collect(cache.sample("p"), 2), ["0", "1"]);
  assert.deepEqual(data.get("p"), ["0", "1"]);
  const again = new Repeatable(new CountingModel("m", 1), { backing: memoryBacking(data) });
  assert.deepEqual(await collect(again.sample("p"), 3), ["0", "1", "0"]);
  assert.deepEqual({ ...again.stats, saved: undefined }, {
    hits: 2,
    misses: 1,
    drawn: 1,
    saved: undefined,
  });
});

Deno.test("Repeatable: a miss policy sees each miss as one object, before anything is drawn", async () => {
  const misses: Miss[] = [];
  const drawnBefore: number[] = [];
  const model = new CountingModel("m", 1, { maxBatch: 3 });
  const policy: MissPolicy = async (miss, draw) => {
    misses.push(miss);
    drawnBefore.push(model.requests.length);
    await draw();
  };
  const cache = new Repeatable(model, { miss: policy });
  assert.deepEqual(await collect(cache.sample("p", 3), 4), ["0", "1", "2", "3"]);
  const slice = new Repeatable(cache, { miss: policy });
  assert.equal(await first(slice.sample("p", 3)), "0");
  assert.deepEqual(misses, [
    { prompt: "p", index: 0, from: 0, count: 3, batch: 3, reads: "fresh" },
    { prompt: "p", index: 3, from: 3, count: 3, batch: 3, reads: "fresh" },
    { prompt: "p", index: 0, from: 0, count: 1, batch: 3, reads: "slice" },
  ]);
  assert.deepEqual(drawnBefore, [0, 1, 2]);
});

Deno.test("Repeatable: a miss policy refuses a miss by throwing: its error reaches the callers, nothing is drawn", async () => {
  const model = new CountingModel("m", 1);
  const cache = new Repeatable(model, {
    miss: (miss, draw) => miss.index < 2 ? draw() : Promise.reject(new RangeError("only two")),
  });
  assert.deepEqual(await collect(cache.sample("p"), 2), ["0", "1"]);
  await assert.rejects(collect(cache.sample("p"), 3), RangeError);
  assert.deepEqual(model.requests, [1, 1]);
  // A failed draw cannot be turned into a success: its error reaches the callers.
  const failing = new CountingModel("m", 1);
  failing.failNext(new Error("no network"));
  const swallowing = new Repeatable(failing, {
    miss: async (_miss, draw) => {
      await draw().catch(() => {});
    },
  });
  await assert.rejects(first(swallowing.sample("p")), /no network/);
  assert.equal(await first(swallowing.sample("p")), "0");
  // Samples that arrived were paid for: served even when the policy throws afterwards.
  const late = new CountingModel("m", 1);
  const regretful = new Repeatable(late, {
    miss: async (_miss, draw) => {
      await draw();
      throw new Error("too late to refuse");
    },
  });
  assert.deepEqual(await collect(regretful.sample("p"), 2), ["0", "1"]);
  assert.deepEqual(late.requests, [1, 1]);
});

Deno.test("Repeatable: a miss policy that resolves without drawing is a TypeError naming the miss", async () => {
  const cache = new Repeatable(new CountingModel("m", 1), { miss: () => Promise.resolve() });
  await assert.rejects(
    first(cache.sample("a prompt")),
    (error: unknown) =>
      error instanceof TypeError && /miss policy/.test(error.message) &&
      /index 0/.test(error.message) && /call draw\(\)/.test(error.message),
  );
});

Deno.test("Repeatable: options of the wrong kind are a TypeError naming them", () => {
  const model = new CountingModel("m", 1);
  for (
    const [options, pattern] of [
      [5, /options must be an object/],
      [{ backing: "folder" }, /backing must be a function/],
      [{ miss: true }, /miss must be a function/],
    ] as const
  ) {
    assert.throws(
      () => new Repeatable(model, options as never),
      (error: unknown) => error instanceof TypeError && pattern.test(error.message),
    );
  }
});

Deno.test("Persistent: its miss option runs around Persistent's own handling and sees its errors", () =>
  withTempDir(async (dir) => {
    const seen: Miss[] = [];
    const model = new Persistent(new CountingModel("m", 1), dir, {
      replication: true,
      miss: async (miss, draw) => {
        seen.push(miss);
        try {
          await draw();
        } catch (error) {
          throw new Error(`fetch the team's cache first`, { cause: error });
        }
      },
    });
    const error = await first(model.sample("p")).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof Error && /team's cache/.test(error.message), String(error));
    assert.ok(error.cause instanceof ReplicationCacheMiss, String(error.cause));
    assert.equal(seen.length, 1);
    assert.throws(
      () => new Persistent(new CountingModel("m", 1), dir, { miss: "no" as never }),
      /miss must be a function/,
    );
  }));

Deno.test("Persistent: announce: false creates a new cache without a word", () =>
  withTempDir(async (dir) => {
    const said: string[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => void said.push(args.map(String).join(" "));
    try {
      const model = new Persistent(new CountingModel("m", 1), `${dir}/quiet`, { announce: false });
      assert.equal(await first(model.sample("p")), "0");
    } finally {
      console.warn = original;
    }
    assert.deepEqual(said, []);
    assert.ok((await Deno.stat(`${dir}/quiet`)).isDirectory);
    assert.throws(
      () => new Persistent(new CountingModel("m", 1), dir, { announce: "no" as never }),
      /announce must be a boolean/,
    );
  }));
