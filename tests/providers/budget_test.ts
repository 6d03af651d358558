// Spending limits: a stream read without take() must not sample forever.

import assert from "node:assert/strict";
import { BudgetExceededError, collect, first, Persistent } from "../../mod.ts";
import { CloseAI, Ollama, OpenAICompatible, ProviderError } from "../../providers/mod.ts";
import { failure, withServer } from "../_support/openai_server.ts";

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

Deno.test("Budget: a for-await loop without take() stops at the default budget of 10,000 samples", async () => {
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

Deno.test("Budget: a budget of requests refuses the next request before it is sent", async () => {
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

Deno.test("Budget: a budget of samples: the last request asks only for what is left", async () => {
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

Deno.test("Budget: a budget of tokens is checked before each request", async () => {
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

Deno.test("Ollama: counts one request per chat and keeps the chats within budget", async () => {
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

Deno.test("Budget: samples received before the budget ran out are stored by Persistent", async () => {
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

Deno.test("Budget: { requests: 0 } never sends anything; a budget is checked at construction", async () => {
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

/**
 * A fetch that answers each request after a timer tick with what `answer`
 * makes of its `n` and its number (from 1), counting calls and the most
 * answered at once.
 */
function scripted(
  answer: (n: number, call: number) => Response,
): { fetch: typeof fetch; calls: () => number; maxInFlight: () => number } {
  let calls = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const respond: typeof fetch = async (_input, init) => {
    const call = ++calls;
    maxInFlight = Math.max(maxInFlight, ++inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return answer(JSON.parse(String(init?.body)).n ?? 1, call);
    } finally {
      inFlight--;
    }
  };
  return { fetch: respond, calls: () => calls, maxInFlight: () => maxInFlight };
}

/** A completion of `choices` choices, with `usage` as the body's usage field when given. */
function completion(choices: number, call: number, usage?: unknown): Response {
  return Response.json({
    choices: Array.from({ length: choices }, (_, index) => ({
      index,
      message: { content: `s${call}.${index}` },
    })),
    ...(usage === undefined ? {} : { usage }),
  });
}

/** Opens `count` streams on different prompts at once; each reads one sample. */
async function concurrently(
  model: OpenAICompatible | Ollama,
  count: number,
): Promise<{ served: number; refused: BudgetExceededError[] }> {
  const results = await Promise.allSettled(
    Array.from({ length: count }, (_, i) => first(model.sample(`prompt ${i}`))),
  );
  const refused = results.flatMap((r) => {
    if (r.status === "fulfilled") return [];
    if (!(r.reason instanceof BudgetExceededError)) throw r.reason;
    return [r.reason];
  });
  return { served: results.length - refused.length, refused };
}

Deno.test("Budget: a tokens budget holds under 400 concurrent streams: checked when a request is sent", async () => {
  // 1,000 tokens a response: 10 fit in the budget.
  const server = scripted((n, call) =>
    completion(n, call, { prompt_tokens: 200, completion_tokens: 800, total_tokens: 1000 })
  );
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    budget: { tokens: 10_000 },
  });
  const { served, refused } = await concurrently(model, 400);
  // Every request in flight counts what it will cost (the most a request cost
  // so far), so requests of even cost never go past the budget.
  assert.equal(server.calls(), 10);
  assert.equal(served, 10);
  assert.equal(refused.length, 390);
  assert.ok(refused.every((e) => e.limit === "tokens" && e.used === 10_000));
  assert.deepEqual(model.totalTokenCount(), [2_000, 8_000]);
  assert.ok(server.maxInFlight() <= model.maxConcurrency);
});

Deno.test("Budget: a tokens budget: the overshoot is at most the requests in flight at once", async () => {
  // The first answers are short, then every answer is 10 times longer than
  // any before it: the estimate is always too low, and the budget still holds
  // to within the requests in flight (8).
  const server = scripted((n, call) =>
    completion(n, call, { prompt_tokens: 0, completion_tokens: 10 ** Math.min(call, 6) })
  );
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    budget: { tokens: 1_000 },
  });
  const { served, refused } = await concurrently(model, 100);
  assert.ok(server.calls() <= 3 + model.maxConcurrency, `${server.calls()} requests`);
  assert.equal(served, server.calls());
  assert.equal(refused.length, 100 - served);
});

Deno.test("Budget: before the first answer a tokens budget lets one request out: a tight budget holds", async () => {
  const server = scripted((n, call) =>
    completion(n, call, { prompt_tokens: 500, completion_tokens: 1_500 })
  );
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    budget: { tokens: 1_000 },
  });
  const { served, refused } = await concurrently(model, 50);
  assert.equal(server.calls(), 1);
  assert.equal(served, 1);
  assert.match(refused[0]!.message, /budget of 1000 tokens \(2000 reported so far\)/);
});

Deno.test("Ollama: its chats under a tokens budget are checked one by one as they are sent", async () => {
  await withServer({ latency: 1 }, async (server) => {
    // The test server reports the prompt's length and one completion token: 4 a chat.
    const model = new Ollama("llama3.2", 1, {
      baseUrl: server.origin,
      maxBatch: 50,
      budget: { tokens: 20 },
    });
    const stream = model.sample("abc", 50);
    const samples: string[] = [];
    const error = await failure(async () => {
      for (;;) samples.push((await stream.next()).value);
    }, BudgetExceededError);
    assert.equal(server.requests.length, 5);
    assert.equal(samples.length, 5);
    assert.equal(error.used, 20);
  });
});

Deno.test("Budget: more choices than asked never push a samples budget over; with room they are kept", async () => {
  const generous = () => scripted((n, call) => completion(n + 2, call));
  const tight = generous();
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: tight.fetch,
    maxBatch: 10,
    budget: { samples: 10 },
  });
  const stream = model.sample("p", 10);
  const samples = await next(stream, 10);
  const error = await failure(() => stream.next(), BudgetExceededError);
  assert.equal(error.limit, "samples");
  assert.equal(error.used, 10);
  assert.deepEqual(samples, Array.from({ length: 10 }, (_, i) => `s1.${i}`));
  assert.equal(model.stats.samples, 10);
  assert.equal(tight.calls(), 1);

  // With room in the budget, the extra choices were paid for and are kept.
  const roomy = generous();
  const kept = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: roomy.fetch,
    maxBatch: 10,
    budget: { samples: 100 },
  });
  assert.deepEqual(await next(kept.sample("p", 10), 12), [
    ...Array.from({ length: 12 }, (_, i) => `s1.${i}`),
  ]);
  assert.equal(roomy.calls(), 1);
  assert.equal(kept.stats.samples, 12);
});

Deno.test("Budget: a requests budget counts every HTTP request sent, retries included", async () => {
  await withServer({}, async (server) => {
    server.inject(...Array.from({ length: 4 }, () => ({ kind: "server_error" }) as const));
    const model = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      retryDelay: 1,
      budget: { requests: 1 },
    });
    const error = await failure(() => first(model.sample("p")), BudgetExceededError);
    assert.equal(server.requests.length, 1);
    assert.equal(error.limit, "requests");
    assert.equal(error.used, 1);
    assert.match(error.message, /retry/);
    assert.ok(error.cause instanceof ProviderError && error.cause.status === 500);
    assert.equal(model.stats.retries, 0, "a retry refused is not counted as sent");
  });
  await withServer({}, async (server) => {
    // Three requests allowed: two failures and a success, then nothing more.
    server.inject({ kind: "server_error" }, { kind: "rate_limit", retryAfterMs: 1 });
    const three = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      retryDelay: 1,
      budget: { requests: 3 },
    });
    const stream = three.sample("q");
    assert.equal((await stream.next()).value, "q#0");
    assert.deepEqual([three.stats.requests, three.stats.retries], [1, 2]);
    await failure(() => stream.next(), BudgetExceededError);
    assert.equal(server.requests.length, 3);
  });
});

