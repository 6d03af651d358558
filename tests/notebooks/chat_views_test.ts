// Chats and whole replies in every view and tool: notebook views show a
// chat as turns and a reply's tool calls and reasoning (folded), with every
// rule of the displays (escaped, numbers right-aligned, marks beside colours,
// the text rendering readable from the HTML); the command line, manifests,
// replication misses and fixtures name a chat by a readable preview, never
// by its canonical JSON.

import assert from "node:assert/strict";
import {
  type Attempt,
  BufferedModel,
  type Chat,
  collect,
  json,
  messageOf,
  Persistent,
  type Prompt,
  promptHash,
  promptText,
  queryRetry,
  ReplicationCacheMiss,
  type Reply,
} from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { manifest } from "../../cache/manifest.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { main } from "../../cli/mod.ts";
import {
  cacheOverview,
  samplesTable,
  showAttempts,
  showChat,
  showSamples,
} from "../../notebooks/mod.ts";
import { sanitizedWords } from "../../.ci/sanitized_words.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const HOSTILE = `<script>alert("x")</script> & 'quotes'`;

const CHAT: Chat = {
  system: "You are a calculator. Use the tools.",
  tools: [{
    name: "calculator",
    description: "Evaluates an arithmetic expression",
    parameters: { type: "object", properties: { expression: { type: "string" } } },
  }],
  messages: [{ role: "user", content: "What is 17% of 2,340?" }],
};

const CALL: Reply = {
  text: "",
  toolCalls: [{ id: "call_1", name: "calculator", arguments: '{"expression":"0.17 * 2340"}' }],
  reasoning: "17% is 0.17; multiply.\n".repeat(8),
  finishReason: "tool_calls",
  model: "gpt-4o-2024-08-06",
};

/** A provider whose every reply is `reply`, its call ids numbered by draw. */
class Replier extends BufferedModel {
  requests = 0;
  #drawn = 0;
  #reply: Reply;
  constructor(reply: Reply) {
    super("replier", 1, { maxBatch: 4 });
    this.#reply = reply;
  }
  protected query(_prompt: Prompt, n: number): Promise<QueryResult> {
    this.requests++;
    const samples = Array.from({ length: n }, () => {
      const k = this.#drawn++;
      return {
        ...this.#reply,
        toolCalls: this.#reply.toolCalls.map((c) => ({ ...c, id: `${c.id}_${k}` })),
      };
    });
    return Promise.resolve({ samples });
  }
}

