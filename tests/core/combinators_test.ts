// Stream combinators: results, laziness, in-order concurrency, errors, and
// the rule that they never close a stream they read.

import assert from "node:assert/strict";
import {
  chunk,
  collect,
  filter,
  find,
  first,
  Independent,
  interleave,
  map,
  Repeatable,
  take,
  takeWhile,
  unique,
  zip,
} from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

/** A stream of "0", "1", … (n items) that records reads and closing. */
function counted(n = Infinity, prefix = "") {
  const log = { pulled: 0, closed: false };
  const it: AsyncIterableIterator<string> = {
    next: () =>
      Promise.resolve(
        log.pulled < n
          ? { value: `${prefix}${log.pulled++}`, done: false }
          : { value: undefined, done: true },
      ),
    return: () => {
      log.closed = true;
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return { it, log };
}

async function read<T>(it: AsyncIterator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Every combinator over one source, reading a little from it. */
const COMBINATORS: [string, (s: AsyncIterableIterator<string>) => AsyncIterator<unknown>][] = [
  ["map", (s) => map(s, (x) => x + "!")],
  ["filter", (s) => filter(s, () => true)],
  ["takeWhile", (s) => takeWhile(s, () => true)],
  ["unique", (s) => unique(s)],
  ["zip", (s) => zip(s)],
  ["interleave", (s) => interleave(s)],
  ["chunk", (s) => chunk(s, 1)],
];

Deno.test("map: combinators are lazy: nothing is read before it is asked for", async () => {
  for (const [name, make] of COMBINATORS) {
    const { it, log } = counted();
    const stream = make(it);
    assert.equal(log.pulled, 0, name);
    await stream.next();
    assert.equal(log.pulled, 1, name);
  }
  const { it, log } = counted();
  const found = find(it, (x) => x === "2");
  assert.equal(await found, "2");
  assert.equal(log.pulled, 3);
});

Deno.test("map: closing a combinator, or breaking out of it, never closes its source", async () => {
  for (const [name, make] of COMBINATORS) {
    const { it, log } = counted();
    const stream = make(it);
    await read(stream, 2);
    await stream.return?.();
    assert.equal(log.closed, false, `${name}.return() closed the source`);
    assert.deepEqual(await stream.next(), { value: undefined, done: true }, name);
    assert.equal((await it.next()).value, "2", `${name}: the source continues`);

    const again = counted();
    for await (const _ of { [Symbol.asyncIterator]: () => make(again.it) }) break;
    assert.equal(again.log.closed, false, `${name}: break closed the source`);
    assert.equal((await again.it.next()).value, "1", `${name}: the source continues`);
  }
});

Deno.test("find: leaves the stream open: a second call continues after the item found", async () => {
  const { it, log } = counted();
  const even = (x: string) => Number(x) % 2 === 0 && x !== "0";
  assert.equal(await find(it, even), "2");
  assert.equal(await find(it, even), "4");
  assert.equal(log.closed, false);
  assert.equal(await find(it, () => false, { limit: 3 }), undefined);
  assert.equal(log.pulled, 8, "exactly `limit` items read");
  assert.equal(await find(it, () => true, { limit: 0 }), undefined);
  assert.equal(log.pulled, 8);
  assert.equal(await find(counted(2).it, () => false), undefined, "the stream ended");
  const indices: number[] = [];
  await find(counted().it, (_x, i) => (indices.push(i), i === 2));
  assert.deepEqual(indices, [0, 1, 2]);
  assert.equal(await find(counted().it, async (x) => await Promise.resolve(x === "1")), "1");
  await assert.rejects(find(it, () => true, { limit: -1 }), RangeError);
  await assert.rejects(find(it, () => true, { limit: 1.5 }), RangeError);
});

Deno.test("find: over Independent it is the retry pattern; over a cache it replays", async () => {
  const cache = new Repeatable(new CountingModel());
  const passes = (s: string) => Number(s) >= 3;
  const model = new Independent(cache);
  assert.equal(await find(model.sample("p"), passes, { limit: 5 }), "3");
  assert.equal(await find(model.sample("p"), passes, { limit: 5 }), "4", "fresh attempts");
  assert.equal(await find(new Independent(cache).sample("p"), passes, { limit: 5 }), "3");
});

Deno.test("filter: map and filter pass the index; filter narrows types", async () => {
  assert.deepEqual(await read(map(counted().it, (x, i) => `${x}@${i}`), 2), ["0@0", "1@1"]);
  const values = (async function* () {
    yield* [1, "a", 2, "b"];
  })();
  const strings: AsyncIterableIterator<string> = filter(
    values,
    (v): v is string => typeof v === "string",
  );
  assert.deepEqual(await read(strings, 5), ["a", "b"]);
  const odd = filter(counted().it, (_x, i) => i % 2 === 1);
  assert.deepEqual(await read(odd, 3), ["1", "3", "5"]);
  assert.deepEqual(
    await read(map(counted(2).it, async (x) => await Promise.resolve(Number(x))), 5),
    [0, 1],
  );
});

Deno.test("map: concurrent next() calls resolve in call order", async () => {
  const slow = map(counted().it, async (x) => {
    await new Promise((resolve) => setTimeout(resolve, x === "0" ? 20 : 0));
    return x;
  });
  const results = await Promise.all([slow.next(), slow.next(), slow.next()]);
  assert.deepEqual(results.map((r) => r.value), ["0", "1", "2"]);
});

Deno.test("map: an error in a callback or the source rejects next(); the stream then ends", async () => {
  const stream = map(counted().it, (x) => {
    if (x === "1") throw new Error("bad item");
    return x;
  });
  assert.equal((await stream.next()).value, "0");
  await assert.rejects(stream.next(), /bad item/);
  assert.deepEqual(await stream.next(), { value: undefined, done: true });
  const failing: AsyncIterator<string> = { next: () => Promise.reject(new Error("network")) };
  await assert.rejects(filter(failing, () => true).next(), /network/);
  await assert.rejects(find(failing, () => true), /network/);
});

Deno.test("takeWhile: stops at the first failing item, which is read", async () => {
  const { it } = counted();
  assert.deepEqual(await read(takeWhile(it, (x) => Number(x) < 3), 10), ["0", "1", "2"]);
  assert.equal((await it.next()).value, "4", "the failing item 3 was read to be tested");
  assert.deepEqual(await read(takeWhile(counted(2).it, () => true), 5), ["0", "1"]);
});

Deno.test("unique: yields the first item of each key", async () => {
  const words = (async function* () {
    yield* ["a", "B", "A", "b", "c", "a"];
  })();
  assert.deepEqual(await read(unique(words, (w) => w.toLowerCase()), 10), ["a", "B", "c"]);
  const numbers = (async function* () {
    yield* [1, 1, NaN, NaN, 0, -0];
  })();
  assert.deepEqual(await read(unique(numbers), 10), [1, NaN, 0]);
});

Deno.test("zip: reads the streams concurrently and ends with the shortest", async () => {
  const started: string[] = [];
  const gate = Promise.withResolvers<void>();
  const waiting = (name: string): AsyncIterator<string> => ({
    next: async () => {
      started.push(name);
      await gate.promise;
      return { value: name, done: false };
    },
  });
  const pairs = zip(waiting("a"), waiting("b"));
  const next = pairs.next();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(started, ["a", "b"], "both requests in flight before either answers");
  gate.resolve();
  assert.deepEqual((await next).value, ["a", "b"]);

  const a = counted(3, "a");
  const mixed: AsyncIterableIterator<[string, string]> = zip(a.it, counted(2, "b").it);
  assert.deepEqual(await read(mixed, 10), [["a0", "b0"], ["a1", "b1"]]);
  assert.equal(a.log.closed, false);
  assert.deepEqual(await read(zip(), 3), []);
});

Deno.test("interleave: takes turns and goes on when a stream ends", async () => {
  const merged = interleave(counted(1, "a").it, counted(3, "b").it, counted(2, "c").it);
  assert.deepEqual(await read(merged, 10), ["a0", "b0", "c0", "b1", "c1", "b2"]);
  assert.deepEqual(await read(interleave(), 3), []);
  const model = new CountingModel();
  const two = interleave(model.sample("x"), model.sample("y"));
  assert.deepEqual(await read(two, 4), ["0", "0", "1", "1"]);
});

Deno.test("chunk: groups items; the last chunk may be short", async () => {
  assert.deepEqual(await read(chunk(counted(5).it, 2), 10), [["0", "1"], ["2", "3"], ["4"]]);
  assert.deepEqual(await read(chunk(counted(0).it, 2), 10), []);
  assert.throws(() => chunk(counted().it, 0), RangeError);
  assert.throws(() => chunk(counted().it, 1.5), RangeError);
});

Deno.test("map: bad arguments to any combinator are TypeErrors at the call, naming it", async () => {
  assert.throws(() => map(42 as never, (x) => x), /map\(\) expects an async iterable or iterator/);
  assert.throws(() => map(counted().it, "f" as never), /map\(\): fn must be a function/);
  assert.throws(
    () => filter(counted().it, null as never),
    /filter\(\): predicate must be a function/,
  );
  assert.throws(() => zip(counted().it, null as never), /zip\(\) stream 1 expects/);
  await assert.rejects(find(undefined as never, () => true), /find\(\) expects/);
  await assert.rejects(find(counted().it, () => true, { limit: "3" as never }), TypeError);
});

Deno.test("take: combinators and first/take/collect open a source the same way, with one message", async () => {
  // An iterator that is also an iterable of something else: the iterator is what is read.
  const other = counted(Infinity, "other-").it;
  const source = { ...counted().it, [Symbol.asyncIterator]: () => other };
  assert.deepEqual(await read(map(source, (x) => x), 1), ["0"]);
  assert.equal(await first(source), "1");
  assert.deepEqual(await collect(source, 1), ["2"]);
  for (
    const [who, call] of [
      ["map()", () => map(42 as never, (x) => x)],
      ["chunk()", () => chunk(42 as never, 2)],
      ["take()", () => take(42 as never, 2)],
      ["first()", () => first(42 as never)],
      ["collect()", () => collect(42 as never, 2)],
    ] as const
  ) {
    await assert.rejects(async () => await call(), (error: Error) => {
      assert.ok(error instanceof TypeError);
      assert.equal(
        error.message,
        `${who} expects an async iterable or iterator, got 42; ` +
          "pass a stream such as model.sample(prompt)",
      );
      return true;
    });
  }
});
