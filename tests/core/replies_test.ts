// Replies through the engine: `replies()` yields the same sequence as
// `sample()`, whole, with the same hits, misses, batches, usage and
// independence; chats are keyed by their canonical text and sent as they
// were when first asked.

import assert from "node:assert/strict";
import {
  BudgetExceededError,
  BufferedModel,
  type Chat,
  collect,
  first,
  Independent,
  type Model,
  Persistent,
  type Prompt,
  promptHash,
  promptText,
  Repeatable,
  ReplicationCacheMiss,
  repliesOf,
  type Reply,
} from "../../mod.ts";
import { Decorator, type QueryResult } from "../../core/engine.ts";
import { Anthropic } from "../../providers/mod.ts";
import { chatOfText } from "../../core/prompt.ts";
import { AGENT_CHAT, REPLIES, ReplyModel } from "../../testing/_reply_suite.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** A provider that records the prompts it is asked, and answers with replies. */
class Asked extends BufferedModel {
  readonly prompts: Prompt[] = [];
  #next = 0;
  protected query(prompt: Prompt, n: number): Promise<QueryResult> {
    this.prompts.push(structuredClone(prompt));
    const samples = Array.from({ length: n }, () => {
      const k = this.#next++;
      return { text: `r${k}`, toolCalls: [], finishReason: "stop", model: `m${k}` };
    });
    return Promise.resolve({ samples, usage: { promptTokens: 5, completionTokens: 2 * n } });
  }
}

Deno.test("Repeatable.replies: the i-th reply is the i-th sample, counted as sample() counts", async () => {
  const model = new Repeatable(new ReplyModel({ maxBatch: 2 }));
  assert.deepEqual(await collect(model.replies(AGENT_CHAT, 2), 3), REPLIES.slice(0, 3));
  assert.deepEqual(model.stats.misses, 3);
  // Index 3 came with the second batch: its first serving, a text, is a miss.
  assert.deepEqual(await collect(model.sample(AGENT_CHAT), 4), REPLIES.map((r) => r.text));
  assert.deepEqual(await collect(model.replies(AGENT_CHAT), 4), REPLIES);
  assert.deepEqual([model.stats.hits, model.stats.misses, model.stats.drawn], [7, 4, 4]);
  // A reply is a copy: changing it changes nothing served later.
  const [reply] = await collect(model.replies(AGENT_CHAT), 1);
  reply!.toolCalls[0]!.name = "changed";
  assert.equal((await first(model.replies(AGENT_CHAT))).toolCalls[0]!.name, "add");
});

Deno.test("BufferedModel.replies: sample() and replies() read one buffer, each sample once", async () => {
  const model = new ReplyModel({ maxBatch: 4 });
  const texts = model.sample(AGENT_CHAT, 4);
  const replies = model.replies(AGENT_CHAT, 4);
  assert.equal((await texts.next()).value, REPLIES[0]!.text);
  assert.deepEqual((await replies.next()).value, REPLIES[1]);
  assert.deepEqual((await replies.next()).value, REPLIES[2]);
  assert.equal((await texts.next()).value, REPLIES[3]!.text);
  assert.equal(model.drawn, 4, "one request of 4");
});

Deno.test("Independent.replies: texts and replies share one cursor; no two calls share an item", async () => {
  const cache = new Repeatable(new ReplyModel());
  await collect(cache.sample(AGENT_CHAT), 4);
  const model = new Independent(cache);
  const [a, b] = [model.replies(AGENT_CHAT), model.sample(AGENT_CHAT)];
  const got = await Promise.all([a.next(), b.next(), a.next(), b.next()]);
  assert.deepEqual(got.map((r) => r.value), [
    REPLIES[0],
    REPLIES[1]!.text,
    REPLIES[2],
    REPLIES[3]!.text,
  ]);
});

Deno.test("Decorator.replies: a decorator that passes streams on keeps whole replies; one of its own yields texts", async () => {
  class Logged extends Decorator {
    readonly asked: Prompt[] = [];
    sample(prompt: Prompt, batch?: number): AsyncIterableIterator<string> {
      this.asked.push(prompt);
      return this.inner.sample(prompt, batch);
    }
  }
  class Shouting extends Decorator {
    async *sample(prompt: Prompt, batch?: number): AsyncIterableIterator<string> {
      for await (const text of this.inner.sample(prompt, batch)) yield text.toUpperCase();
    }
  }
  const logged = new Logged(new ReplyModel());
  const cache = new Repeatable(logged);
  assert.deepEqual(await collect(cache.replies(AGENT_CHAT), 3), REPLIES.slice(0, 3));
  assert.equal(logged.asked.length, 1, "the cache's first miss called sample() once");
  const shouting = new Repeatable(new Shouting(new ReplyModel()));
  assert.deepEqual(await collect(shouting.replies(AGENT_CHAT), 2), [
    { text: "", toolCalls: [] },
    { text: "4, THEN 7.", toolCalls: [] },
  ]);
});

