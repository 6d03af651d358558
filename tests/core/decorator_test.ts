// A user's decorator, written as Decorator's documentation shows, inside a
// model stack: between two caches (slicing), under Independent, over a
// provider. What it gets is what Decorator's documentation says.

import assert from "node:assert/strict";
import { collect, first, Independent, map, type Model, promptHash, Repeatable } from "../../mod.ts";
import { Decorator } from "../../core/engine.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPT = "p";
const KEY = { model: "m_1", hash: promptHash(PROMPT) };

/** The decorator of Decorator's documentation: logs every prompt it is asked for. */
class Logged extends Decorator {
  readonly prompts: string[] = [];
  sample(prompt: string, batch?: number): AsyncIterableIterator<string> {
    this.prompts.push(prompt);
    return this.inner.sample(prompt, batch);
  }
}

/** A decorator that makes a stream of its own: the inner items, upper-cased. */
class Upper extends Decorator {
  sample(prompt: string, batch?: number): AsyncIterableIterator<string> {
    return map(this.inner.sample(prompt, batch), (s) => s.toUpperCase());
  }
}

/** A fresh counting provider and a folder cache over it, holding `n` samples. */
async function seeded(dir: string, n: number): Promise<[CountingModel, Persistent]> {
  const model = new CountingModel("m", 1);
  const source = new Persistent(model, `${dir}/x`);
  await collect(source.sample(PROMPT), n);
  return [model, source];
}

Deno.test("Decorator: a logging decorator between two Persistent caches keeps the slice's indices", () =>
  withTempDir(async (dir) => {
    const [model] = await seeded(dir, 4);
    // An earlier run sliced indices 0 and 1 into y.
    await collect(new Persistent(new Persistent(model, `${dir}/x`), `${dir}/y`).sample(PROMPT), 2);
    const logged = new Logged(new Persistent(model, `${dir}/x`));
    const slice = new Persistent(logged, `${dir}/y`);
    assert.deepEqual(await collect(slice.sample(PROMPT), 4), ["0", "1", "2", "3"]);
    assert.deepEqual(await new FsStore(`${dir}/y`).load(KEY, 0), ["0", "1", "2", "3"]);
    assert.deepEqual(await new FsStore(`${dir}/y`).indices(KEY), [0, 1, 2, 3]);
    // The decorator saw the slice's miss; everything was stored before (hits), nothing drawn.
    assert.deepEqual(logged.prompts, [PROMPT]);
    assert.deepEqual({ ...slice.stats, saved: undefined }, {
      hits: 4,
      misses: 0,
      drawn: 2,
      saved: undefined,
    });
    assert.deepEqual(model.requests, [1, 1, 1, 1], "only the seeding drew");
  }));

Deno.test("Decorator: usage shares pass through a logging decorator into the store above", () =>
  withTempDir(async (dir) => {
    const model = new CountingModel("m", 1, { maxBatch: 2 });
    const outer = new Persistent(new Logged(new Repeatable(model)), `${dir}/y`);
    assert.deepEqual(await collect(outer.sample(PROMPT, 2), 2), ["0", "1"]);
    assert.deepEqual(model.requests, [2], "the batch passed through");
    const usage = await new FsStore(`${dir}/y`).usage(KEY);
    const sum = (field: "count" | "requests" | "completionTokens") =>
      usage.reduce((n, record) => n + (record[field] ?? 0), 0);
    assert.deepEqual([sum("count"), sum("requests"), sum("completionTokens")], [2, 1, 2]);
  }));

Deno.test("Decorator: a cache above a decorator calls its sample() once per prompt, at its first miss", async () => {
  const logged = new Logged(new CountingModel("m", 1));
  const cache = new Repeatable(logged);
  assert.deepEqual(logged.prompts, []);
  await collect(cache.sample("a"), 3);
  await collect(cache.sample("a"), 5);
  await collect(cache.sample("b"), 1);
  assert.deepEqual(logged.prompts, ["a", "b"]);
});

