// Chats go out in each API's own form, and whole replies come back
// (issue 19, requirement 4): OpenAI-compatible servers and Ollama.

import assert from "node:assert/strict";
import type { Chat, Prompt } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { Ollama, OpenAICompatible } from "../../providers/mod.ts";
import { withServer } from "../_support/openai_server.ts";

/** `query` in reach of a test. */
class Probe extends OpenAICompatible {
  ask(prompt: Prompt, n = 1): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

class OllamaProbe extends Ollama {
  ask(prompt: Prompt, n = 1): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);

/** A chat with everything in it: system, turns, an image, a tool call and its result, tools. */
const AGENT: Chat = {
  system: "You are a calculator.",
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "What is 2+2? See the picture." },
        { type: "image", mediaType: "image/png", data: PNG },
      ],
    },
    {
      role: "assistant",
      content: "",
      toolCalls: [{ id: "call_1", name: "add", arguments: '{"a":2,"b":2}' }],
    },
    { role: "tool", toolCallId: "call_1", content: "4" },
    { role: "assistant", content: "It is 4." },
    { role: "user", content: "And 3+3?" },
  ],
  tools: [{
    name: "add",
    description: "Adds two numbers",
    parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
  }],
};

Deno.test("OpenAICompatible: a chat goes out as system, user, assistant tool_calls, tool, tools", async () => {
  await withServer({}, async (server) => {
    const model = new Probe("m", 0.5, { baseUrl: server.url });
    await model.ask(AGENT);
    const body = server.requests[0]!.body;
    assert.deepEqual(body.messages, [
      { role: "system", content: "You are a calculator." },
      {
        role: "user",
        content: [
          { type: "text", text: "What is 2+2? See the picture." },
          { type: "image_url", image_url: { url: `data:image/png;base64,${PNG.toBase64()}` } },
        ],
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "add", arguments: '{"a":2,"b":2}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: "4" },
      { role: "assistant", content: "It is 4." },
      { role: "user", content: "And 3+3?" },
    ]);
    assert.deepEqual(body.tools, [{
      type: "function",
      function: {
        name: "add",
        description: "Adds two numbers",
        parameters: AGENT.tools![0]!.parameters,
      },
    }]);
  });
});

Deno.test("OpenAICompatible: a string prompt and a lone user turn are the same request; system joins as a message", async () => {
  await withServer({}, async (server) => {
    const model = new Probe("m", 1, { baseUrl: server.url, system: "Be brief." });
    await model.ask("hi");
    await model.ask({ messages: [{ role: "user", content: "hi" }] });
    const [a, b] = server.requests.map((r) => r.body);
    assert.deepEqual(a, b);
    assert.deepEqual(a!.messages, [
      { role: "system", content: "Be brief." },
      { role: "user", content: "hi" },
    ]);
    assert.equal("tools" in a!, false);
  });
});

Deno.test("OpenAICompatible: a model's system option and a chat's own system prompt: a TypeError, nothing sent", async () => {
  await withServer({}, async (server) => {
    const model = new Probe("m", 1, { baseUrl: server.url, system: "A" });
    await assert.rejects(
      model.ask({ system: "B", messages: [{ role: "user", content: "hi" }] }),
      /has a system option and the chat has a system prompt of its own/,
    );
    assert.equal(server.requests.length, 0);
  });
});

Deno.test("OpenAICompatible: replies keep tool calls (arguments as received, ids made up where missing), logprobs", async () => {
  const body = {
    model: "served-model",
    choices: [{
      index: 0,
      message: {
        content: "Let me add.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "add", arguments: '{"a": 2,"b":2}' } },
          // A local server: no id, arguments as an object.
          { type: "function", function: { name: "mul", arguments: { a: 3 } } },
        ],
      },
      logprobs: { content: [{ token: "Let", logprob: -0.1 }] },
      finish_reason: "tool_calls",
    }],
    usage: {
      prompt_tokens: 10,
      completion_tokens: 5,
      completion_tokens_details: { reasoning_tokens: 2 },
      prompt_tokens_details: { cached_tokens: 8 },
    },
  };
  const model = new Probe("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: () => Promise.resolve(Response.json(body)),
  });
  const { samples, usage } = await model.ask("p");
  assert.deepEqual(samples, [{
    text: "Let me add.",
    toolCalls: [
      { id: "c1", name: "add", arguments: '{"a": 2,"b":2}' },
      { id: "call_1", name: "mul", arguments: '{"a":3}' },
    ],
    finishReason: "tool_calls",
    model: "served-model",
    logprobs: { content: [{ token: "Let", logprob: -0.1 }] },
  }]);
  assert.deepEqual(usage, { promptTokens: 10, completionTokens: 5 });
  assert.equal(model.stats.reasoningTokens, 2);
  assert.equal(model.stats.cachedTokens, 8);
});

