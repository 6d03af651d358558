// The AI SDK bridge, tested with the AI SDK's own mock models and
// generateText / streamText: fromAiSdk makes any language model a Model;
// cacheMiddleware gives generateText this library's cache semantics.

import assert from "node:assert/strict";
import { APICallError, type LanguageModelV4GenerateResult } from "@ai-sdk/provider";
import {
  generateText,
  jsonSchema,
  stepCountIs,
  streamText,
  tool,
  type ToolSet,
  wrapLanguageModel,
} from "ai";
import { MockLanguageModelV3, MockLanguageModelV4 } from "ai/test";
import {
  BudgetExceededError,
  type Chat,
  collect,
  first,
  Persistent,
  type Prompt,
  promptHash,
  promptText,
  ProviderError,
  ReplicationCacheMiss,
} from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { modelKey } from "../../cache/stores.ts";
import { AiSdkModel, cacheMiddleware, fromAiSdk } from "../../ai_sdk/mod.ts";
import { CALL_HEADER, callIdentity } from "../../ai_sdk/_prompt.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** A generate result with `text`, `usage` tokens in and out. */
function result(text: string, input = 4, output = 2): LanguageModelV4GenerateResult {
  return {
    content: [{ type: "text", text }],
    finishReason: { unified: "stop", raw: "stop" },
    usage: {
      inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
      outputTokens: { total: output, text: output, reasoning: undefined },
    },
    warnings: [],
  };
}

/** A mock model whose k-th call answers `draw k`. */
function counting(modelId = "mock-1") {
  let draws = 0;
  const model = new MockLanguageModelV4({
    modelId,
    doGenerate: () => Promise.resolve(result(`draw ${draws++}`)),
  });
  return { model, draws: () => draws };
}

/** A mock model that must not be called. */
function offline(modelId = "mock-1") {
  return new MockLanguageModelV4({
    modelId,
    doGenerate: () => Promise.reject(new Error("the model was called")),
  });
}

class Probe extends AiSdkModel {
  ask(prompt: Prompt, n = 1): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

Deno.test("fromAiSdk: samples, the options as call options, usage, and the key", async () => {
  const { model } = counting();
  const m = fromAiSdk(model, 0.4, {
    system: "Be brief.",
    maxTokens: 32,
    stop: "END",
    seed: 5,
    topP: 0.9,
    responseFormat: { type: "json" },
    params: { topK: 3, providerOptions: { mock: { x: 1 } } },
    headers: { "x-trace": "t1" },
  });
  assert.equal(await first(m.sample("hi")), "draw 0");
  const call = model.doGenerateCalls[0]!;
  assert.deepEqual(call.prompt, [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "hi" }] },
  ]);
  const { prompt: _p, ...settings } = call;
  assert.deepEqual(settings, {
    topK: 3,
    providerOptions: { mock: { x: 1 } },
    maxOutputTokens: 32,
    stopSequences: ["END"],
    seed: 5,
    topP: 0.9,
    responseFormat: { type: "json" },
    temperature: 0.4,
    headers: { "x-trace": "t1" },
  });
  assert.deepEqual(m.totalTokenCount(), [4, 2]);
  assert.match(modelKey(m), /^mock-1_0\.4\+[0-9a-f]{16}$/);
  assert.equal(modelKey(fromAiSdk(model, 0.4)), "mock-1_0.4");
  assert.equal(m.maxBatch, 8);
});

Deno.test("fromAiSdk: a batch is that many calls at once, within maxConcurrency", async () => {
  let inFlight = 0;
  let most = 0;
  let calls = 0;
  const model = new MockLanguageModelV4({
    doGenerate: async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 2));
      inFlight--;
      return result(`s${calls++}`);
    },
  });
  const m = fromAiSdk(model, 1, { maxBatch: 6, maxConcurrency: 2 });
  assert.equal((await collect(m.sample("p", 6), 6)).length, 6);
  assert.equal(calls, 6);
  assert.ok(most <= 2, `${most} at once`);
  assert.equal(m.stats.requests, 6);
});

