// Ollama's native /api/chat: streamed NDJSON, n emulated, tokens from eval counts.

import assert from "node:assert/strict";
import { collect, first } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import { Ollama, ProviderError } from "../../providers/mod.ts";
import { countingFetch, failure, withServer } from "../_support/openai_server.ts";

Deno.test("Ollama: joins the streamed parts and counts eval tokens", async () => {
  await withServer({}, async (server) => {
    const model = new Ollama("llama3.2", 0.8, { baseUrl: server.origin });
    assert.equal(await first(model.sample("héllo wörld ✓")), "héllo wörld ✓#0");
    const [request] = server.requests;
    assert.equal(request!.path, "/api/chat");
    assert.deepEqual(request!.body, {
      model: "llama3.2",
      messages: [{ role: "user", content: "héllo wörld ✓" }],
      stream: true,
      options: { temperature: 0.8 },
    });
    assert.equal(request!.authorization, null);
    assert.deepEqual(model.totalTokenCount(), ["héllo wörld ✓".length, 1]);
    const { queryTime, ...stats } = model.stats;
    assert.deepEqual(stats, {
      requests: 1,
      retries: 0,
      samples: 1,
      promptTokens: "héllo wörld ✓".length,
      completionTokens: 1,
    });
    assert.ok(queryTime > 0);
  });
});

Deno.test("Ollama: emulates n with one chat per sample", async () => {
  await withServer({}, async (server) => {
    const model = new Ollama("llama3.2", 1, { baseUrl: server.origin, maxBatch: 4 });
    const samples = await collect(model.sample("p", 4), 4);
    assert.deepEqual(samples.toSorted(), ["p#0", "p#1", "p#2", "p#3"]);
    assert.equal(server.requests.length, 4);
    assert.deepEqual(model.totalTokenCount(), [4, 4]);
    assert.equal(model.stats.requests, 4);
  });
});

Deno.test("Ollama: maps generation options into options, format and messages", async () => {
  await withServer({}, async (server) => {
    const model = new Ollama("llama3.2", 0, {
      baseUrl: server.origin,
      system: "Terse.",
      maxTokens: 32,
      seed: 1,
      stop: ["END"],
      topP: 0.5,
      responseFormat: { type: "json_object" },
      params: { options: { num_ctx: 4096 }, keep_alive: "5m" },
    });
    await first(model.sample("p"));
    const body = server.requests[0]!.body;
    assert.deepEqual(body.options, {
      num_predict: 32,
      stop: ["END"],
      seed: 1,
      top_p: 0.5,
      num_ctx: 4096,
      temperature: 0,
    });
    assert.equal(body.format, "json");
    assert.equal(body.keep_alive, "5m");
    assert.deepEqual(body.messages, [
      { role: "system", content: "Terse." },
      { role: "user", content: "p" },
    ]);
    assert.match(modelKey(model), /^llama3\.2_0\+/);
    assert.equal(modelKey(new Ollama("llama3.2", 0)), "llama3.2_0");
  });
});

Deno.test("Ollama: an error line mid-stream and a truncated stream are retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "stream_error" }, { kind: "truncated" });
    const model = new Ollama("llama3.2", 1, { baseUrl: server.origin, retryDelay: 1 });
    assert.equal(await first(model.sample("p")), "p#2");
    assert.equal(model.stats.retries, 2);
  });
});

Deno.test("Ollama: an error line with no retries left is a ProviderError with Ollama's message", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "stream_error" });
    const model = new Ollama("llama3.2", 1, { baseUrl: server.origin, maxRetries: 0 });
    const error = await failure(() => first(model.sample("p")), ProviderError);
    assert.equal(error.status, 500);
    assert.match(error.message, /model runner has unexpectedly stopped/);
  });
});

Deno.test("Ollama: its 404 for a missing model is a ProviderError, not retried", async () => {
  const model = new Ollama("nope", 1, {
    fetch: () =>
      Promise.resolve(
        Response.json({ error: 'model "nope" not found, try pulling it first' }, { status: 404 }),
      ),
  });
  const error = await failure(() => first(model.sample("p")), ProviderError);
  assert.equal(error.status, 404);
  assert.match(error.message, /try pulling it first/);
  assert.match(error.message, /localhost:11434/);
  assert.equal(model.stats.retries, 0);
});

Deno.test("Ollama: rejects a response format it cannot express", () => {
  assert.throws(
    () => new Ollama("m", 1, { responseFormat: { type: "grammar" } }),
    TypeError,
  );
});

Deno.test("Ollama: a stream that never ends is cut off at maxResponseBytes, not retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "endless" });
    const counted = countingFetch();
    const model = new Ollama("llama3.2", 1, {
      baseUrl: server.origin,
      maxResponseBytes: 1024 * 1024,
      fetch: counted.fetch,
      // Only a safety net: without the cap, the stream would run until this.
      retryDelay: 1,
      timeout: 3_000,
    });
    const error = await failure(() => first(model.sample("p")), ProviderError);
    assert.equal(error.code, "response_too_large");
    assert.equal(error.retryable, false);
    assert.match(error.message, /maxResponseBytes \(1048576 bytes/);
    assert.equal(server.requests.length, 1);
    assert.ok(counted.read() < 2 * 1024 * 1024, `read ${counted.read()} bytes`);
    // The connection closed: the server stopped making the stream soon after.
    await server.close();
    assert.ok(server.streamedBytes < 64 * 1024 * 1024, `${server.streamedBytes} bytes made`);
  });
});