Deno.test("Budget: a request waiting for its budget gives its slot back: a retry in flight is never starved", async () => {
  await withServer({}, async (server) => {
    // The first request fails and must be retried while the others wait for
    // its answer (before the first answer, one request goes out alone).
    server.inject({ kind: "server_error" }, { kind: "server_error" });
    const model = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      maxConcurrency: 1,
      retryDelay: 1,
      budget: { tokens: 10_000 },
    });
    const samples = await Promise.all(["a", "b", "c", "d"].map((p) => first(model.sample(p))));
    assert.deepEqual(samples, ["a#0", "b#0", "c#0", "d#0"]);
    assert.equal(server.requests.length, 6);
    assert.equal(model.stats.retries, 2);
  });
});

Deno.test("Budget: a request that fails gives its share of a samples budget back to one that waits", async () => {
  let calls = 0;
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    maxBatch: 10,
    budget: { samples: 10 },
    fetch: async (_input, init) => {
      if (++calls === 1) {
        await new Promise((resolve) => setTimeout(resolve, 1));
        return Response.json({ error: { message: "bad prompt" } }, { status: 400 });
      }
      return completion(JSON.parse(String(init?.body)).n, calls);
    },
  });
  const [failed, served] = await Promise.allSettled([
    next(model.sample("a", 10), 10),
    next(model.sample("b", 10), 10),
  ]);
  assert.ok(failed.status === "rejected" && failed.reason instanceof ProviderError);
  assert.deepEqual(served, {
    status: "fulfilled",
    value: Array.from({ length: 10 }, (_, i) => `s2.${i}`),
  });
});

