import assert from "node:assert/strict";
import { BufferedModel, collect, first } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import {
  CloseAI,
  Ollama,
  OpenAICompatible,
  type OpenAICompatibleOptions,
  ProviderError,
} from "../../providers/mod.ts";
import { failure, type OpenAIServer, withServer } from "../_support/openai_server.ts";

const KEY = "sk-test-3f9a1c-not-a-real-key";

function model(
  server: OpenAIServer,
  options: Partial<OpenAICompatibleOptions> = {},
  name = "gpt-test",
): OpenAICompatible {
  return new OpenAICompatible(name, 0.7, {
    baseUrl: server.url,
    apiKey: KEY,
    retryDelay: 1,
    ...options,
  });
}

Deno.test("OpenAICompatible: a request carries model, temperature, n and the prompt; samples come in index order", async () => {
  await withServer({}, async (server) => {
    const m = model(server, { maxBatch: 3 });
    assert.deepEqual(await collect(m.sample("hi", 3), 3), ["hi#0", "hi#1", "hi#2"]);
    assert.deepEqual(server.requests.length, 1);
    const [request] = server.requests;
    assert.deepEqual(request!.path, "/v1/chat/completions");
    assert.deepEqual(request!.body, {
      model: "gpt-test",
      temperature: 0.7,
      n: 3,
      messages: [{ role: "user", content: "hi" }],
    });
    assert.deepEqual(request!.authorization, `Bearer ${KEY}`);
    const { queryTime, ...stats } = m.stats;
    assert.deepEqual(stats, {
      requests: 1,
      retries: 0,
      samples: 3,
      promptTokens: 2,
      completionTokens: 3,
    });
    assert.equal(queryTime, m.totalQueryTime());
    assert.deepEqual(m.totalTokenCount(), [2, 3]);
    assert.ok(m.totalQueryTime() > 0);
  });
});

Deno.test("OpenAICompatible: n = 1 is not sent, since some servers reject the field", async () => {
  await withServer({}, async (server) => {
    await first(model(server).sample("p"));
    assert.deepEqual("n" in server.requests[0]!.body, false);
  });
});

Deno.test("OpenAICompatible: choices are placed by index, not by arrival order", async () => {
  const body = {
    choices: [
      { index: 2, message: { content: "c" } },
      { index: 0, message: { content: "a" } },
      { index: 1, message: { content: "b" } },
    ],
  };
  const m = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    maxBatch: 3,
    fetch: () => Promise.resolve(Response.json(body)),
  });
  assert.deepEqual(await collect(m.sample("p", 3), 3), ["a", "b", "c"]);
  assert.deepEqual(m.totalTokenCount(), [0, 0]); // no usage reported
});

Deno.test("OpenAICompatible: generation options go into the request and into the cache key", async () => {
  await withServer({}, async (server) => {
    const plain = model(server);
    assert.deepEqual(plain.keyOptions, undefined);
    assert.deepEqual(modelKey(plain), "gpt-test_0.7");
    const m = model(server, {
      system: "Be brief.",
      maxTokens: 16,
      stop: ["\n"],
      seed: 7,
      topP: 0.9,
      responseFormat: { type: "json_object" },
      params: { presence_penalty: 0.5 },
    });
    await first(m.sample("q"));
    const body = server.requests[0]!.body;
    assert.deepEqual(body.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "q" },
    ]);
    assert.deepEqual(
      [
        body.max_tokens,
        body.stop,
        body.seed,
        body.top_p,
        body.response_format,
        body.presence_penalty,
      ],
      [16, ["\n"], 7, 0.9, { type: "json_object" }, 0.5],
    );
    assert.deepEqual(m.keyOptions, {
      system: "Be brief.",
      max_tokens: 16,
      stop: ["\n"],
      seed: 7,
      top_p: 0.9,
      response_format: { type: "json_object" },
      presence_penalty: 0.5,
    });
    assert.match(modelKey(m), /^gpt-test_0\.7\+[0-9a-f]{16}$/);
    // The same request spelled through params has the same key.
    const spelled = model(server, { params: { max_tokens: 16 } });
    assert.deepEqual(modelKey(spelled), modelKey(model(server, { maxTokens: 16 })));
  });
});

Deno.test("OpenAICompatible: fewer choices than n: the samples that came are kept, the rest is asked for", async () => {
  await withServer({ maxChoices: 3 }, async (server) => {
    const m = model(server, { maxBatch: 10 });
    const samples = await collect(m.sample("p", 10), 10);
    assert.deepEqual(samples, Array.from({ length: 10 }, (_, i) => `p#${i}`));
    // Each request asks for what is still missing of the batch of 10.
    assert.deepEqual(server.requests.map((r) => r.n), [10, 7, 4, 1]);
    const { requests, retries } = m.stats;
    assert.deepEqual([requests, retries, m.stats.samples], [4, 0, 10]);
  });
});

for (const style of ["deepseek", "groq", "llamacpp"] as const) {
  Deno.test(`OpenAICompatible: n > 1 refused (${style}): single requests from then on`, async () => {
    await withServer({ refuseN: style }, async (server) => {
      const m = model(server, { maxBatch: 4 });
      assert.deepEqual(await collect(m.sample("p", 4), 4), ["p#0", "p#1", "p#2", "p#3"]);
      assert.deepEqual(server.requests.map((r) => r.n), [4, 1, 1, 1, 1]);
      assert.deepEqual(m.stats.retries, 0);
      // Remembered: the next batch goes straight to single requests.
      assert.deepEqual((await collect(m.sample("q", 4), 4)).length, 4);
      assert.deepEqual(server.requests.slice(5).map((r) => r.n), [1, 1, 1, 1]);
      assert.deepEqual(m.stats.requests, 8);
    });
  });
}

