// A prompt's cache identity: strings keep the Python original's key, a chat
// has one canonical text whatever its property order, and a chat that is one
// user message is the same prompt as its text.

import assert from "node:assert/strict";
import fc from "fast-check";
import { type Chat, promptHash, promptText } from "../../mod.ts";
import { CHAT_HEADER, chatOfText } from "../../core/prompt.ts";

const AGENT: Chat = {
  system: "You are a calculator.",
  tools: [{
    name: "add",
    description: "Adds two numbers",
    parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
  }],
  messages: [
    { role: "user", content: "2+2?" },
    {
      role: "assistant",
      content: "",
      toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }],
    },
    { role: "tool", toolCallId: "c1", content: "4" },
  ],
};

Deno.test("promptHash: a string prompt keeps the Python original's key (SHA-256 of its UTF-8)", () => {
  assert.equal(
    promptHash(""),
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  );
  assert.equal(
    promptHash("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
});

Deno.test("promptText: a chat of one user message and nothing else is its text", () => {
  for (
    const chat of [
      { messages: [{ role: "user" as const, content: "Hi" }] },
      { messages: [{ role: "user" as const, content: "Hi" }], tools: [] },
      { messages: [{ role: "user" as const, content: "Hi", toolCalls: [] }], system: undefined },
      { messages: [{ role: "user" as const, content: [{ type: "text" as const, text: "Hi" }] }] },
    ]
  ) {
    assert.equal(promptText(chat), "Hi");
    assert.equal(promptHash(chat), promptHash("Hi"));
  }
});

Deno.test("promptText: anything more than one user message is a chat, with its own key", () => {
  const keys = new Set([
    promptHash("Hi"),
    promptHash({ system: "S", messages: [{ role: "user", content: "Hi" }] }),
    promptHash({ system: "", messages: [{ role: "user", content: "Hi" }] }),
    promptHash({ messages: [{ role: "assistant", content: "Hi" }] }),
    promptHash({ messages: [{ role: "user", content: "Hi" }, { role: "user", content: "Hi" }] }),
    promptHash({
      messages: [{ role: "user", content: "Hi" }],
      tools: [{ name: "t", parameters: {} }],
    }),
    promptHash({
      messages: [{
        role: "user",
        content: [{ type: "text", text: "H" }, { type: "text", text: "i" }],
      }],
    }),
  ]);
  assert.equal(keys.size, 7);
  assert.ok(promptText(AGENT).startsWith(CHAT_HEADER));
});

Deno.test("promptText: property order does not matter, at any depth", () => {
  const shuffled = <T>(value: T, order: number[]): T => {
    if (Array.isArray(value)) return value.map((v) => shuffled(v, order)) as T;
    if (typeof value !== "object" || value === null) return value;
    const entries = Object.entries(value);
    const rotated = entries.map((_, k) =>
      entries[(k + (order[k % order.length] ?? 0)) % entries.length]!
    );
    const seen = new Set<string>();
    const out: Record<string, unknown> = {};
    for (const [k, v] of [...rotated, ...entries]) {
      if (seen.has(k)) continue;
      seen.add(k);
      out[k] = shuffled(v, order);
    }
    return out as T;
  };
  fc.assert(
    fc.property(fc.array(fc.nat(7), { minLength: 1, maxLength: 5 }), (order) => {
      assert.equal(promptText(shuffled(AGENT, order)), promptText(AGENT));
    }),
  );
});

Deno.test("promptText: strings are kept exactly, arguments as received", () => {
  const a = promptText({ ...AGENT, system: "You are a calculator. " });
  assert.notEqual(a, promptText(AGENT));
  const spaced = structuredClone(AGENT);
  spaced.messages[1]!.toolCalls![0]!.arguments = '{"a": 2, "b": 2}';
  assert.notEqual(promptText(spaced), promptText(AGENT));
  assert.ok(promptText(spaced).includes(JSON.stringify('{"a": 2, "b": 2}')));
  // NFC and NFD forms are different prompts, as the Python original's keys are.
  assert.notEqual(
    promptHash({ system: "caf\u00e9", messages: [{ role: "user", content: "x" }] }),
    promptHash({ system: "cafe\u0301", messages: [{ role: "user", content: "x" }] }),
  );
});

Deno.test("promptText: a chat's canonical text reads back as the chat (for views)", () => {
  const back = chatOfText(promptText(AGENT));
  assert.ok(back !== undefined);
  assert.equal(back.system, AGENT.system);
  assert.deepEqual(back.messages[1]!.toolCalls, AGENT.messages[1]!.toolCalls);
  assert.equal(chatOfText("a plain prompt"), undefined);
  assert.equal(chatOfText(`${CHAT_HEADER}not json`), undefined);
});

Deno.test("promptText: an image is part of the key by its bytes, whatever form they come in", () => {
  const bytes = new Uint8Array([137, 80, 78, 71, 1, 2, 3]);
  const base64 = btoa(String.fromCharCode(...bytes));
  const chat = (data: Uint8Array | string): Chat => ({
    messages: [{
      role: "user",
      content: [{ type: "image", mediaType: "image/png", data }, {
        type: "text",
        text: "What is this?",
      }],
    }],
  });
  assert.equal(promptText(chat(bytes)), promptText(chat(base64)));
  assert.notEqual(promptText(chat(bytes)), promptText(chat(new Uint8Array([1]))));
  assert.ok(!promptText(chat(bytes)).includes(base64), "the bytes are not in the key");
  assert.throws(() => promptText(chat("not base64!")), /base64/);
  assert.throws(
    () =>
      promptText({
        messages: [{
          role: "assistant",
          content: [{ type: "image", mediaType: "image/png", data: bytes }],
        }],
      }),
    /user messages only/,
  );
});

Deno.test("promptText: a chat that could not be sent is a TypeError saying what is wrong", () => {
  const cases: [unknown, RegExp][] = [
    [{ messages: [] }, /at least one message/],
    [{ message: [{ role: "user", content: "x" }] }, /unknown field "message"/],
    [{ sytem: "S", messages: [{ role: "user", content: "x" }] }, /unknown field "sytem"/],
    [{ messages: [{ role: "system", content: "x" }] }, /chat\.system/],
    [{ messages: [{ role: "tool", content: "4" }] }, /toolCallId/],
    [{ messages: [{ role: "user", content: "x", toolCallId: "c" }] }, /only a tool message/],
    [{
      messages: [{
        role: "user",
        content: "x",
        toolCalls: [{ id: "c", name: "f", arguments: "{}" }],
      }],
    }, /only an assistant/],
    [{ messages: [{ role: "user", content: 7 }] }, /content must be a string or a list/],
    [
      { messages: [{ role: "user", content: "x" }], tools: [{ name: "t" }] },
      /parameters must be a JSON Schema/,
    ],
    [{ messages: [{ role: "user", content: "\ud800" }] }, /lone UTF-16 surrogate/],
    [Promise.resolve("x"), /did you forget await/],
    [42, /string or a chat/],
  ];
  for (const [prompt, message] of cases) {
    assert.throws(
      () => promptText(prompt as Chat),
      (e: Error) => e instanceof TypeError && message.test(e.message),
      String(message),
    );
  }
});

Deno.test("promptText: signatures and an assistant turn's reasoning are part of a chat's key", () => {
  const signed = structuredClone(AGENT);
  signed.messages[1]!.toolCalls![0]!.signature = "CsIEARFNMg8g";
  const thinking = structuredClone(AGENT);
  Object.assign(thinking.messages[1]!, { reasoning: "2 + 2", reasoningSignature: "EvoRCpMB" });
  const keys = [AGENT, signed, thinking].map(promptText);
  assert.equal(new Set(keys).size, 3);
  // In any property order, and read back for views.
  const reordered = {
    messages: thinking.messages.map((m) => Object.fromEntries(Object.entries(m).reverse())),
    tools: thinking.tools,
    system: thinking.system,
  } as Chat;
  assert.equal(promptText(reordered), keys[2]);
  assert.equal(chatOfText(keys[1]!)?.messages[1]?.toolCalls?.[0]?.signature, "CsIEARFNMg8g");
  assert.equal(chatOfText(keys[2]!)?.messages[1]?.reasoningSignature, "EvoRCpMB");
  // A user message has no reasoning: a chat saying so could not be sent.
  assert.throws(
    () => promptText({ messages: [{ role: "user", content: "Hi", reasoning: "r" }] }),
    /only an assistant message has reasoning/,
  );
  // A lone user message is still its text.
  assert.equal(
    promptText({ messages: [{ role: "user", content: "Hi", reasoning: undefined }] }),
    "Hi",
  );
});