Deno.test("fromAiSdk: a chat goes out as the AI SDK's prompt; a reply keeps tool calls and reasoning", async () => {
  const model = new MockLanguageModelV4({
    modelId: "m",
    doGenerate: {
      content: [
        { type: "reasoning", text: "Add them." },
        { type: "text", text: "Calling." },
        { type: "tool-call", toolCallId: "c2", toolName: "add", input: '{"a":3,"b":3}' },
        {
          type: "tool-call",
          toolCallId: "srv",
          toolName: "search",
          input: "{}",
          providerExecuted: true,
        },
      ],
      finishReason: { unified: "tool-calls", raw: "tool_use" },
      usage: {
        inputTokens: { total: 20, noCache: 12, cacheRead: 8, cacheWrite: undefined },
        outputTokens: { total: 9, text: 4, reasoning: 5 },
      },
      response: { modelId: "m-2025" },
      warnings: [],
    },
  });
  const probe = new Probe(model, 1);
  const png = new Uint8Array([137, 80, 78, 71]);
  const { samples, usage } = await probe.ask({
    system: "Use tools.",
    messages: [
      {
        role: "user",
        content: [{ type: "text", text: "2+2, 3+3" }, {
          type: "image",
          mediaType: "image/png",
          data: png,
        }],
      },
      {
        role: "assistant",
        content: "",
        toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }],
      },
      { role: "tool", toolCallId: "c1", content: "4" },
    ],
    tools: [{ name: "add", description: "Adds", parameters: { type: "object" } }],
  });
  const call = model.doGenerateCalls[0]!;
  assert.deepEqual(call.prompt, [
    { role: "system", content: "Use tools." },
    {
      role: "user",
      content: [
        { type: "text", text: "2+2, 3+3" },
        { type: "file", mediaType: "image/png", data: { type: "data", data: png } },
      ],
    },
    {
      role: "assistant",
      content: [{ type: "tool-call", toolCallId: "c1", toolName: "add", input: { a: 2, b: 2 } }],
    },
    {
      role: "tool",
      content: [{
        type: "tool-result",
        toolCallId: "c1",
        toolName: "add",
        output: { type: "text", value: "4" },
      }],
    },
  ]);
  assert.deepEqual(call.tools, [{
    type: "function",
    name: "add",
    description: "Adds",
    inputSchema: { type: "object" },
  }]);
  assert.deepEqual(samples, [{
    text: "Calling.",
    toolCalls: [{ id: "c2", name: "add", arguments: '{"a":3,"b":3}' }],
    reasoning: "Add them.",
    finishReason: "tool_use",
    model: "m-2025",
  }]);
  assert.deepEqual(usage, { promptTokens: 20, completionTokens: 9 });
  assert.deepEqual([probe.stats.reasoningTokens, probe.stats.cachedTokens], [5, 8]);
});

Deno.test("fromAiSdk: under Persistent, a rerun replays with zero calls", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const live = new Persistent(fromAiSdk(model, 1), dir);
    const first3 = await collect(live.sample("Pick a number.", 3), 3);
    assert.equal(draws(), 3);
    const replay = new Persistent(fromAiSdk(offline(), 1), dir);
    assert.deepEqual(await collect(replay.sample("Pick a number."), 3), first3);
    assert.equal(replay.stats.misses, 0);
  });
});

Deno.test("fromAiSdk: a retryable APICallError is retried honouring Retry-After; others are thrown at once", async () => {
  let calls = 0;
  const flaky = new MockLanguageModelV4({
    doGenerate: () => {
      calls++;
      if (calls === 1) {
        return Promise.reject(
          new APICallError({
            message: "Rate limited",
            url: "https://api.example/v1",
            requestBodyValues: {},
            statusCode: 429,
            responseHeaders: { "retry-after-ms": "1" },
          }),
        );
      }
      return Promise.resolve(result("ok"));
    },
  });
  const m = fromAiSdk(flaky, 1, { retryDelay: 1 });
  assert.equal(await first(m.sample("p")), "ok");
  assert.equal(m.stats.retries, 1);

  const refusing = new MockLanguageModelV4({
    doGenerate: () =>
      Promise.reject(
        new APICallError({
          message: "Invalid model",
          url: "https://api.example/v1",
          requestBodyValues: {},
          statusCode: 400,
          responseBody: '{"error":"bad"}',
        }),
      ),
  });
  const error = await first(fromAiSdk(refusing, 1).sample("p")).catch((e) => e);
  assert.ok(error instanceof ProviderError, String(error));
  assert.deepEqual([error.status, error.retryable, error.body], [400, false, '{"error":"bad"}']);
  assert.match(
    error.message,
    /fromAiSdk\(mock-provider\) "mock-model-id" answered HTTP 400: Invalid model/,
  );
  assert.equal(refusing.doGenerateCalls.length, 1);
});

