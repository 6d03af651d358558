// What real servers do wrong, one fault at a time.

import assert from "node:assert/strict";
import { collect, first } from "../../mod.ts";
import { infoOf } from "../../core/accounting.ts";
import {
  OpenAICompatible,
  type OpenAICompatibleOptions,
  ProviderError,
} from "../../providers/mod.ts";
import {
  countingFetch,
  failure,
  type OpenAIServer,
  withServer,
} from "../_support/openai_server.ts";

function model(server: OpenAIServer, options: Partial<OpenAICompatibleOptions> = {}) {
  return new OpenAICompatible("gpt-test", 1, {
    baseUrl: server.url,
    retryDelay: 1,
    ...options,
  });
}

function fake(body: unknown, init: ResponseInit = {}): typeof fetch {
  return () => Promise.resolve(new Response(JSON.stringify(body), init));
}

Deno.test("HttpProvider: 500 and 502 are retried with backoff, then succeed", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "server_error" }, { kind: "server_error", status: 502 });
    const m = model(server);
    assert.equal(await first(m.sample("p")), "p#0");
    assert.equal(server.requests.length, 3);
    const { requests, retries, samples } = m.stats;
    assert.deepEqual({ requests, retries, samples }, { requests: 1, retries: 2, samples: 1 });
  });
});

Deno.test("HttpProvider: retries give up after maxRetries with the last error", async () => {
  await withServer({}, async (server) => {
    server.inject(...Array(3).fill({ kind: "html" }));
    const m = model(server, { maxRetries: 2 });
    const error = await failure(() => first(m.sample("p")), ProviderError);
    assert.equal(error.status, 502);
    assert.match(error.message, /HTML page titled "502 Bad Gateway"/);
    assert.match(error.body, /^<html>/);
    assert.equal(server.requests.length, 3);
    assert.equal(m.stats.retries, 2);
  });
});

Deno.test("HttpProvider: a dropped connection is retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "drop" });
    const m = model(server);
    assert.equal(await first(m.sample("p")), "p#0");
    assert.equal(m.stats.retries, 1);
  });
});

Deno.test("HttpProvider: a dropped connection with no retries left is a ProviderError with status 0", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "drop" });
    const error = await failure(
      () => first(model(server, { maxRetries: 0 }).sample("p")),
      ProviderError,
    );
    assert.equal(error.status, 0);
    assert.equal(error.code, "network_error");
  });
});

Deno.test("HttpProvider: 429 honours retry-after-ms", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "rate_limit", retryAfterMs: 120 });
    const m = model(server);
    const start = performance.now();
    assert.equal(await first(m.sample("p")), "p#0");
    assert.ok(performance.now() - start >= 115);
    assert.equal(m.stats.retries, 1);
  });
});

Deno.test("HttpProvider: 429 Retry-After in seconds is capped by maxRetryDelay", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "rate_limit", retryAfter: "3600" });
    const m = model(server, { maxRetryDelay: 30 });
    const start = performance.now();
    assert.equal(await first(m.sample("p")), "p#0");
    assert.ok(performance.now() - start < 1000);
  });
});

Deno.test("HttpProvider: a 429 pauses the whole queue, not just the request that got it", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "rate_limit", retryAfterMs: 200 });
    const m = model(server, { maxConcurrency: 1 });
    const a = first(m.sample("a"));
    await new Promise((resolve) => setTimeout(resolve, 5)); // a is sent first
    const b = first(m.sample("b"));
    assert.deepEqual(await Promise.all([a, b]), ["a#0", "b#0"]);
    const [rejected, next] = server.requests;
    assert.equal(promptOf(rejected!.body), "a");
    // b held its turn until the pause ended, though a slot was free.
    assert.ok(next!.at - rejected!.at >= 190, `b was sent after ${next!.at - rejected!.at} ms`);
  });
});

Deno.test("HttpProvider: other 4xx are not retried", async () => {
  for (const status of [401, 403, 404, 422]) {
    const m = new OpenAICompatible("m", 1, {
      baseUrl: "http://127.0.0.1:9/v1",
      fetch: fake({ error: { message: "no", code: `c${status}` } }, { status }),
    });
    const error = await failure(() => first(m.sample("p")), ProviderError);
    assert.equal(error.status, status);
    assert.equal(m.stats.retries, 0);
  }
});

Deno.test("HttpProvider: a per-request timeout aborts a hanging request, which is retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "hang" });
    const m = model(server, { timeout: 100 });
    assert.equal(await first(m.sample("p")), "p#0");
    assert.equal(m.stats.retries, 1);
  });
});