Deno.test("OpenAICompatible: OpenRouter's reasoning field is the reply's reasoning", async () => {
  const model = new Probe("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: () =>
      Promise.resolve(Response.json({
        choices: [{ message: { content: "4", reasoning: "2+2 is 4" }, finish_reason: "stop" }],
      })),
  });
  const { samples } = await model.ask("p");
  assert.deepEqual(samples, [{
    text: "4",
    toolCalls: [],
    reasoning: "2+2 is 4",
    finishReason: "stop",
  }]);
});

Deno.test("Ollama: a chat goes out with images, object arguments, tool_name and tools", async () => {
  await withServer({}, async (server) => {
    const model = new OllamaProbe("llama3.2", 0.5, { baseUrl: server.origin });
    await model.ask(AGENT);
    const body = server.requests[0]!.body;
    assert.deepEqual(body.messages, [
      { role: "system", content: "You are a calculator." },
      { role: "user", content: "What is 2+2? See the picture.", images: [PNG.toBase64()] },
      {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "add", arguments: { a: 2, b: 2 } } }],
      },
      { role: "tool", content: "4", tool_name: "add" },
      { role: "assistant", content: "It is 4." },
      { role: "user", content: "And 3+3?" },
    ]);
    assert.deepEqual((body.tools as unknown[]).length, 1);
    assert.deepEqual(body.options, { temperature: 0.5 });
  });
});

Deno.test("Ollama: a tool result whose call no assistant turn made is refused before sending", async () => {
  await withServer({}, async (server) => {
    const model = new OllamaProbe("llama3.2", 0.5, { baseUrl: server.origin });
    const orphan: Chat = {
      messages: [{ role: "user", content: "hi" }, {
        role: "tool",
        toolCallId: "nope",
        content: "4",
      }],
    };
    await assert.rejects(
      model.ask(orphan),
      /answers the tool call "nope", which no assistant turn/,
    );
    assert.equal(server.requests.length, 0);
  });
});

Deno.test("Ollama: thinking, tool calls and done_reason make the reply", async () => {
  const lines = [
    { message: { role: "assistant", content: "", thinking: "Add " }, done: false },
    { message: { role: "assistant", content: "", thinking: "them." }, done: false },
    {
      message: {
        role: "assistant",
        content: "",
        tool_calls: [{ function: { name: "add", arguments: { a: 2, b: 2 } } }],
      },
      done: false,
    },
    {
      model: "qwen3",
      message: { role: "assistant", content: "" },
      done: true,
      done_reason: "stop",
      prompt_eval_count: 20,
      eval_count: 7,
    },
  ];
  const model = new OllamaProbe("qwen3", 1, {
    fetch: () => Promise.resolve(new Response(lines.map((l) => JSON.stringify(l) + "\n").join(""))),
  });
  const { samples, usage } = await model.ask("p");
  assert.deepEqual(samples, [{
    text: "",
    toolCalls: [{ id: "call_0", name: "add", arguments: '{"a":2,"b":2}' }],
    reasoning: "Add them.",
    finishReason: "stop",
    model: "qwen3",
  }]);
  assert.deepEqual(usage, { promptTokens: 20, completionTokens: 7 });
});
