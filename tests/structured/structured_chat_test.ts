// Structured output over chats and whole replies: queryRetry with a chat
// prompt, parse of a reply, json() of a tool call's arguments, and repair
// (each failed attempt and what was wrong with it sent back as turns), whose
// attempts stay independent samples that a rerun replays without a request.

import assert from "node:assert/strict";
import { z } from "zod";
import {
  type Attempt,
  BufferedModel,
  type Chat,
  type FailedAttempt,
  Independent,
  json,
  LLMOutputError,
  type Model,
  parse,
  ParseError,
  type Prompt,
  promptHash,
  promptText,
  queryRetry,
  repeat,
  type Reply,
  sequence,
  tag,
} from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { Persistent } from "../../cache/persistent.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/**
 * A provider that answers from a script: the k-th draw of a prompt is
 * `script(prompt, k)`; it keeps every prompt it was asked, in order.
 */
class Scripted extends BufferedModel {
  readonly asked: Prompt[] = [];
  #drawn = new Map<string, number>();
  #script: (prompt: Prompt, k: number) => Reply;
  constructor(script: (prompt: Prompt, k: number) => Reply) {
    super("scripted", 1, { maxBatch: 4 });
    this.#script = script;
  }
  protected query(prompt: Prompt, n: number): Promise<QueryResult> {
    this.asked.push(structuredClone(prompt));
    const key = promptText(prompt);
    const from = this.#drawn.get(key) ?? 0;
    this.#drawn.set(key, from + n);
    const samples = Array.from({ length: n }, (_, i) => this.#script(prompt, from + i));
    return Promise.resolve({ samples, usage: { promptTokens: 1, completionTokens: n } });
  }
}

const text = (t: string): Reply => ({ text: t, toolCalls: [] });
const turns = (prompt: Prompt | undefined) =>
  typeof prompt === "string" || prompt === undefined
    ? prompt
    : prompt.messages.map((m) => `${m.role}: ${m.content}`);

const CHAT: Chat = {
  system: "Answer in <answer> tags.",
  messages: [
    { role: "user", content: "What is 2 + 2?" },
    { role: "assistant", content: "<answer>4</answer>" },
    { role: "user", content: "And 3 + 4?" },
  ],
};

Deno.test("queryRetry: a chat prompt is asked as a chat, keyed by its canonical text, and replayed", async () => {
  await withTempDir(async (dir) => {
    const run = async () => {
      const provider = new Scripted((_p, k) =>
        text(k === 0 ? "seven" : `<answer>${k + 6}</answer>`)
      );
      const model = new Persistent(provider, dir, { announce: false });
      const attempts: Attempt[] = [];
      const value = await queryRetry(model, CHAT, tag("answer"), {
        retries: 3,
        onAttempt: (a) => attempts.push(a),
      });
      await model.store.close();
      return { provider, value, attempts };
    };
    const first = await run();
    assert.equal(first.value, "7");
    assert.deepEqual(first.attempts.map((a) => a.response), ["seven", "<answer>7</answer>"]);
    assert.deepEqual(first.provider.asked, [CHAT, CHAT], "a request per attempt, of the chat");
    assert.deepEqual(first.attempts[0]!.prompt, CHAT);
    assert.equal(
      await Deno.readTextFile(`${dir}/scripted_1/${promptHash(CHAT)}/prompt.txt`),
      promptText(CHAT),
    );
    const second = await run();
    assert.deepEqual(second.provider.asked, [], "the rerun sent no request");
    assert.deepEqual(second.attempts, first.attempts);
  });
});

Deno.test("LLMOutputError: names a chat prompt by its preview, not its canonical JSON", async () => {
  const model = new Scripted(() => text("no tags"));
  const error = await queryRetry(model, CHAT, tag("answer"), { retries: 2 }).catch((e) => e);
  assert.ok(error instanceof LLMOutputError);
  assert.match(error.message, /prompt \(chat: system, 3 turns\) user: What is 2 \+ 2\?/);
  assert.doesNotMatch(error.message, /llm-cache chat v1|"messages"/);
  // A chat of one user message is its text.
  const lone = await queryRetry(model, { messages: [{ role: "user", content: "Hi" }] }, tag("a"))
    .catch((e) => e);
  assert.match(lone.message, /prompt "Hi"/);
});

const CALL = (id: string, args: string, name = "record") => ({ id, name, arguments: args });
const TOOL_REPLY: Reply = {
  text: "Recording it.",
  toolCalls: [CALL("c0", '{"note":1}', "log"), CALL("c1", '{"year": 2017}'), CALL("c2", "{}")],
  finishReason: "tool_calls",
};

Deno.test("parse: a reply is parsed by its text, and a reply spec reads its tool calls", () => {
  assert.equal(parse(tag("answer"), { text: "<answer>4</answer>", toolCalls: [] }), "4");
  assert.deepEqual(parse(json(undefined, { from: "toolCall" }), TOOL_REPLY), { note: 1 });
  // The first call of the tool named.
  assert.deepEqual(parse(json(undefined, { from: "toolCall", name: "record" }), TOOL_REPLY), {
    year: 2017,
  });
  const Year = z.object({ year: z.number() });
  const year = parse(json(Year, { from: "toolCall", name: "record" }), TOOL_REPLY);
  assert.equal(year.year, 2017);
  // A Standard Schema as the spec validates the reply's text.
  assert.equal(parse(z.string().min(3), TOOL_REPLY), "Recording it.");
});

Deno.test("json: from a tool call, what is wrong is a ParseError that says where", () => {
  const spec = json(z.object({ year: z.number() }), { from: "toolCall", name: "record" });
  const broken: Reply = { text: "", toolCalls: [CALL("c9", '{"year": 20')] };
  assert.throws(
    () => parse(spec, broken),
    (e) =>
      e instanceof ParseError && /JSON arguments of record \(c9\)/.test(e.message) &&
      e.excerpt === '{"year": 20',
  );
  const wrong: Reply = { text: "", toolCalls: [CALL("c9", '{"year": "2017"}')] };
  assert.throws(
    () => parse(spec, wrong),
    (e) => e instanceof ParseError && e.issues !== undefined && /year: /.test(e.message),
  );
  assert.throws(
    () => parse(spec, { text: "Sure!", toolCalls: [CALL("c1", "{}", "search")] }),
    (e) =>
      e instanceof ParseError &&
      /expected a call of the tool "record" at offset 0: the reply calls "search" only/.test(
        e.message,
      ) && e.excerpt === "Sure!",
  );
  assert.throws(
    () => parse(json(undefined, { from: "toolCall" }), text("No call.")),
    /expected a tool call at offset 0: the reply calls no tool/,
  );
});

Deno.test("json: from a tool call, refuses what cannot work, saying what to do", () => {
  const spec = json(undefined, { from: "toolCall" });
  assert.throws(() => parse(spec, '{"a": 1}'), /read from a whole reply, got its text/);
  assert.throws(() => sequence([tag("a"), spec as never]), /got a reply spec \(a tool call\)/);
  assert.throws(() => repeat(spec as never), /parse it on its own, parse\(spec, reply\)/);
  assert.throws(() => json(undefined, { name: "add" } as never), /needs from: "toolCall"/);
  assert.throws(() => json(undefined, { from: "tool" as never }), /"text" or "toolCall"/);
  assert.throws(() => json({ from: "toolCall" } as never), /options go second/);
  assert.throws(() => parse(tag("a"), { text: 1 } as never), /text must be a string/);
});

Deno.test("queryRetry: a tool call's arguments, retried until they parse, each attempt whole", async () => {
  const model = new Scripted((_p, k) => ({
    text: "",
    toolCalls: [CALL(`c${k}`, ['{"year": 20', '{"year": "2017"}', '{"year": 2017}'][k] ?? "{}")],
    finishReason: "tool_calls",
  }));
  const attempts: Attempt[] = [];
  const paper = await queryRetry(
    model,
    { tools: [{ name: "record", parameters: {} }], messages: [{ role: "user", content: "Go" }] },
    json(z.object({ year: z.number() }), { from: "toolCall", name: "record" }),
    { retries: 3, onAttempt: (a) => attempts.push(a) },
  );
  assert.equal(paper.year, 2017);
  assert.deepEqual(attempts.map((a) => a.ok || a.stage), ["parse", "parse", true]);
  assert.deepEqual(attempts.map((a) => a.reply?.toolCalls[0]?.id), ["c0", "c1", "c2"]);
  assert.equal((attempts[0] as FailedAttempt).excerpt, '{"year": 20');
  assert.equal(model.asked.length, 3, "one request of one sample per attempt");
});

/**
 * A model that gets the format right only once told what was wrong: a
 * prompt whose last turn is not a correction gets prose; a corrected one
 * gets tags, wrong (`<answer>x</answer>`) the first time it is corrected,
 * and the draw index after the value, so that independent draws differ.
 */
function learner(): Scripted {
  return new Scripted((prompt, k) => {
    const corrections = typeof prompt === "string"
      ? 0
      : prompt.messages.filter((m) => m.role === "user" && /could not be used/.test(`${m.content}`))
        .length;
    if (corrections === 0) return text(`It is seven (${k}).`);
    return text(corrections === 1 ? `<answer>x${k}</answer>` : `<answer>7</answer> #${k}`);
  });
}

const NUMBER = (s: string) => {
  if (!/^\d+$/.test(s)) throw new Error(`${JSON.stringify(s)} is not a number`);
};

Deno.test("queryRetry: with repair, the failed reply and its error go back as turns, and a rerun replays every attempt with zero requests", async () => {
  await withTempDir(async (dir) => {
    const run = async () => {
      const provider = learner();
      const model = new Persistent(provider, dir, { announce: false });
      const attempts: Attempt[] = [];
      const value = await queryRetry(model, "What is 3 + 4?", tag("answer"), {
        retries: 3,
        repair: true,
        validate: NUMBER,
        onAttempt: (a) => attempts.push(a),
      });
      await model.store.close();
      return { provider, value, attempts };
    };
    const first = await run();
    assert.equal(first.value, "7");
    assert.deepEqual(first.attempts.map((a) => a.response), [
      "It is seven (0).",
      "<answer>x0</answer>",
      "<answer>7</answer> #0",
    ]);
    assert.deepEqual(first.provider.asked.map(turns), [
      "What is 3 + 4?",
      [
        "user: What is 3 + 4?",
        "assistant: It is seven (0).",
        "user: Your reply could not be used: expected opening tag <answer> at offset 0 (text " +
        'there: "It is seven (0).").' + " Answer again, in the format asked for.",
      ],
      [
        "user: What is 3 + 4?",
        "assistant: It is seven (0).",
        "user: Your reply could not be used: expected opening tag <answer> at offset 0 (text " +
        'there: "It is seven (0).").' + " Answer again, in the format asked for.",
        "assistant: <answer>x0</answer>",
        'user: Your reply could not be used: "x0" is not a number. Answer again, in the format ' +
        "asked for.",
      ],
    ]);
    // Each attempt says what it was asked: the last one, the whole conversation.
    assert.deepEqual(first.attempts.map((a) => a.prompt), first.provider.asked);

    const second = await run();
    assert.equal(second.provider.asked.length, 0, "the rerun sent no request");
    assert.deepEqual(second.attempts, first.attempts);
    assert.equal(second.value, first.value);
  });
});

Deno.test("queryRetry: with repair, attempts stay independent samples: a second call over Independent draws new ones", async () => {
  const model = new Independent(
    new Persistent(learner(), await Deno.makeTempDir({ dir: "tests/.tmp" }), { announce: false }),
  );
  try {
    const call = async () => {
      const attempts: Attempt[] = [];
      await queryRetry(model, "What is 3 + 4?", tag("answer"), {
        retries: 3,
        repair: true,
        validate: NUMBER,
        onAttempt: (a) => attempts.push(a),
      });
      return attempts.map((a) => a.response);
    };
    assert.deepEqual(await call(), [
      "It is seven (0).",
      "<answer>x0</answer>",
      "<answer>7</answer> #0",
    ]);
    // The second call's first attempt is the prompt's next sample, and each
    // follow-up the next sample of its own conversation.
    assert.deepEqual(await call(), [
      "It is seven (1).",
      "<answer>x0</answer>",
      "<answer>7</answer> #0",
    ]);
  } finally {
    const persistent = (model as unknown as { inner: Persistent }).inner;
    await persistent.store.close();
    await Deno.remove(persistent.store.location, { recursive: true });
  }
});

Deno.test("queryRetry: with repair, a failed tool call gets each call's result, as APIs require; the words may be one's own", async () => {
  const model = new Scripted((prompt, k) => {
    const told = typeof prompt !== "string" && prompt.messages.at(-1)?.role === "tool";
    return {
      text: "",
      toolCalls: told
        ? [CALL(`r${k}`, '{"year": 2017}')]
        : [CALL("a", '{"year": "soon"}'), CALL("b", "{}", "log")],
      finishReason: "tool_calls",
    };
  });
  const chat: Chat = {
    system: "Record papers.",
    tools: [{ name: "record", parameters: {} }, { name: "log", parameters: {} }],
    messages: [{ role: "user", content: "The Transformer paper." }],
  };
  const seen: FailedAttempt[] = [];
  const paper = await queryRetry(
    model,
    chat,
    json(z.object({ year: z.number() }), { from: "toolCall", name: "record" }),
    {
      retries: 2,
      repair: (attempt) => {
        seen.push(attempt);
        return `Error: ${attempt.reason}`;
      },
    },
  );
  assert.equal(paper.year, 2017);
  assert.equal(seen.length, 1);
  const asked = model.asked[1] as Chat;
  assert.equal(asked.system, "Record papers.");
  assert.deepEqual(asked.tools, chat.tools);
  assert.deepEqual(asked.messages.slice(1), [
    {
      role: "assistant",
      content: "",
      toolCalls: [CALL("a", '{"year": "soon"}'), CALL("b", "{}", "log")],
    },
    { role: "tool", toolCallId: "a", content: `Error: ${seen[0]!.reason}` },
    { role: "tool", toolCallId: "b", content: `Error: ${seen[0]!.reason}` },
  ]);
  assert.equal(chat.messages.length, 1, "the caller's chat is left as it was");
});

Deno.test("queryRetry: with repair, bad options are TypeErrors before anything is drawn", async () => {
  const model = learner();
  await assert.rejects(
    queryRetry(model, "p", tag("a"), { repair: true, batch: 3 }),
    /repair asks each follow-up once, so batch must be 1, got 3/,
  );
  await assert.rejects(
    queryRetry(model, "p", tag("a"), { repair: "yes" as never }),
    /repair must be true, false or a function/,
  );
  assert.equal(model.asked.length, 0);
  await assert.rejects(
    queryRetry(model, "p", tag("a"), { retries: 2, repair: (() => 7) as never }),
    /repair must return the text to tell the model, got 7/,
  );
  await assert.rejects(
    queryRetry(model, { messages: [] } as never, tag("a")),
    /a chat needs at least one message/,
  );
});

Deno.test("queryRetry: a model without replies() is read through sample(), each text a reply", async () => {
  const plain: Model = {
    name: "plain",
    temperature: 0,
    alias: "plain",
    maxBatch: 1,
    async *sample() {
      yield "nope";
      while (true) yield "<a>1</a>";
    },
    totalQueryTime: () => 0,
    totalTokenCount: () => [0, 0],
  };
  const attempts: Attempt[] = [];
  assert.equal(
    await queryRetry(plain, "p", tag("a"), { retries: 2, onAttempt: (a) => attempts.push(a) }),
    "1",
  );
  assert.deepEqual(attempts.map((a) => a.reply), [text("nope"), text("<a>1</a>")]);
});