Deno.test("Decorator: a stream of its own making is read as one stream per prompt, each item fresh", () =>
  withTempDir(async (dir) => {
    const [model] = await seeded(dir, 3);
    // y already holds one item: the next read from Upper's stream goes after it.
    await new FsStore(`${dir}/y`).append(KEY, { from: 0, samples: ["Y0"], prompt: PROMPT });
    const outer = new Persistent(new Upper(new Persistent(model, `${dir}/x`)), `${dir}/y`);
    assert.deepEqual(await collect(outer.sample(PROMPT), 3), ["Y0", "0", "1"]);
    assert.deepEqual({ ...outer.stats, saved: undefined }, {
      hits: 1,
      misses: 2,
      drawn: 2,
      saved: undefined,
    });
    const upper = new Persistent(new Upper(new CountingModel("u", 1, { prefix: "a" })), `${dir}/z`);
    assert.deepEqual(await collect(upper.sample(PROMPT), 2), ["A0", "A1"]);
  }));

/** Ten readers at once of `model`'s prompt, each taking one item. */
function tenReaders(model: Model): Promise<string[]> {
  return Promise.all(Array.from({ length: 10 }, () => first(model.sample(PROMPT))));
}

Deno.test("Independent: concurrent readers over a custom decorator never get the same item", async () => {
  for (
    const stack of [
      (m: Model) => new Logged(new Repeatable(m)),
      (m: Model) => new Logged(m),
      (m: Model) => new Upper(new Repeatable(m)),
      (m: Model) => new Logged(new Independent(new Repeatable(m))),
    ]
  ) {
    const model = new CountingModel("m", 1, { latency: 2, maxBatch: 3 });
    const items = await tenReaders(new Independent(stack(model)));
    assert.equal(new Set(items).size, 10, `an item served twice: ${items}`);
  }
});

Deno.test("Independent: over a logging decorator, it shares the cursor below and batches pass", async () => {
  const model = new CountingModel("m", 1, { maxBatch: 5 });
  const below = new Independent(new Repeatable(model));
  const above = new Independent(new Logged(below));
  const [a, b] = await Promise.all([
    collect(above.sample(PROMPT, 5), 5),
    collect(below.sample(PROMPT, 5), 5),
  ]);
  assert.equal(new Set([...a, ...b]).size, 10, `shared items: ${a} and ${b}`);
  assert.deepEqual(model.requests, [5, 5]);
});

Deno.test("Independent: over a logging decorator, a failed draw's item is handed out next, never skipped", async () => {
  const model = new CountingModel("m", 1);
  model.failNext(new Error("the first request fails"));
  const reader = new Independent(new Logged(new Repeatable(model)));
  await assert.rejects(first(reader.sample(PROMPT)), /the first request fails/);
  assert.deepEqual(await collect(reader.sample(PROMPT), 3), ["0", "1", "2"]);
});

Deno.test("Decorator: a sample() that throws fails the read above with its error, and is asked again next time", async () => {
  let calls = 0;
  class Flaky extends Decorator {
    sample(prompt: string, batch?: number): AsyncIterableIterator<string> {
      if (++calls === 1) throw new RangeError("not yet");
      return this.inner.sample(prompt, batch);
    }
  }
  const cache = new Repeatable(new Flaky(new CountingModel("m", 1)));
  await assert.rejects(first(cache.sample(PROMPT)), RangeError);
  assert.deepEqual(await collect(cache.sample(PROMPT), 2), ["0", "1"]);
  const reader = new Independent(new Flaky(new CountingModel("m", 1)));
  calls = 0;
  assert.throws(() => reader.sample(PROMPT), RangeError);
  assert.equal(await first(reader.sample(PROMPT)), "0");
});

Deno.test("Decorator: a sample() that returns no iterator is a TypeError naming the model", async () => {
  class Broken extends Decorator {
    sample(): AsyncIterableIterator<string> {
      return "samples" as unknown as AsyncIterableIterator<string>;
    }
  }
  const cache = new Repeatable(new Broken(new CountingModel("m", 1, { alias: "broken" })));
  await assert.rejects(
    first(cache.sample(PROMPT)),
    (error: unknown) =>
      error instanceof TypeError && /model "broken"/.test(error.message) &&
      /returned "samples"/.test(error.message) && /fix its sample\(\)/.test(error.message),
  );
});