Deno.test("fromAiSdk: budgets hold, the money cap included", async () => {
  const { model } = counting();
  const m = fromAiSdk(model, 1, { budget: { requests: 2 } });
  await collect(m.sample("p"), 2);
  await assert.rejects(first(m.sample("q")), BudgetExceededError);
  // 4 + 2 tokens at 1e5 / 1e5 per million: 0.6 a call.
  const priced = fromAiSdk(counting().model, 1, {
    price: { input: 1e5, output: 1e5 },
    budget: { cost: 1 },
  });
  const stream = priced.sample("p");
  await stream.next();
  await stream.next();
  await assert.rejects(
    stream.next(),
    (e: unknown) => e instanceof BudgetExceededError && e.limit === "cost",
  );
  assert.throws(() => fromAiSdk(model, 1, { budget: { cost: 1 } }), /needs a price/);
});

Deno.test("fromAiSdk: refuses what is not a v4 language model, saying how to wrap it", () => {
  assert.throws(
    () => fromAiSdk(new MockLanguageModelV3() as never, 1),
    /specification "v3".*wrapLanguageModel\(\{ model, middleware: \[\] \}\)/,
  );
  assert.throws(() => fromAiSdk("gpt-4o" as never, 1), /needs an AI SDK language model/);
  assert.throws(
    () => fromAiSdk(counting().model, 1, { params: { prompt: [] } as never }),
    /may not set "prompt"/,
  );
});

/** `model` wrapped in the cache middleware with `options`. */
function cached(model: MockLanguageModelV4, options: Parameters<typeof cacheMiddleware>[0]) {
  return wrapLanguageModel({ model, middleware: cacheMiddleware(options) });
}

Deno.test("cacheMiddleware: the n-th identical call gets the n-th sample; a rerun replays them with zero calls", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const live = cached(model, { store: dir });
    const ask = (m: typeof live) =>
      generateText({ model: m, prompt: "Pick a number.", temperature: 1 });
    const texts = [(await ask(live)).text, (await ask(live)).text, (await ask(live)).text];
    assert.deepEqual(texts, ["draw 0", "draw 1", "draw 2"]);
    assert.equal(draws(), 3);

    const again = cached(offline(), { store: dir });
    const replayed = [(await ask(again)).text, (await ask(again)).text, (await ask(again)).text];
    assert.deepEqual(replayed, texts);

    // Past what is stored, the next identical call draws.
    const more = cached(model, { store: dir });
    for (let i = 0; i < 3; i++) await ask(more);
    assert.equal((await ask(more)).text, "draw 3");
  });
});

Deno.test("cacheMiddleware: concurrent identical calls get distinct samples, none drawn twice", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const m = cached(model, { store: dir });
    const texts = await Promise.all(
      Array.from({ length: 5 }, () => generateText({ model: m, prompt: "p", temperature: 1 })),
    );
    assert.deepEqual(texts.map((t) => t.text).toSorted(), [0, 1, 2, 3, 4].map((k) => `draw ${k}`));
    assert.equal(draws(), 5);
  });
});

Deno.test("cacheMiddleware: in repeat mode, every identical call gets the same sample", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const m = cached(model, { store: dir, mode: "repeat" });
    const texts = await Promise.all(
      Array.from({ length: 3 }, () => generateText({ model: m, prompt: "p", temperature: 0.5 })),
    );
    assert.deepEqual(texts.map((t) => t.text), ["draw 0", "draw 0", "draw 0"]);
    assert.equal(draws(), 1);
  });
});

Deno.test("cacheMiddleware: in replication mode, it replays with zero calls; a new call is a ReplicationCacheMiss", async () => {
  await withTempDir(async (dir) => {
    await generateText({ model: cached(counting().model, { store: dir }), prompt: "p" });
    const replay = cached(offline(), { store: dir, replication: true });
    assert.equal((await generateText({ model: replay, prompt: "p" })).text, "draw 0");
    await assert.rejects(
      generateText({ model: replay, prompt: "other", maxRetries: 0 }),
      (e: unknown) => {
        const cause = (e as { lastError?: unknown; cause?: unknown }).lastError ?? e;
        return cause instanceof ReplicationCacheMiss;
      },
    );
  });
});

