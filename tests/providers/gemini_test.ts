// The Gemini API's generateContent: every recorded exchange replayed, the
// request in the API's own form, candidateCount as the batch, blocked and
// truncated candidates, RetryInfo.

import assert from "node:assert/strict";
import { type Chat, collect, first, messageOf, type Prompt, type Reply } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { Gemini, type HttpProviderOptions, ProviderError } from "../../providers/mod.ts";
import { failure, type OpenAIServer, withServer } from "../_support/openai_server.ts";
import {
  load,
  type Outcome,
  type Probe,
  recorded,
  recordings,
  replayTests,
} from "../_support/recorded_replay.ts";

/** Where the recorded function call's thoughtSignature is in its response. */
const CALL_SIGNATURE = ["candidates", 0, "content", "parts", 0, "thoughtSignature"];

const KEY = "AIza-replay-0123456789";

class GeminiProbe extends Gemini implements Probe {
  ask(prompt: Prompt, n = 1): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

function probe(server: OpenAIServer, options: HttpProviderOptions = {}): GeminiProbe {
  return new GeminiProbe("gemini-2.5-flash", 1, {
    baseUrl: `${server.origin}/v1beta`,
    apiKey: KEY,
    ...options,
  });
}

const said = (text: string, finishReason = "STOP", model = "gemini-2.5-flash") => ({
  text,
  toolCalls: [],
  finishReason,
  model,
});

const OUTCOMES: Record<string, Outcome | "stream"> = {
  "gemini-basic-text.json": {
    // Thoughts are billed as output: 8 candidate tokens + 23 thought tokens.
    replies: [said("2 + 2 = **4**")],
    tokens: [10, 31],
    details: { reasoningTokens: 23 },
  },
  "gemini-error-400-api-key-invalid.json": {
    throws: {
      status: 400,
      code: "API_KEY_INVALID",
      retryable: false,
      message: /API key not valid/,
    },
    requests: 1,
  },
  "gemini-error-403.json": {
    throws: {
      status: 403,
      code: "PERMISSION_DENIED",
      retryable: false,
      message: /unregistered callers.*; check the API key \(GEMINI_API_KEY\)$/,
    },
    requests: 1,
  },
  "gemini-error-429.json": {
    // RetryInfo's 48s, not the message's 48.9s.
    throws: {
      status: 429,
      code: "RESOURCE_EXHAUSTED",
      retryable: true,
      retryAfter: 48_000,
      message: /You exceeded your current quota/,
    },
    requests: 2,
  },
  "gemini-error-500.json": {
    throws: { status: 500, code: "INTERNAL", retryable: true, message: /internal error/ },
    requests: 2,
  },
  "gemini-error-503.json": {
    throws: {
      status: 503,
      code: "UNAVAILABLE",
      retryable: true,
      message: /The model is overloaded/,
    },
    requests: 2,
  },
  "gemini-function-call.json": {
    // No id from the API: the reply names its call by position; its thoughtSignature is kept.
    replies: [{
      text: "",
      toolCalls: [{
        id: "call_0",
        name: "weather",
        arguments: '{"latitude":"52.5200","longitude":"13.4050"}',
        signature: recorded("gemini-function-call.json", CALL_SIGNATURE),
      }],
      finishReason: "STOP",
      model: "gemini-2.5-flash",
    }],
    tokens: [103, 136],
    details: { reasoningTokens: 106 },
  },
  "gemini-function-response.json": {
    replies: [said("The weather in Berlin is 15°C, with wind at 10 km/h.")],
    tokens: [190, 21],
  },
  "gemini-max-tokens-no-parts.json": {
    // No parts: a sample with the text "" and its finish reason; the thoughts were billed.
    replies: [said("", "MAX_TOKENS")],
    tokens: [9, 20],
    details: { reasoningTokens: 20 },
  },
  "gemini-max-tokens.json": {
    replies: [said("The capital of France is", "MAX_TOKENS")],
    tokens: [15, 5],
  },
  "gemini-multiturn-system.json": {
    replies: [said(`That's a fantastic question, but "good" is wonderfully subjective!…`)],
    tokens: [700, 1234],
    details: { reasoningTokens: 651 },
  },
  "gemini-safety-blocked.json": {
    // content {} with finishReason SAFETY: a sample with the text "", never an error.
    replies: [said("", "SAFETY", "gemini-1.5-flash")],
    tokens: [14, 0],
  },
  "gemini-stream.json": "stream",
  "gemini-thinking.json": {
    replies: [{
      ...said(
        "To see your future in such a mirror, you must trap it in a…",
        "STOP",
        "gemini-3-flash-preview",
      ),
      reasoning: "**The Mirror's Paradox: Unveiling the Future Self**\n\n…",
      // The signature of the thoughts, on the answer's text part.
      reasoningSignature: recorded("gemini-thinking.json", [
        "candidates",
        0,
        "content",
        "parts",
        1,
        "thoughtSignature",
      ]),
    }],
    tokens: [44, 1667],
    details: { reasoningTokens: 1116 },
  },
};

replayTests(
  "Gemini",
  "gemini-",
  OUTCOMES,
  (server) => (retries) => probe(server, retries),
  async (server, file) => {
    // The provider never asks for a stream; a server that streams anyway is a clear error.
    server.recorded = load(file);
    server.requests.length = 0;
    const error = await failure(() => probe(server, { maxRetries: 1 }).ask("p"), ProviderError);
    assert.deepEqual([error.status, error.retryable], [200, false]);
    assert.match(error.message, /text\/event-stream/);
    assert.equal(server.requests.length, 1);
    assert.match(server.requests[0]!.path, /:generateContent$/);
  },
);

Deno.test("Gemini: a request: the model's path, x-goog-api-key, systemInstruction, contents, generationConfig", async () => {
  await withServer({}, async (server) => {
    server.recorded = load("gemini-basic-text.json");
    const model = probe(server, { system: "Be brief.", maxTokens: 64, seed: 3 });
    await model.ask("What's 2 + 2?");
    const [request] = server.requests;
    assert.equal(request!.path, "/v1beta/models/gemini-2.5-flash:generateContent");
    assert.equal(request!.headers.get("x-goog-api-key"), KEY);
    assert.equal(request!.authorization, null);
    assert.deepEqual(request!.body, {
      systemInstruction: { parts: [{ text: "Be brief." }] },
      contents: [{ role: "user", parts: [{ text: "What's 2 + 2?" }] }],
      generationConfig: { maxOutputTokens: 64, seed: 3, temperature: 1 },
    });
  });
});

Deno.test("Gemini: candidateCount is the batch: one request, replies in index order", async () => {
  const bodies: Record<string, unknown>[] = [];
  const candidates = [
    { index: 2, content: { parts: [{ text: "c" }] }, finishReason: "STOP" },
    // Candidate 0 comes without its index (a default left out of the JSON).
    { content: { parts: [{ text: "a" }] }, finishReason: "STOP" },
    { index: 1, content: { parts: [{ text: "b" }] }, finishReason: "STOP" },
  ];
  const model = new Gemini("gemini-2.5-flash", 0.5, {
    apiKey: KEY,
    fetch: (_url, init) => {
      bodies.push(JSON.parse(String(init?.body)));
      return Promise.resolve(Response.json({ candidates }));
    },
  });
  assert.deepEqual(await collect(model.sample("p", 3), 3), ["a", "b", "c"]);
  assert.equal(bodies.length, 1);
  assert.deepEqual(bodies[0]!.generationConfig, { temperature: 0.5, candidateCount: 3 });
});

Deno.test("Gemini: maxBatch defaults to 8 and may not pass 8; a batch of 20 is requests of at most 8", async () => {
  const counts: number[] = [];
  const model = new Gemini("gemini-2.5-flash", 1, {
    apiKey: KEY,
    fetch: (_url, init) => {
      const n = (JSON.parse(String(init?.body)).generationConfig.candidateCount ?? 1) as number;
      counts.push(n);
      const candidates = Array.from({ length: n }, (_, index) => ({
        index,
        content: { parts: [{ text: `s${index}` }] },
      }));
      return Promise.resolve(Response.json({ candidates }));
    },
  });
  assert.equal(model.maxBatch, 8);
  assert.equal((await collect(model.sample("p", 20), 20)).length, 20);
  assert.deepEqual(counts, [7, 7, 7]); // ceil(20 / 3) each: the 21st waits in the buffer
  assert.throws(() => new Gemini("g", 1, { maxBatch: 9 }), /maxBatch must be at most 8/);
});

Deno.test("Gemini: a model that refuses several candidates gets single requests from then on", async () => {
  const counts: (number | undefined)[] = [];
  const model = new Gemini("gemini-2.0-flash-thinking-exp", 1, {
    apiKey: KEY,
    fetch: (_url, init) => {
      const n = JSON.parse(String(init?.body)).generationConfig.candidateCount;
      counts.push(n);
      if (n !== undefined) {
        return Promise.resolve(Response.json({
          error: {
            code: 400,
            message: "Multiple candidates is not enabled for models/gemini-2.0-flash-thinking-exp",
            status: "INVALID_ARGUMENT",
          },
        }, { status: 400 }));
      }
      return Promise.resolve(
        Response.json({ candidates: [{ content: { parts: [{ text: "x" }] } }] }),
      );
    },
  });
  assert.deepEqual(await collect(model.sample("p", 3), 3), ["x", "x", "x"]);
  assert.deepEqual(counts, [3, undefined, undefined, undefined]);
  await collect(model.sample("q", 2), 2);
  assert.deepEqual(counts.slice(4), [undefined, undefined]);
});

Deno.test('Gemini: a SAFETY candidate with no parts is a sample "": served, stored, never retried', async () => {
  await withServer({}, async (server) => {
    server.recorded = load("gemini-safety-blocked.json");
    const model = probe(server);
    assert.equal(await first(model.sample("Tell me a joke about a Brazilians.")), "");
    assert.equal(server.requests.length, 1);
    assert.equal(model.stats.retries, 0);
  });
});

Deno.test("Gemini: a prompt blocked as a whole is a prompt_blocked error, not retried, its tokens counted", async () => {
  let sent = 0;
  const model = new Gemini("gemini-2.5-flash", 1, {
    apiKey: KEY,
    fetch: () => {
      sent++;
      return Promise.resolve(Response.json({
        promptFeedback: { blockReason: "SAFETY" },
        usageMetadata: { promptTokenCount: 12, totalTokenCount: 12 },
      }));
    },
  });
  const error = await failure(() => first(model.sample("p")), ProviderError);
  assert.equal(error.code, "prompt_blocked");
  assert.match(error.message, /blockReason: SAFETY.*safetySettings/);
  assert.equal(error.retryable, false);
  assert.equal(sent, 1);
  assert.deepEqual(model.totalTokenCount(), [12, 0]);
});

Deno.test("Gemini: a chat: model turns with functionCall, results named from the chat, inline images, tools", async () => {
  await withServer({}, async (server) => {
    server.recorded = load("gemini-basic-text.json");
    const calls = [
      { id: "a", name: "weather", arguments: '{"city":"Berlin"}' },
      { id: "b", name: "time", arguments: "{}" },
    ];
    const chat: Chat = {
      system: "Use the tools.",
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Here:" }, {
            type: "image",
            mediaType: "image/jpeg",
            data: new Uint8Array([1, 2, 3]),
          }],
        },
        { role: "assistant", content: "", toolCalls: calls },
        { role: "tool", toolCallId: "a", content: '{"temp":15}' },
        { role: "tool", toolCallId: "b", content: "noon" },
      ],
      tools: [{ name: "weather", parameters: { type: "object", additionalProperties: false } }],
    };
    await probe(server, { params: { tools: [{ googleSearch: {} }] } }).ask(chat);
    const body = server.requests[0]!.body;
    assert.deepEqual(body.contents, [
      {
        role: "user",
        parts: [{ text: "Here:" }, { inlineData: { mimeType: "image/jpeg", data: "AQID" } }],
      },
      {
        role: "model",
        parts: [
          { functionCall: { name: "weather", args: { city: "Berlin" } } },
          { functionCall: { name: "time", args: {} } },
        ],
      },
      {
        role: "user",
        parts: [
          { functionResponse: { name: "weather", response: { temp: 15 } } },
          { functionResponse: { name: "time", response: { output: "noon" } } },
        ],
      },
    ]);
    assert.deepEqual(body.tools, [{ googleSearch: {} }, {
      functionDeclarations: [{
        name: "weather",
        parametersJsonSchema: { type: "object", additionalProperties: false },
      }],
    }]);
  });
});

