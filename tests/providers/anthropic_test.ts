// Anthropic's Messages API: every recorded exchange replayed, the request in
// the API's own form (checked against the recorded requests), batches, limits.

import assert from "node:assert/strict";
import { type Chat, collect, first, messageOf, type Prompt, type Reply } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { modelKey } from "../../cache/stores.ts";
import { Anthropic, type HttpProviderOptions, ProviderError } from "../../providers/mod.ts";
import { failure, type OpenAIServer, withServer } from "../_support/openai_server.ts";
import {
  load,
  type Outcome,
  type Probe,
  recorded,
  recordings,
  replayTests,
} from "../_support/recorded_replay.ts";

const KEY = "sk-ant-replay-0123456789";

class AnthropicProbe extends Anthropic implements Probe {
  ask(prompt: Prompt, n = 1): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

function probe(server: OpenAIServer, options: HttpProviderOptions = {}): AnthropicProbe {
  return new AnthropicProbe("claude-haiku-4-5", 1, {
    baseUrl: `${server.origin}/v1`,
    apiKey: KEY,
    ...options,
  });
}

const HAIKU = "claude-haiku-4-5-20251001";
const said = (text: string, finishReason = "end_turn", model = HAIKU) => ({
  text,
  toolCalls: [],
  finishReason,
  model,
});

const OUTCOMES: Record<string, Outcome | "stream"> = {
  "anthropic-basic-text.json": {
    replies: [said("2 + 2 = 4")],
    tokens: [16, 13],
    details: { cachedTokens: 0 },
  },
  "anthropic-error-400.json": {
    throws: {
      status: 400,
      type: "invalid_request_error",
      requestId: "<REQUEST_ID>", // the header's, as recorded
      retryable: false,
      message: /prompt is too long: 3333404 tokens > 200000 maximum/,
    },
    requests: 1,
  },
  "anthropic-error-401.json": {
    throws: {
      status: 401,
      type: "authentication_error",
      retryable: false,
      message: /invalid x-api-key.*; check the API key \(ANTHROPIC_API_KEY\)$/,
    },
    requests: 1,
  },
  "anthropic-error-429-body.json": {
    throws: {
      status: 429,
      type: "rate_limit_error",
      retryable: true,
      retryAfter: undefined,
      message: /per-minute rate limit/,
    },
    requests: 2,
  },
  "anthropic-error-429-headers.json": {
    // No body recorded: the status speaks, and retry-after is honoured.
    throws: { status: 429, retryable: true, retryAfter: 16_000, message: /an empty body/ },
    requests: 2,
  },
  "anthropic-error-500.json": {
    throws: {
      status: 500,
      type: "api_error",
      requestId: "req_011CVT1TGNi4VcKHaM5xKGTs", // from the body: no header recorded
      retryable: true,
      message: /Internal server error/,
    },
    requests: 2,
  },
  "anthropic-error-529.json": {
    throws: {
      status: 529,
      type: "overloaded_error",
      requestId: "req_01RCc7MbLyQNtGKzBTv8VCep",
      retryable: true,
      message: /Overloaded/,
    },
    requests: 2,
  },
  "anthropic-max-tokens.json": {
    replies: [said("<thinking>\nThe get_weather tool…", "max_tokens", "claude-3-opus-20240229")],
    tokens: [611, 100],
    details: { cachedTokens: 0 },
  },
  "anthropic-multiturn-system.json": {
    replies: [said("# Good Books Across Different Genres\n\n…")],
    tokens: [286, 355],
    details: { cachedTokens: 0 },
  },
  "anthropic-stream-text.json": "stream",
  "anthropic-stream-tool-use.json": "stream",
  "anthropic-thinking.json": {
    replies: [{
      ...said('I\'d ask: **"What false answer would you give to this question?"**…'),
      reasoning: "This is a clever puzzle with self-referential logic. Let me think…",
      // The thinking block's signature, to send back in a tool loop.
      reasoningSignature: recorded("anthropic-thinking.json", ["content", 0, "signature"]),
    }],
    tokens: [80, 755],
    details: { reasoningTokens: 456, cachedTokens: 0 },
  },
  "anthropic-tool-result.json": {
    replies: [said("The weather in Berlin is currently:\n…")],
    tokens: [748, 55],
    details: { cachedTokens: 0 },
  },
  "anthropic-tool-use.json": {
    // Only a tool call: the text is "", the arguments the input as JSON text.
    replies: [{
      text: "",
      toolCalls: [{
        id: "toolu_01Ay5KzhmQYMK53svGLaAxfc",
        name: "weather",
        arguments: '{"latitude":"52.5200","longitude":"13.4050"}',
      }],
      finishReason: "tool_use",
      model: HAIKU,
    }],
    tokens: [633, 75],
    details: { cachedTokens: 0 },
  },
};

replayTests(
  "Anthropic",
  "anthropic-",
  OUTCOMES,
  (server) => (retries) => probe(server, retries),
  async (server, file) => {
    // The provider never asks for a stream; a server that streams anyway is a clear error.
    server.recorded = load(file);
    server.requests.length = 0;
    const error = await failure(() => probe(server, { maxRetries: 1 }).ask("p"), ProviderError);
    assert.deepEqual([error.status, error.code, error.retryable], [200, "invalid_response", false]);
    assert.match(error.message, /a body that is not JSON \(text\/event-stream/);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.body.stream, undefined);
  },
);

Deno.test("Anthropic: a request: x-api-key and anthropic-version, max_tokens, system apart, no bearer", async () => {
  await withServer({}, async (server) => {
    server.recorded = load("anthropic-basic-text.json");
    const model = probe(server, { system: "Be brief.", stop: "END", topP: 0.9 });
    await model.ask("What's 2 + 2?");
    const [request] = server.requests;
    assert.equal(request!.path, "/v1/messages");
    assert.equal(request!.headers.get("x-api-key"), KEY);
    assert.equal(request!.headers.get("anthropic-version"), "2023-06-01");
    assert.equal(request!.authorization, null);
    assert.deepEqual(request!.body, {
      max_tokens: 4096,
      stop_sequences: ["END"],
      top_p: 0.9,
      model: "claude-haiku-4-5",
      temperature: 1,
      system: "Be brief.",
      messages: [{ role: "user", content: "What's 2 + 2?" }],
    });
  });
});

Deno.test("Anthropic: max_tokens: 4096 by default, outside the key; the option sets it and joins the key", () => {
  const plain = new Anthropic("claude-haiku-4-5", 0.5);
  assert.equal(plain.keyOptions, undefined);
  assert.equal(modelKey(plain), "claude-haiku-4-5_0.5");
  const long = new Anthropic("claude-haiku-4-5", 0.5, { maxTokens: 64_000 });
  assert.deepEqual(long.keyOptions, { max_tokens: 64_000 });
  assert.notEqual(modelKey(long), modelKey(plain));
});

type Block = { type: string; text?: string; content?: unknown };

/** Messages with a plain string content spelled as one text block, as the recordings have them. */
function normalised(messages: unknown): unknown {
  const blocks = (content: unknown): Block[] =>
    typeof content === "string" ? [{ type: "text", text: content }] : content as Block[];
  return (messages as { role: string; content: unknown }[]).map(({ role, content }) => ({
    role,
    content: blocks(content).map((block) =>
      block.type === "tool_result" ? { ...block, content: blocks(block.content) } : block
    ),
  }));
}

Deno.test(
  {
    name: "Anthropic: a chat goes out as the recorded conversations did",
    ignore: !recordings("anthropic-"),
  },
  async () => {
    await withServer({}, async (server) => {
      const recordedTools = (load("anthropic-tool-use.json").request.body as {
        tools: { input_schema: object }[];
      }).tools;
      const weather = {
        name: "weather",
        description: "Gets current weather for a location",
        parameters: recordedTools[0]!.input_schema,
      };
      const question = "What's the weather in Berlin? (52.5200, 13.4050)";
      const call = {
        id: "toolu_01Ay5KzhmQYMK53svGLaAxfc",
        name: "weather",
        arguments: '{"latitude":"52.5200","longitude":"13.4050"}',
      };
      const result = "Current weather at 52.5200, 13.4050: 15°C, Wind: 10 km/h";
      const chats: Record<string, Chat> = {
        "anthropic-tool-use.json": {
          messages: [{ role: "user", content: question }],
          tools: [weather],
        },
        "anthropic-tool-result.json": {
          messages: [
            { role: "user", content: question },
            { role: "assistant", content: "", toolCalls: [call] },
            { role: "tool", toolCallId: call.id, content: result },
          ],
          tools: [weather],
        },
      };
      for (const [file, chat] of Object.entries(chats)) {
        server.recorded = load(file);
        server.requests.length = 0;
        await probe(server).ask(chat);
        const recorded = load(file).request.body as Record<string, unknown>;
        const sent = server.requests[0]!.body;
        assert.deepEqual(normalised(sent.messages), normalised(recorded.messages), file);
        assert.deepEqual(sent.tools, recorded.tools, file);
      }
    });
  },
);

Deno.test("Anthropic: consecutive tool results and what the user adds go in one user turn; images as base64", async () => {
  await withServer({}, async (server) => {
    server.recorded = load("anthropic-basic-text.json");
    const calls = [
      { id: "a", name: "add", arguments: '{"x":1}' },
      { id: "b", name: "add", arguments: '{"x":2}' },
    ];
    await probe(server).ask({
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Look:" }, {
            type: "image",
            mediaType: "image/png",
            data: "iVBORw0K",
          }],
        },
        { role: "assistant", content: "Adding.", toolCalls: calls },
        { role: "tool", toolCallId: "a", content: "1" },
        { role: "tool", toolCallId: "b", content: "2" },
        { role: "user", content: "Go on." },
      ],
    });
    assert.deepEqual(server.requests[0]!.body.messages, [
      {
        role: "user",
        content: [
          { type: "text", text: "Look:" },
          { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0K" } },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Adding." },
          { type: "tool_use", id: "a", name: "add", input: { x: 1 } },
          { type: "tool_use", id: "b", name: "add", input: { x: 2 } },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "a", content: "1" },
          { type: "tool_result", tool_use_id: "b", content: "2" },
          { type: "text", text: "Go on." },
        ],
      },
    ]);
  });
});

