// Spending limits: a stream read without take() must not sample forever.

import assert from "node:assert/strict";
import { BudgetExceededError, collect, first, Persistent } from "../mod.ts";
import { CloseAI, Ollama, OpenAICompatible } from "../providers/mod.ts";
import { failure, withServer } from "./openai_server.ts";

/** The next `n` items of `stream`, leaving it open (collect() may close it). */
async function next(stream: AsyncIterator<string>, n: number): Promise<string[]> {
  const items: string[] = [];
  while (items.length < n) {
    const item = await stream.next();
    if (item.done) break;
    items.push(item.value);
  }
  return items;
}

/** A fetch answering every request with `n` choices at once, counting calls. */
function instant(): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const answer: typeof fetch = (_input, init) => {
    calls++;
    const n = JSON.parse(String(init?.body)).n ?? 1;
    const choices = Array.from({ length: n }, (_, index) => ({
      index,
      message: { content: `s${calls}.${index}` },
    }));
    return Promise.resolve(Response.json({ choices }));
  };
  return { fetch: answer, calls: () => calls };
}

Deno.test("a for-await loop without take() stops at the default budget of 10,000 samples", async () => {
  const server = instant();
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    maxBatch: 10,
    fetch: server.fetch,
  });
  let served = 0;
  const error = await failure(async () => {
    for await (const _ of model.sample("p", 10)) {
      // A guard for code without a budget: the loop would never end.
      if (++served > 20_000) throw new Error("no budget stopped the loop");
    }
  }, BudgetExceededError);
  assert.equal(served, 10_000); // every sample paid for was served
  assert.equal(server.calls(), 1_000);
  assert.equal(error.limit, "samples");
  assert.equal(error.allowed, 10_000);
  assert.equal(error.used, 10_000);
  assert.match(error.message, /OpenAICompatible "m" stopped before a request/);
  assert.match(error.message, /budget of 10000 samples/);
  assert.match(error.message, /budget: \{ samples: 20000 \}/);
  assert.match(error.message, /take\(\)/);
});

Deno.test("a budget of requests refuses the next request before it is sent", async () => {
  await withServer({}, async (server) => {
    const model = new CloseAI("gpt-4o", 1, {
      baseUrl: server.url,
      apiKey: "sk-test-key",
      maxBatch: 5,
      budget: { requests: 2 },
    });
    const stream = model.sample("p", 5);
    assert.equal((await next(stream, 10)).length, 10);
    const error = await failure(() => stream.next(), BudgetExceededError);
    assert.equal(error.limit, "requests");
    assert.equal(error.allowed, 2);
    assert.equal(error.used, 2);
    assert.match(error.message, /CloseAI "gpt-4o" .* budget of 2 requests \(2 sent so far\)/);
    assert.match(error.message, /budget: \{ requests: 4 \}/);
    assert.equal(server.requests.length, 2);
  });
});

Deno.test("a budget of samples: the last request asks only for what is left", async () => {
  await withServer({}, async (server) => {
    const model = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      maxBatch: 5,
      budget: { samples: 12 },
    });
    const stream = model.sample("p", 5);
    assert.equal((await next(stream, 12)).length, 12);
    assert.deepEqual(server.requests.map((r) => r.n), [5, 5, 2]);
    const error = await failure(() => stream.next(), BudgetExceededError);
    assert.equal(error.limit, "samples");
    assert.equal(server.requests.length, 3);
  });
});

Deno.test("a budget of tokens is checked before each request", async () => {
  await withServer({}, async (server) => {
    // The test server reports prompt.length prompt tokens and one per choice: 6 a request.
    const model = new OpenAICompatible("m", 1, { baseUrl: server.url, budget: { tokens: 10 } });
    const stream = model.sample("hello");
    assert.deepEqual(await next(stream, 2), ["hello#0", "hello#1"]);
    const error = await failure(() => stream.next(), BudgetExceededError);
    assert.equal(error.limit, "tokens");
    assert.equal(error.used, 12);
    assert.match(error.message, /budget of 10 tokens \(12 reported so far\)/);
    assert.equal(server.requests.length, 2);
  });
});

Deno.test("Ollama counts one request per chat and keeps the chats within budget", async () => {
  await withServer({}, async (server) => {
    const model = new Ollama("llama3.2", 1, {
      baseUrl: server.origin,
      maxBatch: 4,
      budget: { requests: 3 },
    });
    const stream = model.sample("p", 4);
    assert.deepEqual((await next(stream, 3)).toSorted(), ["p#0", "p#1", "p#2"]);
    const error = await failure(() => stream.next(), BudgetExceededError);
    assert.equal(error.limit, "requests");
    assert.match(error.message, /^Ollama "llama3.2"/);
    assert.equal(server.requests.length, 3);
  });
});

Deno.test("samples received before the budget ran out are stored by Persistent", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await withServer({}, async (server) => {
      const provider = new OpenAICompatible("m", 1, {
        baseUrl: server.url,
        maxBatch: 10,
        budget: { requests: 1 },
      });
      const model = new Persistent(provider, dir);
      const stream = model.sample("p", 10);
      assert.equal((await next(stream, 10)).length, 10);
      await failure(() => stream.next(), BudgetExceededError);
      await model.store.close();
      const replay = new Persistent(provider, dir, { replication: true });
      const expected = Array.from({ length: 10 }, (_, i) => `p#${i}`);
      assert.deepEqual(await collect(replay.sample("p"), 10), expected);
      await replay.store.close();
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("budget { requests: 0 } never sends anything; a budget is checked at construction", async () => {
  const server = instant();
  const base = { baseUrl: "http://127.0.0.1:9/v1", fetch: server.fetch };
  const offline = new OpenAICompatible("m", 1, { ...base, budget: { requests: 0 } });
  await failure(() => first(offline.sample("p")), BudgetExceededError);
  assert.equal(server.calls(), 0);
  const make = (budget: unknown) => new OpenAICompatible("m", 1, { ...base, budget } as never);
  assert.throws(() => make({ request: 5 }), /budget has no limit "request"/);
  assert.throws(() => make(100), TypeError);
  for (const bad of [-1, 1.5, NaN]) assert.throws(() => make({ samples: bad }), RangeError);
  assert.throws(
    () => make({ samples: "10" }),
    (error: Error) =>
      error instanceof TypeError &&
      error.message === 'OpenAICompatible "m": budget.samples must be a non-negative integer or ' +
          'Infinity, got "10"; pass a whole number of at least 0, or Infinity for no limit',
  );
  make({});
  make({ samples: Infinity, requests: 1e6 });
});