Deno.test(
  {
    name: "Gemini: a chat goes out as the recorded function exchange did",
    ignore: !recordings("gemini-"),
  },
  async () => {
    await withServer({}, async (server) => {
      const file = "gemini-function-response.json";
      server.recorded = load(file);
      const call = {
        id: "call_0",
        name: "weather",
        arguments: '{"latitude":"52.5200","longitude":"13.4050"}',
      };
      await probe(server).ask({
        messages: [
          { role: "user", content: "What's the weather in Berlin? (52.5200, 13.4050)" },
          { role: "assistant", content: "", toolCalls: [call] },
          { role: "tool", toolCallId: "call_0", content: "15°C" },
        ],
      });
      type Turn = { role: string; parts: Record<string, { name?: string; args?: unknown }>[] };
      const shape = (contents: unknown) =>
        (contents as Turn[]).map(({ role, parts }) => ({
          role,
          parts: parts.map((p) =>
            p.text ?? (p.functionCall && { call: p.functionCall }) ??
              { result: p.functionResponse!.name }
          ),
        }));
      const recorded = (load(file).request.body as { contents: unknown }).contents;
      assert.deepEqual(shape(server.requests[0]!.body.contents), shape(recorded));
    });
  },
);

Deno.test("Gemini: generation options: temperature 0–2, responseFormat as a MIME type and schema", () => {
  assert.throws(() => new Gemini("g", 2.1), /temperature must be between 0 and 2/);
  const json = new Gemini("g", 1, {
    responseFormat: { type: "json_schema", json_schema: { name: "x", schema: { type: "object" } } },
    params: { safetySettings: [], generationConfig: { topK: 3 } },
  });
  assert.deepEqual(json.keyOptions, {
    safetySettings: [],
    generationConfig: {
      responseMimeType: "application/json",
      responseJsonSchema: { type: "object" },
      topK: 3,
    },
  });
  assert.throws(
    () => new Gemini("g", 1, { params: { generationConfig: { candidateCount: 2 } } }),
    /may not set candidateCount/,
  );
  assert.throws(() => new Gemini("g", 1, { params: { contents: [] } }), /may not set "contents"/);
  assert.throws(() => new Gemini("g", 1, { responseFormat: { type: "grammar" } }), /no Gemini/);
});

