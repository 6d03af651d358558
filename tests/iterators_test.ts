import assert from "node:assert/strict";
import { collect, first, take } from "../mod.ts";
import { CountingModel } from "./mock_model.ts";

function counted(n: number) {
  const log = { pulled: 0, closed: false };
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

Deno.test("take is lazy and closes the source after the n-th item", async () => {
  const { it, log } = counted(100);
  const taken = take(it, 3);
  assert.equal(log.pulled, 0, "nothing read before asked");
  assert.deepEqual(await collect(taken, 10), ["0", "1", "2"]);
  assert.equal(log.pulled, 3);
  assert.ok(log.closed);
});

Deno.test("take(…, 0) yields nothing; breaking out of for-await closes the source", async () => {
  const { it, log } = counted(100);
  assert.deepEqual(await collect(take(it, 0), 5), []);
  assert.equal(log.pulled, 0);
  const again = counted(100);
  for await (const s of take(again.it, 10)) if (s === "1") break;
  assert.ok(again.log.closed);
  assert.equal(again.log.pulled, 2);
});

Deno.test("collect stops early when the stream ends; first closes the stream", async () => {
  const { it } = counted(2);
  assert.deepEqual(await collect(it, 5), ["0", "1"]);
  const other = counted(5);
  assert.equal(await first(other.it), "0");
  assert.ok(other.log.closed);
});

Deno.test("take accepts iterables as well as iterators", async () => {
  const model = new CountingModel();
  const iterable = { [Symbol.asyncIterator]: () => model.sample("p") };
  assert.deepEqual(await collect(iterable, 2), ["0", "1"]);
});
