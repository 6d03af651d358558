import assert from "node:assert/strict";
import { collect, first, Repeatable, take } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

function counted(n: number) {
  const log = { pulled: 0, closed: false, opened: 0 };
  const it: AsyncIterableIterator<string> = {
    next: () =>
      Promise.resolve(
        log.pulled < n
          ? { value: String(log.pulled++), done: false }
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

Deno.test("take: lazy, and leaves the source open after the n-th item", async () => {
  const { it, log } = counted(100);
  const taken = take(it, 3);
  assert.equal(log.pulled, 0, "nothing read before asked");
  assert.deepEqual(await collect(taken, 10), ["0", "1", "2"]);
  assert.equal(log.pulled, 3);
  assert.ok(!log.closed, "take() owns nothing: the source stays open");
  assert.deepEqual(await collect(take(it, 2), 10), ["3", "4"], "a second take continues");
});

Deno.test("take: (…, 0) yields nothing; breaking out of for await over take leaves the source open", async () => {
  const { it, log } = counted(100);
  assert.deepEqual(await collect(take(it, 0), 5), []);
  assert.equal(log.pulled, 0);
  const again = counted(100);
  for await (const s of take(again.it, 10)) if (s === "1") break;
  assert.ok(!again.log.closed);
  assert.equal(again.log.pulled, 2);
  assert.equal(await first(again.it), "2");
});

Deno.test("collect: stops early when the stream ends; first leaves the stream open", async () => {
  const { it } = counted(2);
  assert.deepEqual(await collect(it, 5), ["0", "1"]);
  const other = counted(5);
  assert.equal(await first(other.it), "0");
  assert.ok(!other.log.closed);
  assert.equal(await first(other.it), "1");
});

Deno.test("take: a model's stream read again continues where the last read stopped", async () => {
  for (const model of [new CountingModel(), new Repeatable(new CountingModel())]) {
    const it = model.sample("p");
    assert.deepEqual(await collect(it, 5), ["0", "1", "2", "3", "4"]);
    assert.deepEqual(await collect(it, 5), ["5", "6", "7", "8", "9"]);
    assert.equal(await first(it), "10");
    const taken: string[] = [];
    for await (const s of take(it, 3)) taken.push(s);
    assert.deepEqual(taken, ["11", "12", "13"]);
    for await (const s of take(it, 10)) if (s === "15") break;
    assert.equal(await first(it), "16", "breaking out of take() did not close the stream");
  }
});

Deno.test("take: a closed stream says it was closed, not that it is empty", async () => {
  const it = new Repeatable(new CountingModel()).sample("p");
  assert.equal(await first(it), "0");
  for await (const _ of it) break; // a for await over the stream itself closes it
  await assert.rejects(first(it), (error: Error) => {
    assert.match(error.message, /stream was closed/);
    assert.doesNotMatch(error.message, /empty/);
    return true;
  });
  await assert.rejects(collect(it, 2), /stream was closed/);
  const provider = new CountingModel().sample("p");
  await provider.return!();
  await assert.rejects(provider.next(), /stream was closed .*model\.sample\(prompt\) again/);
});

Deno.test("take: an iterable that is not an iterator is opened per call, and closed by it", async () => {
  const log: string[] = [];
  const iterable = {
    [Symbol.asyncIterator]: async function* () {
      try {
        yield* ["a", "b", "c"];
      } finally {
        log.push("closed");
      }
    },
  };
  assert.equal(await first(iterable), "a");
  assert.deepEqual(await collect(iterable, 2), ["a", "b"]);
  assert.deepEqual(log, ["closed", "closed"]);
  const lazy = take(iterable, 0);
  assert.deepEqual(await collect(lazy, 1), []);
  assert.deepEqual(log, ["closed", "closed"], "take(…, 0) never opened it");
});

Deno.test("take: accepts iterables as well as iterators", async () => {
  const model = new CountingModel();
  const iterable = { [Symbol.asyncIterator]: () => model.sample("p") };
  assert.deepEqual(await collect(iterable, 2), ["0", "1"]);
});