Deno.test("repliesOf: a model of one's own with replies() is read whole by a cache above it", async () => {
  await withTempDir(async (dir) => {
    let k = 0;
    const own: Model = {
      name: "own",
      temperature: 1,
      alias: "own",
      maxBatch: 1,
      async *sample() {
        while (true) yield `t${k++}`;
      },
      async *replies() {
        while (true) {
          yield { text: `t${k}`, toolCalls: [{ id: `c${k++}`, name: "f", arguments: "{}" }] };
        }
      },
      totalQueryTime: () => 0,
      totalTokenCount: () => [0, 0],
    };
    const cache = new Persistent(own, dir, { announce: false });
    const call = (n: number) => ({ id: `c${n}`, name: "f", arguments: "{}" });
    assert.deepEqual(await collect(repliesOf(cache, "p"), 2), [
      { text: "t0", toolCalls: [call(0)] },
      { text: "t1", toolCalls: [call(1)] },
    ]);
    const replay = new Persistent(own, dir, { replication: true });
    assert.deepEqual((await first(replay.replies("p"))).toolCalls, [call(0)]);
    // One whose replies() yields something else is an error naming it.
    const broken = {
      ...own,
      alias: "broken",
      replies: async function* () {
        yield { text: 7 } as unknown as Reply;
      },
    };
    await assert.rejects(
      first(new Repeatable(broken).sample("p")),
      /model "broken": its replies\(\) yielded object.*fix its replies\(\)/,
    );
  });
});

Deno.test("Repeatable: a chat grown after it was asked (as agents do) changes nothing its sequence sends", async () => {
  for (const make of [(m: Model) => new Repeatable(m), (m: Model) => new Independent(m)]) {
    const provider = new Asked("asked", 1);
    const model = make(provider);
    const chat: Chat = { messages: [{ role: "user", content: "Hi" }], tools: [] };
    const stream = model.replies!(chat);
    assert.equal((await stream.next()).value.text, "r0");
    chat.messages.push({ role: "assistant", content: "r0" }, { role: "user", content: "More" });
    // The same stream's next miss asks the chat as it was.
    assert.equal((await stream.next()).value.text, "r1");
    assert.deepEqual(provider.prompts, [
      { messages: [{ role: "user", content: "Hi" }], tools: [] },
      { messages: [{ role: "user", content: "Hi" }], tools: [] },
    ]);
    // The grown chat is another prompt, asked as it is now.
    await first(model.replies!(chat));
    assert.equal((provider.prompts.at(-1) as Chat).messages.length, 3);
  }
});

Deno.test("Persistent.replies: a chat of one user message is the same sequence as its text", async () => {
  await withTempDir(async (dir) => {
    const recording = new Persistent(new Asked("asked", 1), dir, { announce: false });
    const texts = await collect(recording.sample("What is 2 + 2?"), 2);
    const replay = new Persistent(new Asked("asked", 1), dir, { replication: true });
    const chat: Chat = { messages: [{ role: "user", content: "What is 2 + 2?" }] };
    assert.deepEqual((await collect(replay.replies(chat), 2)).map((r) => r.text), texts);
    assert.deepEqual(await collect(replay.sample(chat), 2), texts);
  });
});

Deno.test("Persistent.replies: replication misses a chat as it misses a string, naming its key", async () => {
  await withTempDir(async (dir) => {
    const replay = new Persistent(new Asked("asked", 1), dir, { replication: true, create: true });
    await Deno.mkdir(dir, { recursive: true });
    const error = await first(replay.replies(AGENT_CHAT)).then(() => undefined, (e) => e);
    assert.ok(error instanceof ReplicationCacheMiss, String(error));
    assert.equal(error.hash, promptHash(AGENT_CHAT));
    assert.equal(error.index, 0);
  });
});

Deno.test("Persistent.replies: a batch stores every reply with its usage share; a replay saves what they cost", async () => {
  await withTempDir(async (dir) => {
    const provider = new Asked("asked", 1, { maxBatch: 4, price: { input: 1, output: 2 } });
    const recording = new Persistent(provider, dir, { announce: false });
    await collect(recording.replies(AGENT_CHAT, 4), 4);
    assert.equal(provider.stats.requests, 1);
    const replay = new Persistent(new Asked("asked", 1, { price: { input: 1, output: 2 } }), dir, {
      replication: true,
    });
    const replies = await collect(replay.replies(AGENT_CHAT), 4);
    assert.deepEqual(replies.map((r) => r.model), ["m0", "m1", "m2", "m3"]);
    const { queryTime: _, ...saved } = replay.stats.saved;
    assert.deepEqual(saved, {
      samples: 4,
      unknown: 0,
      requests: 1,
      promptTokens: 5,
      completionTokens: 8,
      cost: (5 * 1 + 8 * 2) / 1e6,
    });
  });
});

Deno.test("Persistent.replies: a provider's budget stops chats as it stops strings", async () => {
  let requests = 0;
  const answer = () => {
    requests++;
    return Promise.resolve(
      Response.json({ content: [{ type: "text", text: "x" }], stop_reason: "end_turn" }),
    );
  };
  const model = new Independent(
    new Anthropic("claude", 1, { apiKey: "k", budget: { samples: 2 }, fetch: answer }),
  );
  await collect(model.replies(AGENT_CHAT), 2);
  await assert.rejects(first(model.replies(AGENT_CHAT)), BudgetExceededError);
  assert.equal(requests, 2);
});

Deno.test("Persistent: prompt.txt holds a chat's canonical text, which names its folder and reads back as the chat", async () => {
  await withTempDir(async (dir) => {
    const model = new Persistent(new Asked("asked", 1), dir, { announce: false });
    await first(model.replies(AGENT_CHAT));
    const hash = promptHash(AGENT_CHAT);
    const text = await Deno.readTextFile(`${dir}/${model.key}/${hash}/prompt.txt`);
    assert.equal(text, promptText(AGENT_CHAT));
    assert.equal(promptHash(text), hash);
    assert.deepEqual(chatOfText(text), AGENT_CHAT);
    assert.deepEqual((await model.store.verify!()).problems, []);
  });
});