Deno.test("cacheMiddleware: every output-changing setting is in the identity; headers and signal are not", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const m = cached(model, { store: dir, mode: "repeat" });
    const base = { model: m, prompt: "p", temperature: 1 } as const;
    // The AI SDK's tool types and exactOptionalPropertyTypes disagree: a cast.
    const tools = {
      add: tool({ description: "Adds", inputSchema: jsonSchema({ type: "object" }) }),
    } as unknown as ToolSet;
    const variants = [
      base,
      { ...base, temperature: 0 },
      { ...base, maxOutputTokens: 10 },
      { ...base, stopSequences: ["x"] },
      { ...base, seed: 1 },
      { ...base, topK: 5 },
      { ...base, system: "S" },
      { ...base, providerOptions: { mock: { a: 1 } } },
      { ...base, tools },
      { ...base, tools, toolChoice: "none" as const },
      { model: m, prompt: "p" }, // no temperature: the provider's default, apart from 1
    ];
    const texts = [];
    for (const v of variants) texts.push((await generateText(v)).text);
    assert.equal(new Set(texts).size, variants.length, texts.join());
    assert.equal(draws(), variants.length);
    // Same call, other headers and signal: the same sample, nothing drawn.
    const same = await generateText({
      ...base,
      headers: { "x-trace": "2" },
      abortSignal: new AbortController().signal,
    });
    assert.equal(same.text, texts[0]);
    assert.equal(draws(), variants.length);
  });
});

Deno.test("cacheMiddleware: a lone user message is the same prompt as its text, shared with fromAiSdk", async () => {
  await withTempDir(async (dir) => {
    const { model } = counting();
    const { text } = await generateText({
      model: cached(model, { store: dir }),
      prompt: "Pick a number.",
      temperature: 1,
    });
    await Deno.stat(`${dir}/mock-1_1/${promptHash("Pick a number.")}/0.md`);
    const library = new Persistent(fromAiSdk(offline(), 1), dir, { replication: true });
    assert.equal(await first(library.sample("Pick a number.")), text);
  });
});

Deno.test("cacheMiddleware: tools and a multi-turn chat are part of the identity", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const m = cached(model, { store: dir, mode: "repeat" });
    const messages = [
      { role: "user" as const, content: "Hi" },
      { role: "assistant" as const, content: "Hello" },
      { role: "user" as const, content: "Again" },
    ];
    const a = await generateText({ model: m, messages, temperature: 1 });
    const b = await generateText({ model: m, messages: messages.slice(0, 1), temperature: 1 });
    const c = await generateText({ model: m, messages, temperature: 1 });
    assert.notEqual(a.text, b.text);
    assert.equal(a.text, c.text);
    assert.equal(draws(), 2);
  });
});

Deno.test("cacheMiddleware: streamText is served from the same samples", async () => {
  await withTempDir(async (dir) => {
    const { model, draws } = counting();
    const m = cached(model, { store: dir, mode: "repeat" });
    const generated = await generateText({ model: m, prompt: "p", temperature: 1 });
    const streamed = streamText({ model: m, prompt: "p", temperature: 1 });
    assert.equal(await streamed.text, generated.text);
    assert.equal(draws(), 1);
  });
});

Deno.test("cacheMiddleware: bad options are TypeErrors that say what to pass", () => {
  assert.throws(() => cacheMiddleware(undefined as never), /options must be an object/);
  assert.throws(() => cacheMiddleware({ store: 42 as never }), /store must be a Store or a spec/);
  assert.throws(
    () => cacheMiddleware({ store: "x", mode: "fresh" as never }),
    /"independent" or "repeat"/,
  );
  assert.throws(() => cacheMiddleware({ store: "sqllite:x.db" }), TypeError);
});