/** The text of HTML as a sanitizer-stripped render keeps it: tags out, entities read. */
function textOf(html: string): string {
  return html.replace(/<[^>]+>/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

/** The rules every view keeps: escaped, its text readable in its HTML. */
function assertReadable(bundle: { "text/html": string; "text/plain": string }): void {
  const html = bundle["text/html"];
  assert.ok(!html.includes("<script>"), "user text is escaped");
  assert.deepEqual(sanitizedWords(bundle["text/plain"], textOf(html)), []);
}

Deno.test("showChat: an agent's trajectory as turns, tool calls as code, reasoning folded", () => {
  const chat: Chat = { ...CHAT, messages: [...CHAT.messages] };
  chat.messages.push(messageOf(CALL), {
    role: "tool",
    toolCallId: "call_1",
    content: "397.8",
  });
  const answer: Reply = { text: "About 398.", toolCalls: [], finishReason: "stop" };
  const view = showChat(chat, { replies: [CALL, answer], title: "Episode 1" });
  const { "text/html": html, "text/plain": text } = view.bundle();
  assert.equal(view.turns, 4);
  assert.match(text, /^Episode 1 · 4 turns · 1 tool call\ntools: calculator\(expression\)\n/);
  assert.match(text, /^ +system +You are a calculator\. Use the tools\.$/m);
  assert.match(text, /^1 {2}user +What is 17% of 2,340\?$/m);
  assert.match(text, /^2 {2}assistant +reasoning: 17% is 0\.17; multiply\.…$/m);
  assert.match(text, /^ +→ calculator\(\{"expression":"0\.17 \* 2340"\}\) call_1$/m);
  assert.match(text, /^ +finish: tool_calls · model: gpt-4o-2024-08-06$/m);
  assert.match(text, /^3 {2}tool call_1 +397\.8$/m);
  assert.match(text, /^4 {2}assistant +About 398\.\n +finish: stop$/m);
  // Reasoning folded behind its first line; the turn's number right-aligned.
  assert.match(html, /<details><summary[^>]*><span[^>]*>reasoning:<\/span> <code[^>]*>17% is/);
  assert.match(html, /\(184\u00a0chars\)<\/span><\/summary><pre/);
  assert.match(html, /<td align="right" style="[^"]*text-align:right[^"]*">2<\/td>/);
  assert.match(html, /→ calculator\(\{&quot;expression&quot;:&quot;0\.17 \* 2340&quot;\}\)/);
  assertReadable(view.bundle());
});

Deno.test("showChat: escapes every text of a chat: system, turns, tool names, arguments, ids, reasoning", () => {
  const view = showChat({
    system: HOSTILE,
    tools: [{ name: HOSTILE, parameters: { properties: { [HOSTILE]: {} } } }],
    messages: [
      { role: "user", content: HOSTILE },
      {
        role: "assistant",
        content: HOSTILE,
        toolCalls: [{ id: HOSTILE, name: HOSTILE, arguments: HOSTILE }],
      },
      { role: "tool", toolCallId: HOSTILE, content: HOSTILE },
    ],
  }, { replies: [{ ...CALL, text: HOSTILE, reasoning: HOSTILE, finishReason: HOSTILE }] });
  const html = view.bundle()["text/html"];
  assert.ok(!/<script|<\/script/.test(html), html);
  assert.ok(
    html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;"),
  );
  assertReadable(view.bundle());
});

Deno.test("showChat: takes a string, a canonical text (prompt.txt) and refuses what is no chat", () => {
  assert.match(
    String(showChat("Hi")),
    /^Chat · 1 turn\n# {2}role {2}turn\n- {2}---- {2}----\n1 {2}user {2}Hi$/,
  );
  assert.equal(String(showChat(promptText(CHAT))), String(showChat(CHAT)));
  assert.throws(() => showChat({ messages: [] }), /a chat needs at least one message/);
  assert.throws(
    () => showChat(CHAT, { replies: ["text" as never] }),
    /replies must be a list of replies/,
  );
});

Deno.test("showSamples: like samplesTable, shows a chat as its turns, replies with their tool calls", async () => {
  const model = new Persistent(new Replier(CALL), await Deno.makeTempDir({ dir: "tests/.tmp" }), {
    announce: false,
  });
  try {
    const view = await showSamples(model, CHAT, 2, { batch: 2 });
    const text = String(view);
    assert.match(text, /^tools: calculator\(expression\)\n# {2}role +turn$/m);
    assert.match(text, /^1 {2}user +What is 17% of 2,340\?$/m);
    assert.match(text, /^0 {2}\* fresh {2}→ calculator\(\{"expression":"0\.17 \* 2340"\}\)$/m);
    assert.equal(view.rows[1]!.reply?.toolCalls[0]?.id, "call_1_1");
    assert.match(view.bundle()["text/html"], /<span[^>]*>reasoning:<\/span>/);
    assertReadable(view.bundle());

    const table = await samplesTable(model, [CHAT, "Plain?"], 2);
    const plain = String(table);
    assert.match(
      plain,
      /^\(chat: system, 1 tool, 1 turn\) user: Wh… {2}→ calculator\(\{"expressio… {4}→ calc/m,
    );
    assert.match(plain, /^2 prompts × 2 samples · 2 from cache · 2 fresh \(\* fresh\)$/m);
    const html = table.bundle()["text/html"];
    // The chat's turns are folded behind its preview, whole in the tooltip.
    assert.match(html, /<details><summary[^>]*><code[^>]*>\(chat: system, 1 tool/);
    assert.match(html, /title="system: You are a calculator\. Use the tools\.\ntools: calculator/);
    assertReadable(table.bundle());
    await assert.rejects(
      () => samplesTable(model, CHAT as never, 1),
      /prompts must be a list of prompts, got a chat; pass an array of prompts/,
    );
  } finally {
    await model.store.close();
    await Deno.remove(model.store.location, { recursive: true });
  }
});

Deno.test("showAttempts: shows the tool calls of an attempt's reply", async () => {
  let k = 0;
  const model = new Replier(CALL);
  const attempts: Attempt[] = [];
  await queryRetry(model, CHAT, json(undefined, { from: "toolCall", name: "calculator" }), {
    retries: 2,
    validate: () => k++ > 0,
    onAttempt: (a) => attempts.push(a),
  });
  const view = showAttempts(attempts);
  assert.match(String(view), /^ +1 +✗ validate +validate returned false +→ calculator\(/m);
  assert.match(view.bundle()["text/html"], /→ calculator\(\{&quot;expression/);
  assertReadable(view.bundle());
});

/** A cache folder holding one chat, whose replies only call tools, and one string prompt. */
async function withChatCache(fn: (dir: string) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const model = new Persistent(new Replier(CALL), dir, { announce: false });
    await collect(model.sample(CHAT, 2), 2);
    await collect(model.sample("Plain?"), 1);
    await model.store.close();
    await fn(dir);
  });
}

Deno.test("cacheOverview: names a chat by its preview and a tool call by its call", async () => {
  await withChatCache(async (dir) => {
    const view = await cacheOverview(dir);
    const text = String(view);
    assert.doesNotMatch(text, /llm-cache chat v1|"messages"/);
    assert.match(
      text,
      /^replier_1 +\(chat: system, 1 tool, 1 turn\) user: What is 17% of 2,340\? +2 +[\d.]+ KiB +→ calculator\(\{"expression":"0\.17 \* 2340"…$/m,
    );
    assert.equal(view.sequences.find((s) => s.samples === 2)?.firstCalls?.[0]?.id, "call_1_0");
    const html = view.bundle()["text/html"];
    assert.match(html, /title="system: You are a calculator\./);
    assertReadable(view.bundle());
  });
});

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const io = { out: (t: string) => out += t, err: (t: string) => err += t, progress: false };
  const code = await main(args, io);
  return { code, out, err };
}

Deno.test("cache show: prints a chat as its turns and each reply's tool calls, reasoning and finish reason", async () => {
  await withChatCache(async (dir) => {
    const show = await run(["show", dir, "replier_1", promptHash(CHAT).slice(0, 8)]);
    assert.equal(show.code, 0, show.err);
    assert.equal(
      show.out.split("\n[0]\n")[0],
      `model    replier_1\nhash     ${promptHash(CHAT)}\n` +
        "prompt   (chat: system, 1 tool, 1 turn)\n" +
        "  system: You are a calculator. Use the tools.\n" +
        "  tools: calculator(expression): Evaluates an arithmetic expression\n" +
        "  user: What is 17% of 2,340?\n" +
        "samples  2\n",
    );
    assert.match(
      show.out,
      /\n\[1\]\n\n {2}→ calculator\(\{"expression":"0\.17 \* 2340"\}\) call_1_1\n {2}reasoning: 17% is 0\.17; multiply\.\n {4}17% is/,
    );
    assert.match(show.out, /\n {2}finish: tool_calls · model: gpt-4o-2024-08-06\n$/);

    const json = JSON.parse(
      (await run(["show", dir, "replier_1", promptHash(CHAT), "--json"])).out,
    );
    assert.equal(json.prompt, promptText(CHAT));
    assert.deepEqual(json.samples, ["", ""]);
    assert.equal(json.replies[0].toolCalls[0].id, "call_1_0");
    assert.equal(json.replies[0].finishReason, "tool_calls");
    // A prompt whose replies hold nothing more prints as it always did.
    const plain = JSON.parse(
      (await run(["show", dir, "replier_1", promptHash("Plain?"), "--json"])).out,
    );
    assert.deepEqual(Object.keys(plain), ["model", "hash", "prompt", "samples", "replies"]);

    const ls = await run(["ls", dir]);
    assert.match(
      ls.out,
      / {2}[0-9a-f]{64} {2}2 {2}\(chat: system, 1 tool, 1 turn\) user: What is 17% of 2,340\?\n/,
    );
  });
});

Deno.test("cache show: escapes terminal controls in a chat and in a reply's metadata", async () => {
  await withTempDir(async (dir) => {
    const evil = "red\x1b[31m\u202e";
    const chat: Chat = {
      messages: [{ role: "user", content: "a" }, { role: "user", content: evil }],
    };
    const store = new FsStore(dir);
    await store.append({ model: "m_1", hash: promptHash(chat) }, {
      from: 0,
      samples: [evil],
      prompt: promptText(chat),
      meta: [{ toolCalls: [{ id: evil, name: evil, arguments: evil }], reasoning: evil }],
    });
    await store.close();
    const show = await run(["show", dir, "m_1", promptHash(chat)]);
    assert.equal(show.code, 0, show.err);
    assert.ok(!show.out.includes("\x1b") && !show.out.includes("\u202e"), show.out);
    assert.match(show.out, /user: red\\x1b\[31m\\u202e\n/);
    assert.match(show.out, /→ red\\x1b\[31m\\u202e\(red\\x1b\[31m\\u202e\) red\\x1b/);
  });
});

Deno.test("manifest: names a chat prompt by its preview", async () => {
  await withTempDir(async (dir) => {
    const model = new Persistent(new Replier(CALL), dir, { announce: false });
    const chat: Chat = { ...CHAT, messages: [...CHAT.messages, messageOf(CALL)] };
    chat.messages.push({ role: "tool", toolCallId: "call_1", content: "397.8" });
    await collect(model.sample(chat), 1);
    const [entry] = manifest(model).sequences;
    assert.equal(entry!.hash, promptHash(chat));
    assert.equal(
      entry!.prompt,
      "(chat: system, 1 tool, 3 turns) user: What is 17% of 2,340? › … › tool: 397.8",
    );
    assert.ok([...entry!.prompt].length <= 100);
    await model.store.close();
  });
});

Deno.test("ReplicationCacheMiss: shows a chat by its turns, and where it differs from the closest recorded chat", async () => {
  await withTempDir(async (dir) => {
    const step = (result: string): Chat => ({
      ...CHAT,
      messages: [...CHAT.messages, messageOf(CALL), {
        role: "tool",
        toolCallId: "call_1",
        content: result,
      }],
    });
    const recorder = new Persistent(new Replier(CALL), dir, { announce: false });
    await collect(recorder.sample(step("397.8")), 1);
    await recorder.store.close();
    const replay = new Persistent(new Replier(CALL), dir, { replication: true });
    const error = await collect(replay.sample(step("397.9")), 1).catch((e) => e);
    await replay.store.close();
    assert.ok(error instanceof ReplicationCacheMiss, String(error));
    assert.doesNotMatch(error.message, /llm-cache chat v1|\\"messages\\"/);
    assert.match(
      error.message,
      /\(prompt \(chat: system, 1 tool, 3 turns\) user: What is 17% of 2,340\? › assistant: → calculator\(.*\) › tool: 397\.9\) has 0 stored/,
    );
    assert.match(
      error.message,
      /differs from it in 1 character, in turn 3 \(tool\), at character 5: recorded "397\.8", asked "397\.9"\./,
    );
  });
});