Deno.test("Budget: a request waiting for its budget ends when the model's signal aborts", async () => {
  const controller = new AbortController();
  let calls = 0;
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    signal: controller.signal,
    budget: { tokens: 1_000 },
    fetch: (_input, init) => {
      calls++;
      return new Promise((_, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal!.reason));
      });
    },
  });
  const streams = [first(model.sample("a")), first(model.sample("b"))];
  await new Promise((resolve) => setTimeout(resolve, 1));
  controller.abort(new Error("stopped by the test"));
  for (const result of await Promise.allSettled(streams)) {
    assert.ok(result.status === "rejected");
    assert.match(String(result.reason), /stopped by the test/);
  }
  assert.equal(calls, 1);
});

Deno.test("Budget: a cost budget without a price is refused at construction, naming price", () => {
  const make = (options: Record<string, unknown>) =>
    new OpenAICompatible("m", 1, { baseUrl: "http://127.0.0.1:9/v1", ...options });
  assert.throws(
    () => make({ budget: { cost: 5 } }),
    (error: Error) =>
      error instanceof TypeError &&
      /budget\.cost needs a price/.test(error.message) &&
      /price: \{ input: 2\.5, output: 10 \}/.test(error.message),
  );
  for (const bad of [-1, NaN]) {
    assert.throws(
      () => make({ budget: { cost: bad }, price: { input: 1, output: 1 } }),
      RangeError,
    );
  }
  assert.throws(() => make({ budget: { cost: "5" }, price: { input: 1, output: 1 } }), TypeError);
  make({ budget: { cost: 0.25 }, price: { input: 1, output: 1 } });
  make({ budget: { cost: Infinity } });
});

Deno.test("Budget: a cost budget in the price's currency is checked before each request", async () => {
  await withServer({}, async (server) => {
    // Each request: 5 prompt tokens, 1 completion token; at 100,000 and 500,000 EUR per
    // million tokens that is 0.5 + 0.5 = 1 EUR a request.
    const model = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      price: { input: 100_000, output: 500_000, currency: "EUR" },
      budget: { cost: 2.5 },
    });
    const stream = model.sample("hello");
    assert.deepEqual(await next(stream, 3), ["hello#0", "hello#1", "hello#2"]);
    const error = await failure(() => stream.next(), BudgetExceededError);
    assert.equal(error.limit, "cost");
    assert.equal(error.allowed, 2.5);
    assert.equal(error.used, 3);
    assert.match(error.message, /budget of 2\.5 EUR \(3 EUR spent so far\)/);
    assert.match(error.message, /\{ budget: \{ cost: 5 \} \}/);
    assert.equal(server.requests.length, 3);
  });
});

Deno.test("Budget: a cost budget holds under 400 concurrent streams, counting what is in flight", async () => {
  // 1,000 tokens a response at 1 USD per million prompt and 4 per million completion tokens:
  // 200 × 1 + 800 × 4 = 3,400 µUSD each; a budget of 0.034 USD fits 10.
  const server = scripted((n, call) =>
    completion(n, call, { prompt_tokens: 200, completion_tokens: 800, total_tokens: 1000 })
  );
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    price: { input: 1, output: 4 },
    budget: { cost: 0.034 },
  });
  const { served, refused } = await concurrently(model, 400);
  assert.equal(server.calls(), 10);
  assert.equal(served, 10);
  assert.ok(refused.every((e) => e.limit === "cost"));
  assert.ok(model.stats.cost! <= 0.034 + 1e-12, `${model.stats.cost}`);
});

Deno.test("Budget: a cost budget: a total without its split is spent at the output price", async () => {
  const server = scripted((n, call) => completion(n, call, { total_tokens: 1_000 }));
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    price: { input: 1, output: 1_000 },
    budget: { cost: 1.5 },
  });
  const stream = model.sample("p");
  assert.equal((await next(stream, 2)).length, 2); // 1 USD each: never understated
  const error = await failure(() => stream.next(), BudgetExceededError);
  assert.deepEqual([error.limit, error.used], ["cost", 2]);
});

Deno.test("Budget: a cost budget with a server that reports no usage stops after the first answer", async () => {
  const server = scripted((n, call) => completion(n, call));
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    price: { input: 1, output: 1 },
    budget: { cost: 100 },
  });
  const stream = model.sample("p");
  assert.equal((await next(stream, 1)).length, 1);
  await assert.rejects(
    stream.next(),
    /cannot keep its budget of 100 USD: the server reported no token/,
  );
  assert.equal(server.calls(), 1);
});