Deno.test("callIdentity: a chat where one says it exactly, else the call's own canonical form", () => {
  const user = (text: string) => ({
    role: "user" as const,
    content: [{ type: "text" as const, text }],
  });
  assert.equal(callIdentity({ prompt: [user("Hi")] }).prompt, "Hi");
  assert.equal(
    callIdentity({ prompt: [{ role: "system", content: "S" }, user("Hi")] }).prompt,
    promptText({ system: "S", messages: [{ role: "user", content: "Hi" }] }),
  );
  // A JSON tool result has no chat form: the call's own, bytes by their hash.
  const bytes = (b: number) => ({
    role: "user" as const,
    content: [{
      type: "file" as const,
      mediaType: "application/pdf",
      data: { type: "data" as const, data: new Uint8Array([b]) },
    }],
  });
  const a = callIdentity({ prompt: [bytes(1)] }).prompt;
  assert.ok(a.startsWith(CALL_HEADER), a);
  assert.ok(!a.includes('"0":1'), "bytes are hashed, not spelled out");
  assert.equal(callIdentity({ prompt: [bytes(1)] }).prompt, a);
  assert.notEqual(callIdentity({ prompt: [bytes(2)] }).prompt, a);
  const json = callIdentity({
    prompt: [user("2+2"), {
      role: "tool",
      content: [{
        type: "tool-result",
        toolCallId: "c",
        toolName: "add",
        output: { type: "json", value: 4 },
      }],
    }],
  });
  assert.ok(json.prompt.startsWith(CALL_HEADER));
  assert.deepEqual(callIdentity({ prompt: [user("Hi")], temperature: 0.3 }).keyOptions, {});
  assert.deepEqual(callIdentity({ prompt: [user("Hi")] }).keyOptions, {
    temperature: "provider default",
  });
});

Deno.test("cacheMiddleware: ./ai-sdk's code imports only types from the AI SDK, and nothing above internal/, core/, cache/, providers/", async () => {
  for await (const entry of Deno.readDir("ai_sdk")) {
    const text = await Deno.readTextFile(`ai_sdk/${entry.name}`);
    const code = text.replace(/\/\*\*[\s\S]*?\*\//g, ""); // examples in docs may run the AI SDK
    for (const [statement] of code.matchAll(/^(?:import|export)[^;]*? from "([^"]+)";/gms)) {
      const from = /from "([^"]+)"/.exec(statement)![1]!;
      if (from === "ai" || from.startsWith("ai/") || from.startsWith("@ai-sdk/")) {
        assert.match(statement, /^import type /, `${entry.name}: ${statement}`);
      } else if (from.startsWith("../")) {
        assert.match(
          from,
          /^\.\.\/(internal|core|cache|providers)\//,
          `${entry.name}: ${statement}`,
        );
      }
    }
  }
});

Deno.test("fromAiSdk: OpenAI's response formats become the AI SDK's", async () => {
  const { model } = counting();
  const schema = { type: "object", properties: { n: { type: "number" } } };
  await first(fromAiSdk(model, 1, { responseFormat: { type: "json_object" } }).sample("a"));
  await first(
    fromAiSdk(model, 1, {
      responseFormat: { type: "json_schema", json_schema: { name: "answer", schema } },
    }).sample("b"),
  );
  assert.deepEqual(model.doGenerateCalls.map((c) => c.responseFormat), [
    { type: "json" },
    { type: "json", schema, name: "answer" },
  ]);
});

/**
 * A mock model that calls `add` (with reasoning, a provider's finish word and
 * model id) until it is given the tool's result, then says the sum.
 */
function calculator() {
  let calls = 0;
  const model = new MockLanguageModelV4({
    modelId: "calc",
    doGenerate: ({ prompt }) => {
      calls++;
      const last = prompt.at(-1)!;
      if (last.role === "tool") {
        const output = (last.content[0] as { output: { value: unknown } }).output.value;
        return Promise.resolve({
          ...result(`The sum is ${JSON.stringify(output)}.`),
          finishReason: { unified: "stop", raw: "end_turn" },
          response: { modelId: "calc-2025-01" },
        });
      }
      return Promise.resolve({
        ...result(""),
        content: [
          { type: "reasoning", text: "2 and 2: add them." },
          {
            type: "tool-call",
            toolCallId: `call_${calls}`,
            toolName: "add",
            input: '{"a":2,"b":2}',
          },
        ],
        finishReason: { unified: "tool-calls", raw: "tool_use" },
        response: { modelId: "calc-2025-01" },
      });
    },
  });
  return { model, calls: () => calls };
}

