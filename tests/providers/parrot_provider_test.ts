// A provider added as one file (parrot_provider.ts) gets everything the base
// does for every provider, with no edit to shared code: batches, retries and
// its own retry hints, the 429 pause, n refused, concurrency, the response
// cap, budgets, key redaction, usage shares stored by Persistent.

import assert from "node:assert/strict";
import { BudgetExceededError, collect, first, Persistent, ProviderError } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import { Parrot } from "../_support/parrot_provider.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const KEY = "parrot-key-0123456789abcdef";

type Handler = (body: Record<string, unknown>, request: Request) => Response;

/** A request as the fake API saw it. */
type Seen = { body: Record<string, unknown>; path: string; headers: Headers };

/** A fake Parrot API: answers each request with the next handler (the last one repeats). */
async function withParrot(
  handlers: Handler[],
  fn: (baseUrl: string, seen: Seen[]) => Promise<void>,
) {
  const seen: Seen[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (request) => {
      const body = await request.json();
      seen.push({
        body,
        path: new URL(request.url).pathname,
        headers: new Headers(request.headers),
      });
      const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)]!;
      return handler(body, request);
    },
  );
  try {
    await fn(`http://127.0.0.1:${server.addr.port}/v2`, seen);
  } finally {
    await server.shutdown();
  }
}

const squawk: Handler = (body) =>
  Response.json({
    outputs: Array.from({ length: body.copies as number }, (_, k) => ({
      text: `squawk ${k}`,
      why: "bored",
    })),
    billing: { heard: 10, said: 2 * (body.copies as number) },
  });

const fault = (status: number, reason: string, wait?: number, says = "no"): Handler => () =>
  Response.json({ fault: { says, reason, wait_seconds: wait } }, { status });

Deno.test("Parrot: a new provider: its path, auth header, body, n under its own name, replies and tokens", async () => {
  await withParrot([squawk], async (baseUrl, seen) => {
    const model = new Parrot("polly", 0.5, {
      baseUrl,
      apiKey: KEY,
      system: "Be loud.",
      maxTokens: 9,
    });
    assert.equal(modelKey(model).startsWith("polly_0.5+"), true);
    assert.deepEqual(await collect(model.sample("hello", 3), 3), [
      "squawk 0",
      "squawk 1",
      "squawk 2",
    ]);
    assert.equal(seen.length, 1);
    const { body, path, headers } = seen[0]!;
    assert.equal(path, "/v2/parrots/polly/squawk");
    assert.equal(headers.get("x-parrot-key"), KEY);
    assert.equal(headers.get("authorization"), null);
    assert.deepEqual(body, {
      limit: 9,
      model: "polly",
      heat: 0.5,
      copies: 3,
      turns: [{ who: "keeper", said: "Be loud." }, { who: "user", said: "hello" }],
    });
    assert.deepEqual(model.totalTokenCount(), [10, 6]);
    assert.equal(model.maxBatch, 4);
  });
});

Deno.test("Parrot: its own retry hint and its own retryable error are honoured by the shared retries", async () => {
  await withParrot(
    [fault(503, "parrot_moulting", 0.001), fault(400, "parrot_napping"), squawk],
    async (baseUrl, seen) => {
      const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY, retryDelay: 1 });
      assert.equal(await first(model.sample("p")), "squawk 0");
      assert.equal(seen.length, 3);
      assert.equal(model.stats.retries, 2);
    },
  );
  await withParrot([fault(429, "too_many_crackers", 7, "slow down")], async (baseUrl) => {
    const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY, maxRetries: 0 });
    const error = await first(model.sample("p")).catch((e) => e);
    assert.ok(error instanceof ProviderError);
    assert.deepEqual([error.status, error.code, error.retryAfter], [
      429,
      "too_many_crackers",
      7000,
    ]);
    assert.match(error.message, /slow down/);
  });
});

Deno.test("Parrot: n refused its own way: single requests from then on, within maxConcurrency", async () => {
  const refuse: Handler = (body, request) =>
    (body.copies as number) > 1
      ? fault(400, "one_parrot_only")(body, request)
      : squawk(body, request);
  await withParrot([refuse], async (baseUrl, seen) => {
    const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY, maxConcurrency: 1 });
    assert.equal((await collect(model.sample("p", 4), 4)).length, 4);
    assert.deepEqual(seen.map((s) => s.body.copies), [4, 1, 1, 1, 1]);
  });
});

Deno.test("Parrot: budgets, the response cap and key redaction hold for it", async () => {
  await withParrot([squawk], async (baseUrl) => {
    const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY, budget: { requests: 1 } });
    await first(model.sample("p"));
    await assert.rejects(first(model.sample("q")), BudgetExceededError);
  });
  await withParrot(
    [() => Response.json({ outputs: [{ text: "x".repeat(5000) }] })],
    async (baseUrl) => {
      const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY, maxResponseBytes: 1000 });
      const error = await first(model.sample("p")).catch((e) => e);
      assert.equal((error as ProviderError).code, "response_too_large");
    },
  );
  const echo: Handler = (_body, request) =>
    fault(401, "bad_key", undefined, `who is ${request.headers.get("x-parrot-key")}?`)(
      _body,
      request,
    );
  await withParrot([echo], async (baseUrl) => {
    const model = new Parrot("polly", 1, { baseUrl, apiKey: KEY });
    const error = await first(model.sample("p")).catch((e) => e) as ProviderError;
    assert.equal(error.status, 401);
    assert.match(error.message, /who is/);
    assert.ok(!JSON.stringify([error.message, error.body, error.providerMessage]).includes(KEY));
    assert.match(error.message, /check the API key \(PARROT_API_KEY\)/);
  });
});

Deno.test("Parrot: its usage shares go to the store with the samples; a replay says what it saved", async () => {
  await withParrot([squawk], (baseUrl, seen) =>
    withTempDir(async (dir) => {
      const live = new Persistent(new Parrot("polly", 1, { baseUrl, apiKey: KEY }), dir);
      await collect(live.sample("p", 2), 2);
      const replay = new Persistent(new Parrot("polly", 1, { baseUrl }), dir, {
        replication: true,
      });
      await collect(replay.sample("p"), 2);
      assert.equal(seen.length, 1);
      const { samples, requests, promptTokens, completionTokens } = replay.stats.saved;
      assert.deepEqual([samples, requests, promptTokens, completionTokens], [2, 1, 10, 4]);
    }));
});

Deno.test("Parrot: its limits: temperature up to 1.5, maxBatch up to 6, params may not set its own fields", () => {
  assert.throws(() => new Parrot("p", 1.6), /temperature must be between 0 and 1.5/);
  assert.throws(() => new Parrot("p", 1, { maxBatch: 7 }), /maxBatch must be at most 6/);
  assert.throws(() => new Parrot("p", 1, { params: { copies: 2 } }), /may not set "copies"/);
});