Deno.test("OpenAICompatible: a 400 that is not about n is thrown at once, without retries", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "bad_request", message: "Unsupported parameter: 'stop'" });
    const m = model(server, { maxBatch: 2 });
    const error = await failure(() => first(m.sample("p", 2)), ProviderError);
    assert.deepEqual(error.status, 400);
    assert.deepEqual(error.code, "bad_request");
    assert.match(error.message, /Unsupported parameter/);
    assert.deepEqual(server.requests.length, 1);
  });
});

Deno.test("OpenAICompatible: one short answer (a fewer-choices fault) is topped up by the next request", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "fewer", choices: 1 });
    const m = model(server, { maxBatch: 4 });
    assert.deepEqual(await collect(m.sample("p", 4), 4), ["p#0", "p#1", "p#2", "p#3"]);
    assert.deepEqual(server.requests.map((r) => r.n), [4, 3]);
    const { requests, retries, samples } = m.stats;
    assert.deepEqual({ requests, retries, samples }, { requests: 2, retries: 0, samples: 4 });
  });
});

Deno.test("OpenAICompatible: constructor arguments are checked with messages that say what to pass", () => {
  const base = { baseUrl: "http://localhost:8000/v1" };
  assert.throws(() => new OpenAICompatible("m", 1, {} as never), /baseUrl must be a string/);
  assert.throws(() => new OpenAICompatible("m", 1, { baseUrl: "ftp://x" }), /http or https/);
  assert.throws(() => new OpenAICompatible("m", 1, { ...base, maxConcurrency: 0 }), RangeError);
  assert.throws(() => new OpenAICompatible("m", 1, { ...base, timeout: 0 }), RangeError);
  assert.throws(() => new OpenAICompatible("m", 1, { ...base, maxRetries: -1 }), RangeError);
  assert.throws(
    () => new OpenAICompatible("m", 1, { ...base, params: { n: 3 } }),
    /params may not set "n"/,
  );
  assert.throws(() => new OpenAICompatible("m", 1, { ...base, maxTokens: 1.5 }), TypeError);
  assert.throws(() => new OpenAICompatible("m", 1, { ...base, apiKey: "" }), TypeError);
});

Deno.test("OpenAICompatible: numeric options go through the shared checks: the model, the kind, what to pass", () => {
  const base = { baseUrl: "http://localhost:8000/v1" };
  const refused = (options: Record<string, unknown>, type: typeof TypeError, message: string) =>
    assert.throws(
      () => new OpenAICompatible("m", 1, { ...base, ...options }),
      (error: Error) => {
        assert.ok(error instanceof type, String(error));
        assert.equal(error.message, `OpenAICompatible "m": ${message}`);
        return true;
      },
    );
  const count = "pass a whole number of at least 1";
  refused(
    { maxConcurrency: "8" },
    TypeError,
    `maxConcurrency must be a positive integer, got "8"; ${count}`,
  );
  refused(
    { maxConcurrency: 2.5 },
    RangeError,
    `maxConcurrency must be a positive integer, got 2.5; ${count}`,
  );
  refused(
    { maxResponseBytes: "1" },
    TypeError,
    `maxResponseBytes must be a positive integer or Infinity, got "1"; ${count}, or Infinity for no limit`,
  );
  const ms = "pass a duration in milliseconds, e.g. 1000 for one second";
  refused(
    { timeout: "5" },
    TypeError,
    `timeout must be a number of milliseconds of at least 1, got "5"; ${ms}`,
  );
  refused(
    { retryDelay: Infinity },
    RangeError,
    `retryDelay must be a number of milliseconds of at least 0, got Infinity; ${ms}`,
  );
  refused({ seed: 1.5 }, TypeError, "seed must be an integer, got 1.5; pass a whole number");
  refused({ topP: NaN }, TypeError, "topP must be a finite number, got NaN; pass a finite number");
});

Deno.test("HttpProvider: HTTP providers refuse a temperature above 2 at construction", () => {
  const base = { baseUrl: "http://localhost:8000/v1" };
  for (
    const make of [
      (t: number) => new OpenAICompatible("m", t, base),
      (t: number) => new CloseAI("gpt-4o", t),
      (t: number) => new Ollama("llama3.2", t),
    ]
  ) {
    for (const t of [2.5, 2.001, 100]) {
      assert.throws(() => make(t), (e: unknown) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.match(e.message, /temperature must be between 0 and 2/);
        assert.match(e.message, new RegExp(`got ${t}`));
        return true;
      });
    }
    assert.throws(() => make(-0.1), RangeError);
    assert.equal(make(0).temperature, 0);
    assert.equal(make(2).temperature, 2);
  }
});

Deno.test("BufferedModel: itself keeps any finite temperature, so hot caches stay readable", async () => {
  class Hot extends BufferedModel {
    protected query(_prompt: string, n: number): Promise<string[]> {
      return Promise.resolve(Array(n).fill("hot"));
    }
  }
  const model = new Hot("hot", 2.5);
  assert.equal(modelKey(model), "hot_2.5");
  assert.equal(await first(model.sample("p")), "hot");
});