Deno.test("HttpProvider: a timeout with no retries left is a ProviderError naming the timeout", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "hang" });
    const m = model(server, { timeout: 50, maxRetries: 0 });
    const error = await failure(() => first(m.sample("p")), ProviderError);
    assert.equal(error.status, 0);
    assert.equal(error.code, "timeout");
    assert.match(error.message, /within 50 ms/);
  });
});

Deno.test("HttpProvider: the caller's abort stops requests in flight, queued and waiting to retry", async () => {
  await withServer({ latency: 10_000 }, async (server) => {
    const controller = new AbortController();
    const m = model(server, { signal: controller.signal, maxConcurrency: 2 });
    const started = performance.now();
    const pending = ["a", "b", "c", "d"].map((p) => first(m.sample(p)));
    setTimeout(() => controller.abort(new DOMException("stop", "AbortError")), 50);
    for (const result of await Promise.allSettled(pending)) {
      assert.equal(result.status, "rejected");
      assert.equal((result as PromiseRejectedResult).reason.name, "AbortError");
    }
    assert.ok(performance.now() - started < 2000);
    assert.equal(server.requests.length, 2); // the queued two never went out
    await assert.rejects(() => first(m.sample("e")), { name: "AbortError" });
  });
});

Deno.test("HttpProvider: leading whitespace before the JSON body is ignored", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "padding" });
    assert.equal(await first(model(server).sample("p")), "p#0");
  });
});

Deno.test("HttpProvider: a 200 that is not JSON is a ProviderError, not retried", async () => {
  const m = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: () =>
      Promise.resolve(
        new Response("<html><title>Sign in</title></html>", {
          headers: { "content-type": "text/html" },
        }),
      ),
  });
  const error = await failure(() => first(m.sample("p")), ProviderError);
  assert.equal(error.status, 200);
  assert.equal(error.code, "invalid_response");
  assert.match(error.message, /HTML page titled "Sign in".*check baseUrl/);
  assert.equal(m.stats.retries, 0);
});

Deno.test("HttpProvider: content null with a refusal: the sample is the refusal text", async () => {
  const m = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: fake({
      choices: [{ index: 0, message: { content: null, refusal: "I can't help with that." } }],
    }),
  });
  assert.equal(await first(m.sample("p")), "I can't help with that.");
});

Deno.test("HttpProvider: choices without text are dropped; with none left, a no_content error", async () => {
  const mixed = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    maxBatch: 2,
    fetch: fake({
      choices: [
        { index: 0, finish_reason: "content_filter" },
        { index: 1, message: { content: "ok" }, finish_reason: "stop" },
      ],
    }),
  });
  assert.deepEqual(await collect(mixed.sample("p", 2), 2), ["ok", "ok"]);
  const none = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: fake({
      choices: [{
        index: 0,
        message: { content: null, tool_calls: [] },
        finish_reason: "tool_calls",
      }],
    }),
  });
  const error = await failure(() => first(none.sample("p")), ProviderError);
  assert.equal(error.code, "no_content");
  assert.match(error.message, /tool_calls/);
  assert.ok(!error.message.includes("null"));
});

Deno.test("HttpProvider: an answer whose every choice was filtered still counts the tokens it was billed", async () => {
  const filtered = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    price: { input: 1, output: 1 },
    fetch: fake({
      choices: [{ index: 0, finish_reason: "content_filter" }],
      usage: { prompt_tokens: 12, completion_tokens: 0 },
    }),
  });
  const error = await failure(() => first(filtered.sample("p")), ProviderError);
  assert.equal(error.code, "no_content");
  assert.deepEqual(error.usage, { promptTokens: 12, completionTokens: 0 });
  assert.deepEqual(filtered.totalTokenCount(), [12, 0]);
  const [spent] = infoOf(filtered).usage!();
  assert.deepEqual([spent!.prompt, spent!.requests, spent!.promptTokens], ["p", 0, 12]);
  assert.equal(filtered.stats.cost, 12 / 1e6);
});

function promptOf(body: Record<string, unknown>): string {
  const messages = body.messages as { content: string }[];
  return messages.at(-1)!.content;
}

Deno.test("HttpProvider: 429 honours Retry-After given as an HTTP date", async () => {
  const answers = [
    new Response('{"error":{"message":"slow down"}}', {
      status: 429,
      headers: { "retry-after": new Date(Date.now() + 1500).toUTCString() },
    }),
    Response.json({ choices: [{ index: 0, message: { content: "ok" } }] }),
  ];
  const m = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    retryDelay: 1,
    fetch: () => Promise.resolve(answers.shift()!),
  });
  const start = performance.now();
  assert.equal(await first(m.sample("p")), "ok");
  // HTTP dates have whole seconds: the wait is between 0.5 and 1.5 s (+10% jitter).
  const waited = performance.now() - start;
  assert.ok(waited >= 450 && waited < 2500, `waited ${waited} ms`);
});

