// The API key: read late, reported clearly when missing, never shown.

import assert from "node:assert/strict";
import { first, MissingApiKeyError } from "../../mod.ts";
import { CloseAI, OpenAICompatible, ProviderError } from "../../providers/mod.ts";
import { failure, withServer } from "../_support/openai_server.ts";

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

Deno.test("HttpProvider: the key variable is read at the first request, not at construction", async () => {
  await withServer({}, async (server) => {
    await withKeyVariable(undefined, async () => {
      const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url });
      Deno.env.set("CLOSEAI_API_KEY", KEY);
      assert.equal(await first(model.sample("p")), "p#0");
      assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
    });
  });
});

Deno.test("MissingApiKeyError: a missing key is one at the first request, naming the variable", async () => {
  await withServer({}, async (server) => {
    for (const unset of [undefined, "  "]) {
      await withKeyVariable(unset, async () => {
        const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url });
        const error = await failure(() => first(model.sample("p")), MissingApiKeyError);
        assert.equal(error.name, "MissingApiKeyError");
        assert.equal(error.variable, "CLOSEAI_API_KEY");
        assert.match(error.message, /CLOSEAI_API_KEY is not set/);
        assert.match(error.message, /apiKey/);
      });
    }
    assert.equal(server.requests.length, 0);
  });
});

Deno.test("HttpProvider: an apiKey option wins over the variable", async () => {
  await withServer({}, async (server) => {
    await withKeyVariable("sk-from-env", async () => {
      await first(new CloseAI("gpt-4o", 1, { baseUrl: server.url, apiKey: KEY }).sample("p"));
      assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
    });
  });
});

Deno.test({
  name: "HttpProvider: without env permission for the key variable, the error names --allow-env",
  permissions: { env: false },
}, async () => {
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    apiKeyVariable: "LLM_CACHE_UNLISTED_TEST_KEY",
  });
  const error = await failure(() => first(model.sample("p")), Deno.errors.NotCapable);
  assert.match(error.message, /--allow-env=LLM_CACHE_UNLISTED_TEST_KEY/);
});

Deno.test({
  name: "HttpProvider: without net permission for the host, the error names --allow-net=host",
  permissions: { net: false },
}, async () => {
  const model = new OpenAICompatible("m", 1, { baseUrl: "http://192.0.2.7:8080/v1", apiKey: KEY });
  const error = await failure(() => first(model.sample("p")), Deno.errors.NotCapable);
  assert.match(error.message, /--allow-net=192\.0\.2\.7:8080/);
  assert.equal(model.stats.retries, 0);
});

Deno.test("HttpProvider: the key appears in no error, display or stats, even when the server echoes it", async () => {
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

/** Every text of `error` Deno could print, and fragments of `key` in any spelling. */
function assertHidden(error: Error, key: string) {
  const fragment = key.slice(3, 11);
  const spellings = [
    key,
    JSON.stringify(key).slice(1, -1),
    fragment,
    Array.from(fragment, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join(""),
  ];
  const shown = [
    error.message,
    error.stack ?? "",
    String(error),
    Deno.inspect(error, { depth: 10, showHidden: true }),
    JSON.stringify(error),
    ...Object.values(error).filter((v) => typeof v === "string"),
  ];
  for (const text of shown) {
    for (const spelling of spellings) {
      assert.ok(!text.includes(spelling), `the key leaked into: ${text.slice(0, 300)}`);
    }
  }
}

const ODD_KEY = 'sk-Zq81vWx3/"quoted\\back-secret';

Deno.test("HttpProvider: the key echoed in param, code, a header or JSON-escaped in the body is redacted everywhere", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "echo_key_everywhere" });
    const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url, apiKey: ODD_KEY });
    const error = await failure(() => first(model.sample("p")), ProviderError);
    assert.equal(error.status, 401);
    assert.equal(error.param, "<redacted>");
    assert.equal(error.code, "<redacted>");
    assert.equal(error.requestId, "<redacted>");
    assert.match(error.body, /"php":"<redacted>","unicode":"<redacted>"/);
    assertHidden(error, ODD_KEY);
    // Redacting keeps the hint.
    assert.match(error.message, /check the API key \(CLOSEAI_API_KEY\)/);
  });
});

/** The error `fn` throws; fails when it returns. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("nothing was thrown");
}

Deno.test("HttpProvider: a key holding CR, LF or NUL is refused before any request, without quoting it", async () => {
  await withServer({}, async (server) => {
    const keys = ["sk-Zq81vWx3\r\nX-Injected: 1", "sk-Zq81vWx3\ninner", "sk-Zq81vWx3\0tail"];
    for (const bad of keys) {
      const error = thrown(() => new CloseAI("gpt-4o", 1, { baseUrl: server.url, apiKey: bad }));
      assert.ok(error instanceof TypeError, String(error));
      assert.match(error.message, /^apiKey holds a (carriage return|line feed|NUL)/);
      assertHidden(error, bad);
    }
    // The environment cannot hold NUL; a line break inside the value is the usual slip.
    for (const bad of keys.slice(0, 2)) {
      await withKeyVariable(bad, async () => {
        const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url });
        const error = await failure(() => first(model.sample("p")), TypeError);
        assert.match(error.message, /^CLOSEAI_API_KEY holds a (carriage return|line feed)/);
        assertHidden(error, bad);
      });
    }
    assert.equal(server.requests.length, 0);
  });
});

Deno.test("HttpProvider: a key read from a file keeps working: surrounding whitespace is trimmed", async () => {
  await withServer({}, async (server) => {
    const model = new CloseAI("gpt-4o", 1, { baseUrl: server.url, apiKey: `  ${KEY}\n` });
    await first(model.sample("p"));
    assert.equal(server.requests[0]!.authorization, `Bearer ${KEY}`);
  });
});

Deno.test("HttpProvider: a failure that quotes the key keeps a redacted cause and its hint", async () => {
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    apiKey: KEY,
    maxRetries: 0,
    fetch: (_input, init) => {
      const header = new Headers(init?.headers).get("authorization");
      throw new TypeError(`Invalid header value: ${JSON.stringify(header)}`, {
        cause: new Error(`while sending ${header}`),
      });
    },
  });
  const error = await failure(() => first(model.sample("p")), ProviderError);
  assert.equal(error.code, "network_error");
  assert.match(error.message, /check that 127\.0\.0\.1:9 is reachable/);
  assert.ok(error.cause instanceof Error);
  assert.equal(error.cause.name, "TypeError");
  assert.equal(error.cause.message, 'Invalid header value: "Bearer <redacted>"');
  assert.equal((error.cause.cause as Error).message, "while sending Bearer <redacted>");
  assertHidden(error, KEY);
});