Deno.test("Anthropic: no n: a batch of 5 is 5 requests, at most maxConcurrency at once", async () => {
  await withServer({ latency: 20 }, async (server) => {
    server.recorded = load("anthropic-basic-text.json");
    const model = probe(server, { maxBatch: 5, maxConcurrency: 2 });
    assert.deepEqual(await collect(model.sample("p", 5), 5), Array(5).fill("2 + 2 = 4"));
    assert.equal(server.requests.length, 5);
    assert.ok(server.requests.every((r) => r.body.n === undefined));
    assert.ok(server.maxInFlight <= 2, `${server.maxInFlight} in flight`);
    assert.deepEqual(model.totalTokenCount(), [5 * 16, 5 * 13]);
  });
});

Deno.test("Anthropic: a 529 overloaded_error is retried, then served", async () => {
  await withServer({}, async (server) => {
    let calls = 0;
    const model = probe(server, {
      retryDelay: 1,
      fetch: (input, init) => {
        calls++;
        server.recorded = load(
          calls === 1 ? "anthropic-error-529.json" : "anthropic-basic-text.json",
        );
        return fetch(input, init);
      },
    });
    assert.equal(await first(model.sample("p")), "2 + 2 = 4");
    assert.equal(model.stats.retries, 1);
  });
});