const MiB = 1024 * 1024;

Deno.test("HttpProvider: a gzip bomb is cut off at maxResponseBytes: a ProviderError, not retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "gzip_bomb", bytes: 64 * MiB });
    const counted = countingFetch();
    const m = model(server, { maxResponseBytes: MiB, fetch: counted.fetch });
    const error = await failure(() => first(m.sample("p")), ProviderError);
    assert.equal(error.status, 200);
    assert.equal(error.code, "response_too_large");
    assert.equal(error.retryable, false);
    assert.match(
      error.message,
      /larger than maxResponseBytes \(1048576 bytes, after decompression\)/,
    );
    assert.match(error.message, /raise maxResponseBytes/);
    assert.equal(server.requests.length, 1);
    assert.equal(m.stats.retries, 0);
    // Reading stopped at the cap (plus one chunk): memory stays bounded.
    assert.ok(counted.read() < 2 * MiB, `read ${counted.read()} bytes of a 64 MiB body`);
  });
});

Deno.test("HttpProvider: an error body is capped too: a 500 gzip bomb is not retried", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "gzip_bomb", bytes: 64 * MiB, status: 500 });
    const counted = countingFetch();
    const m = model(server, { maxResponseBytes: MiB, fetch: counted.fetch });
    const error = await failure(() => first(m.sample("p")), ProviderError);
    assert.equal(error.status, 500);
    assert.equal(error.code, "response_too_large");
    assert.equal(error.retryable, false);
    assert.equal(server.requests.length, 1);
    assert.ok(counted.read() < 2 * MiB, `read ${counted.read()} bytes of a 64 MiB body`);
  });
});

Deno.test("HttpProvider: the cap defaults to 32 MiB; a raised cap reads a long answer whole", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "gzip_bomb", bytes: 40 * MiB }, { kind: "gzip_bomb", bytes: 40 * MiB });
    const error = await failure(() => first(model(server).sample("p")), ProviderError);
    assert.match(error.message, /maxResponseBytes \(33554432 bytes/);
    const raised = model(server, { maxResponseBytes: 64 * MiB });
    assert.equal((await first(raised.sample("p"))).length, 40 * MiB);
  });
});

Deno.test("HttpProvider: a body whose Content-Length is past the cap is refused unread", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "large", bytes: 4 * MiB }, { kind: "large", bytes: 4 * MiB });
    const error = await failure(
      () => first(model(server, { maxResponseBytes: MiB }).sample("p")),
      ProviderError,
    );
    assert.equal(error.code, "response_too_large");
    assert.equal(server.requests.length, 1);
    const raised = model(server, { maxResponseBytes: 8 * MiB });
    assert.equal((await first(raised.sample("p"))).length, 4 * MiB);
  });
});

Deno.test("HttpProvider: maxResponseBytes must be a positive integer or Infinity", () => {
  const base = { baseUrl: "http://127.0.0.1:9/v1" };
  for (const bad of [0, -1, 1.5, NaN]) {
    assert.throws(
      () => new OpenAICompatible("m", 1, { ...base, maxResponseBytes: bad }),
      RangeError,
    );
  }
  new OpenAICompatible("m", 1, { ...base, maxResponseBytes: Infinity });
});

Deno.test("ProviderError: for any error status it says what to do", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "server_error", status: 503 }, { kind: "bad_request" });
    const m = model(server, { maxRetries: 0 });
    const unavailable = await failure(() => first(m.sample("a")), ProviderError);
    assert.match(
      unavailable.message,
      /; the server could not answer; try again later, or raise maxRetries$/,
    );
    const bad = await failure(() => first(m.sample("b")), ProviderError);
    assert.match(bad.message, /; change the request as the provider's message says$/);
  });
  const empty = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: fake({ choices: [{ finish_reason: "content_filter", message: { content: null } }] }),
  });
  const error = await failure(() => first(empty.sample("p")), ProviderError);
  assert.equal(error.code, "no_content");
  assert.match(
    error.message,
    /content_filter.*; a content filter can leave no text/,
  );
});

Deno.test("ProviderError.retryable: true for a failure given up on, false for a bad request", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "server_error", status: 503 }, { kind: "bad_request" });
    const m = model(server, { maxRetries: 0 });
    const unavailable = await failure(() => first(m.sample("a")), ProviderError);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.retryable, true);
    const bad = await failure(() => first(m.sample("b")), ProviderError);
    assert.equal(bad.status, 400);
    assert.equal(bad.retryable, false);
  });
});
