// Backoff, jitter, Retry-After and the shared queue pause, without a server.

import assert from "node:assert/strict";
import { isRetryableStatus, retryHint, retryWait } from "../../providers/_retry.ts";
import { Limiter } from "../../providers/_limiter.ts";

const policy = { maxRetries: 5, retryDelay: 100, maxRetryDelay: 1000 };

Deno.test("retryWait: backoff doubles per attempt, with jitter in [50%, 100%], capped", () => {
  assert.equal(retryWait(policy, 0, undefined, () => 0), 50);
  assert.equal(retryWait(policy, 0, undefined, () => 1), 100);
  assert.equal(retryWait(policy, 3, undefined, () => 1), 800);
  assert.equal(retryWait(policy, 4, undefined, () => 1), 1000);
  assert.equal(retryWait(policy, 30, undefined, () => 0.5), 1000);
});

Deno.test("retryWait: a server hint wins over backoff, plus up to 10% jitter, capped", () => {
  assert.equal(retryWait(policy, 0, 500, () => 0), 500);
  assert.equal(retryWait(policy, 0, 500, () => 1), 550);
  assert.equal(retryWait(policy, 0, 60_000, () => 0), 1000);
});

Deno.test("retryHint: Retry-After: seconds, HTTP date, retry-after-ms, and the message's hint", () => {
  const now = Date.parse("Sat, 28 Nov 2026 08:00:00 GMT");
  assert.equal(retryHint(new Headers({ "retry-after": "2" }), "", now), 2000);
  assert.equal(retryHint(new Headers({ "retry-after": "0.5" }), "", now), 500);
  assert.equal(
    retryHint(new Headers({ "retry-after": "Sat, 28 Nov 2026 08:00:07 GMT" }), "", now),
    7000,
  );
  assert.equal(
    retryHint(new Headers({ "retry-after": "Sat, 28 Nov 2026 07:00:00 GMT" }), "", now),
    0,
  );
  assert.equal(retryHint(new Headers({ "retry-after-ms": "250", "retry-after": "9" }), ""), 250);
  assert.equal(retryHint(new Headers(), "Please try again in 26.604s. Visit"), 26604);
  assert.equal(retryHint(new Headers(), "try again in 1m3.5s"), 63500);
  assert.equal(retryHint(new Headers(), "Please try again in 20ms."), 20);
  assert.equal(retryHint(new Headers({ "retry-after": "soon" }), "no hint"), undefined);
});

Deno.test("isRetryableStatus: 0, 408, 409, 429 and 5xx", () => {
  for (const status of [0, 408, 409, 429, 500, 502, 503, 504]) assert.ok(isRetryableStatus(status));
  for (const status of [200, 400, 401, 403, 404, 422]) assert.ok(!isRetryableStatus(status));
});

Deno.test("Limiter: holds at most max slots and wakes waiters in order", async () => {
  const limiter = new Limiter(2);
  const order: number[] = [];
  const releases = await Promise.all([limiter.acquire(), limiter.acquire()]);
  const waiting = [1, 2, 3].map((i) =>
    limiter.acquire().then((release) => (order.push(i), release))
  );
  await Promise.resolve();
  assert.equal(limiter.active, 2);
  releases[0]!();
  releases[0]!(); // idempotent
  const first = await waiting[0]!;
  assert.deepEqual(order, [1]);
  releases[1]!();
  first();
  for (const release of await Promise.all(waiting.slice(1))) release();
  assert.deepEqual(order, [1, 2, 3]);
  assert.equal(limiter.active, 0);
});

Deno.test("Limiter: a paused limiter holds back new requests though slots are free", async () => {
  const limiter = new Limiter(4);
  limiter.pause(60);
  const start = performance.now();
  (await limiter.acquire())();
  assert.ok(performance.now() - start >= 55);
});

Deno.test("Limiter: an aborted waiter leaves the queue and passes its turn on", async () => {
  const limiter = new Limiter(1);
  const held = await limiter.acquire();
  const controller = new AbortController();
  const aborted = limiter.acquire(controller.signal);
  const next = limiter.acquire();
  controller.abort(new Error("gave up"));
  await assert.rejects(aborted, /gave up/);
  held();
  (await next)();
  assert.equal(limiter.active, 0);
});