const ADD = {
  add: tool({
    description: "Adds a and b",
    inputSchema: jsonSchema<{ a: number; b: number }>({
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    }),
    execute: ({ a, b }) => Promise.resolve(a + b),
  }),
} satisfies ToolSet;

Deno.test("cacheMiddleware: a generateText tool loop replays its tool calls, reasoning and model id with zero calls", async () => {
  await withTempDir(async (dir) => {
    const loop = (model: MockLanguageModelV4) =>
      generateText({
        model: cached(model, { store: dir }),
        tools: ADD,
        stopWhen: stepCountIs(4),
        prompt: "What is 2 + 2?",
        temperature: 1,
      });
    const live = calculator();
    const recorded = await loop(live.model);
    assert.equal(live.calls(), 2);
    const replayed = await loop(offline("calc"));
    const shape = (run: typeof recorded) =>
      run.steps.map((step) => ({
        text: step.text,
        reasoning: step.reasoningText,
        calls: step.toolCalls.map((c) => [c.toolCallId, c.toolName, c.input]),
        results: step.toolResults.map((r) => r.output),
        finish: [step.finishReason, step.rawFinishReason],
        model: step.response.modelId,
      }));
    assert.deepEqual(shape(recorded), [
      {
        text: "",
        reasoning: "2 and 2: add them.",
        calls: [["call_1", "add", { a: 2, b: 2 }]],
        results: [4],
        finish: ["tool-calls", "tool_use"],
        model: "calc-2025-01",
      },
      {
        text: "The sum is 4.",
        reasoning: undefined,
        calls: [],
        results: [],
        finish: ["stop", "end_turn"],
        model: "calc-2025-01",
      },
    ]);
    assert.deepEqual(shape(replayed), shape(recorded));
  });
});

Deno.test("cacheMiddleware: a finish reason is served as the AI SDK's own, the provider's word as raw", async () => {
  const cases: [raw: string, calls: boolean, unified: string][] = [
    ["end_turn", false, "stop"],
    ["STOP", false, "stop"],
    ["max_tokens", false, "length"],
    ["MAX_TOKENS", false, "length"],
    ["SAFETY", false, "content-filter"],
    ["tool_use", true, "tool-calls"],
    ["a word it does not know", true, "tool-calls"],
    ["a word it does not know", false, "other"],
  ];
  await withTempDir(async (dir) => {
    for (const [k, [raw, calls, unified]] of cases.entries()) {
      const answer = {
        ...result(calls ? "" : "text"),
        ...(calls
          ? {
            content: [{ type: "tool-call" as const, toolCallId: "c", toolName: "f", input: "{}" }],
          }
          : {}),
        finishReason: { unified: "other" as const, raw },
      };
      const model = new MockLanguageModelV4({
        modelId: "mock-1",
        doGenerate: () => Promise.resolve(answer),
      });
      const prompt = `case ${k}`;
      await generateText({ model: cached(model, { store: dir }), prompt, temperature: 1 });
      // Replayed from the store: the provider's word, and the AI SDK's for it.
      const again = await generateText({
        model: cached(offline(), { store: dir }),
        prompt,
        temperature: 1,
      });
      assert.deepEqual([again.finishReason, again.rawFinishReason], [unified, raw], raw);
    }
  });
});

Deno.test("fromAiSdk: replies stored by Persistent round-trip whole on a rerun with zero calls", async () => {
  await withTempDir(async (dir) => {
    const live = calculator();
    const chat: Chat = {
      tools: [{ name: "add", parameters: { type: "object" } }],
      messages: [{ role: "user", content: "What is 2 + 2?" }],
    };
    const recording = new Persistent(fromAiSdk(live.model, 1), dir);
    const replies = await collect(recording.replies(chat, 2), 2);
    assert.deepEqual(replies[0], {
      text: "",
      toolCalls: [{ id: "call_1", name: "add", arguments: '{"a":2,"b":2}' }],
      reasoning: "2 and 2: add them.",
      finishReason: "tool_use",
      model: "calc-2025-01",
    });
    const replay = new Persistent(fromAiSdk(offline("calc"), 1), dir);
    assert.deepEqual(await collect(replay.replies(chat), 2), replies);
    assert.equal(replay.stats.misses, 0);
    assert.equal(live.calls(), 2);
  });
});