Deno.test(
  {
    name: "Gemini: a tool loop sends the call's thoughtSignature back on its functionCall part",
    ignore: !recordings("gemini-"),
  },
  async () => {
    await withServer({}, async (server) => {
      const tools = [{
        name: "weather",
        description: "Gets current weather for a location",
        parameters: { type: "object", properties: { latitude: { type: "string" } } },
      }];
      const chat: Chat = {
        tools,
        messages: [{ role: "user", content: "What's the weather in Berlin? (52.5200, 13.4050)" }],
      };
      server.recorded = load("gemini-function-call.json");
      const [reply] = (await probe(server).ask(chat)).samples as Reply[];
      const signature = recorded("gemini-function-call.json", CALL_SIGNATURE);
      assert.equal(reply!.toolCalls[0]!.signature, signature);
      // The next turn, as an agent builds it: the reply, then the tool's result.
      const next: Chat = {
        tools,
        messages: [
          ...chat.messages,
          messageOf(reply!),
          { role: "tool", toolCallId: reply!.toolCalls[0]!.id, content: "15°C" },
        ],
      };
      server.recorded = load("gemini-function-response.json");
      await probe(server).ask(next);
      type Turn = { role: string; parts: Record<string, unknown>[] };
      const sent = server.requests.at(-1)!.body.contents as Turn[];
      const recordedTurns = (load("gemini-function-response.json").request.body as {
        contents: Turn[];
      }).contents;
      // The model turn goes back exactly as the recorded client sent it.
      assert.deepEqual(sent[1], recordedTurns[1]);
      assert.equal(sent[1]!.parts[0]!.thoughtSignature, signature);
    });
  },
);

Deno.test("Gemini: a signature on the answer's text part goes back on the turn's last text part", async () => {
  await withServer({}, async (server) => {
    server.recorded = load("gemini-basic-text.json");
    await probe(server).ask({
      messages: [
        { role: "user", content: "Hi" },
        { role: "assistant", content: "Hello", reasoning: "r", reasoningSignature: "sig" },
        { role: "user", content: "Bye" },
      ],
    });
    const contents = server.requests[0]!.body.contents as { parts: unknown[] }[];
    assert.deepEqual(contents[1], {
      role: "model",
      parts: [{ text: "Hello", thoughtSignature: "sig" }],
    });
  });
});
