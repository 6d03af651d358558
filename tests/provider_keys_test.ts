// The API key: read late, reported clearly when missing, never shown.

import assert from "node:assert/strict";
import { first } from "../mod.ts";
import { CloseAI, OpenAICompatible, ProviderError } from "../providers/mod.ts";
import { failure, withServer } from "./openai_server.ts";

const KEY = "sk-proj-Zq81vWx3-very-secret";

/** Runs `fn` with CLOSEAI_API_KEY set to `value` (or unset), then restores it. */
async function withKeyVariable(value: string | undefined, fn: () => Promise<void>) {
  const saved = Deno.env.get("CLOSEAI_API_KEY");
  if (value === undefined) Deno.env.delete("CLOSEAI_API_KEY");
  else Deno.env.set("CLOSEAI_API_KEY", value);
  try {
    await fn();
  } finally {
    if (saved === undefined) Deno.env.delete("CLOSEAI_API_KEY");
    else Deno.env.set("CLOSEAI_API_KEY", saved);
  }
}

Deno.test("the key variable is read at the first request, not at construction", async () => {
  await withServer({}, async (server) => {
    await withKeyVariable(undefined, async () => {
      const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url });
      Deno.env.set("CLOSEAI_API_KEY", KEY);
      assert.equal(await first(model.sample("p")), "p#0");
      assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
    });
  });
});

Deno.test("a missing key is reported at the first request, naming the variable", async () => {
  await withServer({}, async (server) => {
    await withKeyVariable(undefined, async () => {
      const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url });
      const error = await failure(() => first(model.sample("p")), Error);
      assert.match(error.message, /CLOSEAI_API_KEY is not set/);
      assert.match(error.message, /apiKey/);
      assert.equal(server.requests.length, 0);
    });
  });
});

Deno.test("an apiKey option wins over the variable", async () => {
  await withServer({}, async (server) => {
    await withKeyVariable("sk-from-env", async () => {
      await first(new CloseAI("gpt-4o", 1, { baseUrl: server.url, apiKey: KEY }).sample("p"));
      assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
    });
  });
});

Deno.test("no env permission for the key variable: the error names --allow-env", async () => {
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    apiKeyVariable: "LLM_CACHE_UNLISTED_TEST_KEY",
  });
  const error = await failure(() => first(model.sample("p")), Deno.errors.NotCapable);
  assert.match(error.message, /--allow-env=LLM_CACHE_UNLISTED_TEST_KEY/);
});

Deno.test("no net permission for the host: the error names --allow-net=host", async () => {
  const model = new OpenAICompatible("m", 1, { baseUrl: "http://192.0.2.7:8080/v1", apiKey: KEY });
  const error = await failure(() => first(model.sample("p")), Deno.errors.NotCapable);
  assert.match(error.message, /--allow-net=192\.0\.2\.7:8080/);
  assert.equal(model.stats.retries, 0);
});

Deno.test("the key appears in no error, display or stats, even when the server echoes it", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "echo_key" });
    const model = new OpenAICompatible("m", 1, { baseUrl: server.url, apiKey: KEY });
    const error = await failure(() => first(model.sample("p")), ProviderError);
    assert.equal(error.status, 401);
    assert.match(error.providerMessage, /Bearer <redacted>/);
    for (
      const shown of [
        error.message,
        error.body,
        error.stack ?? "",
        String(error),
        Deno.inspect(error, { depth: 10 }),
        JSON.stringify(error),
        Deno.inspect(model, { depth: 10, showHidden: true }),
        JSON.stringify(model),
        JSON.stringify(model.stats),
        JSON.stringify(model.keyOptions ?? {}),
      ]
    ) {
      assert.ok(!shown.includes(KEY), `the key leaked into: ${shown.slice(0, 200)}`);
      assert.ok(!shown.includes("Zq81vWx3"));
    }
  });
});