Deno.test("Anthropic: the temperature goes from 0 to 1; seed and responseFormat have no Messages API field", () => {
  assert.throws(() => new Anthropic("c", 1.01), /temperature must be between 0 and 1/);
  assert.equal(new Anthropic("c", 0).temperature, 0);
  assert.throws(() => new Anthropic("c", 1, { seed: 1 }), /Messages API has no seed/);
  assert.throws(
    () => new Anthropic("c", 1, { responseFormat: { type: "json_object" } }),
    /Messages API has no responseFormat/,
  );
  assert.throws(() => new Anthropic("c", 1, { params: { system: "x" } }), /may not set "system"/);
});

Deno.test({
  name: "Anthropic: without a key, the error names ANTHROPIC_API_KEY before anything is sent",
  permissions: { env: ["ANTHROPIC_API_KEY"] },
  async fn() {
    const saved = Deno.env.get("ANTHROPIC_API_KEY");
    Deno.env.delete("ANTHROPIC_API_KEY");
    try {
      let sent = 0;
      const model = new Anthropic("c", 1, { fetch: () => (sent++, Promise.reject()) });
      await assert.rejects(first(model.sample("p")), /ANTHROPIC_API_KEY is not set/);
      assert.equal(sent, 0);
    } finally {
      if (saved !== undefined) Deno.env.set("ANTHROPIC_API_KEY", saved);
    }
  },
});

Deno.test(
  {
    name:
      "Anthropic: a reply with extended thinking goes back with its signed thinking block first",
    ignore: !recordings("anthropic-"),
  },
  async () => {
    await withServer({}, async (server) => {
      server.recorded = load("anthropic-thinking.json");
      const model = probe(server, {
        params: { thinking: { type: "enabled", budget_tokens: 1024 } },
      });
      const [reply] = (await model.ask("If a magic mirror…")).samples as Reply[];
      const thinking = recorded("anthropic-thinking.json", ["content", 0, "thinking"]);
      const signature = recorded("anthropic-thinking.json", ["content", 0, "signature"]);
      assert.deepEqual([reply!.reasoning, reply!.reasoningSignature], [thinking, signature]);
      await model.ask({
        messages: [
          { role: "user", content: "If a magic mirror…" },
          messageOf(reply!),
          { role: "user", content: "And then?" },
        ],
      });
      const messages = server.requests.at(-1)!.body.messages as { content: unknown[] }[];
      assert.deepEqual(messages[1]!.content, [
        { type: "thinking", thinking, signature },
        { type: "text", text: reply!.text },
      ]);
    });
  },
);

Deno.test("Anthropic: several thinking blocks, or a redacted one, keep no signature", async () => {
  const answer = (content: unknown[]) =>
    Promise.resolve(Response.json({ content, stop_reason: "end_turn", model: "claude" }));
  const blocks = [
    [
      { type: "thinking", thinking: "a", signature: "s1" },
      { type: "thinking", thinking: "b", signature: "s2" },
      { type: "text", text: "x" },
    ],
    [
      { type: "redacted_thinking", data: "opaque" },
      { type: "thinking", thinking: "a", signature: "s1" },
      { type: "text", text: "x" },
    ],
  ];
  for (const content of blocks) {
    const model = new Anthropic("claude", 1, { apiKey: KEY, fetch: () => answer(content) });
    const [reply] = await collect(model.replies("p"), 1);
    assert.equal(reply!.reasoningSignature, undefined);
    assert.ok(reply!.reasoning !== undefined);
  }
});
