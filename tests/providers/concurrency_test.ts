// maxConcurrency: many prompts at once never mean many connections at once.

import assert from "node:assert/strict";
import { first } from "../../mod.ts";
import { Ollama, OpenAICompatible } from "../../providers/mod.ts";
import { withServer } from "../_support/openai_server.ts";

Deno.test("HttpProvider: Promise.all over 1,000 prompts keeps at most maxConcurrency (8) requests in flight", async () => {
  await withServer({ latency: 2 }, async (server) => {
    const model = new OpenAICompatible("m", 1, { baseUrl: server.url });
    assert.equal(model.maxConcurrency, 8);
    const prompts = Array.from({ length: 1000 }, (_, i) => `prompt ${i}`);
    const samples = await Promise.all(prompts.map((p) => first(model.sample(p))));
    assert.deepEqual(samples, prompts.map((p) => `${p}#0`));
    assert.equal(server.requests.length, 1000);
    assert.equal(server.maxInFlight, 8);
    assert.equal(model.stats.requests, 1000);
  });
});

Deno.test("HttpProvider: maxConcurrency 1 sends one request at a time; single-sample fallbacks obey it too", async () => {
  await withServer({ latency: 1, refuseN: "groq" }, async (server) => {
    const model = new OpenAICompatible("m", 1, {
      baseUrl: server.url,
      maxConcurrency: 1,
      maxBatch: 5,
    });
    await Promise.all(["a", "b", "c"].map((p) => first(model.sample(p, 5))));
    assert.equal(server.maxInFlight, 1);
  });
});

Deno.test("Ollama: its emulated n obeys maxConcurrency", async () => {
  await withServer({ latency: 2 }, async (server) => {
    const model = new Ollama("llama3", 1, {
      baseUrl: server.origin,
      maxConcurrency: 3,
      maxBatch: 10,
    });
    await first(model.sample("p", 10));
    assert.equal(server.requests.length, 10);
    assert.equal(server.maxInFlight, 3);
  });
});
