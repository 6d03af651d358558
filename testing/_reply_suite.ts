// The tests of replies stored whole: what a reply holds beyond its text
// (tool calls, reasoning, the finish reason, signatures, log probabilities)
// is stored with its sample in the same write, comes back byte for byte
// (after a reopen, through `copyStore` into a folder and back, through a
// slice), goes with its samples when they are deleted, stays with its own
// index when writers race, and is never read to replay texts. A store
// without `Store.replies` keeps none: its samples replay as replies with
// nothing beyond their texts.

import assert from "node:assert/strict";
import { BufferedModel, type QueryResult } from "../core/buffered_model.ts";
import { collect } from "../core/iterators.ts";
import { promptHash } from "../core/model_key.ts";
import type { Chat } from "../core/prompt.ts";
import { metaOf, type Reply, type ReplyMeta } from "../core/reply.ts";
import { copyStore } from "../cache/copy.ts";
import { FsStore } from "../cache/fs_store.ts";
import { manifest } from "../cache/manifest.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import type { SequenceKey, Store } from "../cache/store.ts";
import type { Suite } from "./_suite.ts";

/** The chat the reply tests ask: a system prompt, a tool, and a tool loop under way. */
export const AGENT_CHAT: Chat = {
  system: "You are a calculator. Use the tools.",
  tools: [{
    name: "add",
    description: "Adds two numbers",
    parameters: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
  }],
  messages: [{ role: "user", content: "What is 2 + 2, then + 3?" }],
};

const KEY: SequenceKey = { model: "tools_0.5", hash: promptHash(AGENT_CHAT) };

/** Replies of every shape a store must keep whole. */
export const REPLIES: readonly Reply[] = [
  {
    text: "",
    toolCalls: [
      { id: "call_1", name: "add", arguments: '{"a": 2, "b":2}' },
      { id: "call_2", name: "add", arguments: "{not json", signature: "c2lnbmF0dXJl/+==" },
    ],
    finishReason: "tool_calls",
    model: "gpt-4o-2024-08-06",
  },
  { text: "4, then 7.", toolCalls: [] },
  {
    text: "7",
    toolCalls: [],
    reasoning: "2 + 2 = 4\r\n4 + 3 = 7 🧮\0 and a BOM \ufeff, U+2028 \u2028",
    reasoningSignature: "EvoRCpMBCBAYAipA",
    finishReason: "end_turn",
    refusal: "",
    logprobs: { content: [{ token: "7", logprob: -0.01, top_logprobs: [] }], nested: [1, null] },
  },
  {
    text: "long reasoning",
    toolCalls: [],
    // More than one Deno KV value, and than a SQLite page.
    reasoning: "thinking é🌍 ".repeat(12_000),
    finishReason: "stop",
  },
];

/**
 * A provider whose k-th draw is `REPLIES[k % n]`, its text numbered past the
 * first round, and its tool calls' ids starting with `tag`.
 */
export class ReplyModel extends BufferedModel {
  /** How many samples it drew. */
  drawn = 0;
  readonly #tag: string;

  constructor(options: { maxBatch?: number; tag?: string } = {}) {
    const { tag = "", ...rest } = options;
    super("tools", 0.5, rest);
    this.#tag = tag;
  }

  protected query(_prompt: unknown, n: number): Promise<QueryResult> {
    const samples = Array.from({ length: n }, () => {
      const k = this.drawn++;
      const reply = REPLIES[k % REPLIES.length]!;
      const toolCalls = reply.toolCalls.map((call) => ({ ...call, id: this.#tag + call.id }));
      return { ...reply, toolCalls, text: k < REPLIES.length ? reply.text : `${reply.text} #${k}` };
    });
    return Promise.resolve({ samples, usage: { promptTokens: 3, completionTokens: n } });
  }
}

/** `store`, counting the calls of its `replies`. */
function counted(store: Store): { store: Store; calls: () => number } {
  let calls = 0;
  const wrapped: Store = {
    location: store.location,
    load: (key, from) => store.load(key, from),
    append: (key, write) => store.append(key, write),
    ...(store.usage === undefined ? {} : { usage: (key, from) => store.usage!(key, from) }),
    ...(store.replies === undefined ? {} : {
      replies: (key, from) => {
        calls++;
        return store.replies!(key, from);
      },
    }),
    models: () => store.models(),
    prompts: (model) => store.prompts(model),
    close: () => Promise.resolve(),
  };
  return { store: wrapped, calls: () => calls };
}

/** What a store without `replies` answers: each text, with nothing beyond it. */
function textsOnly(replies: readonly Reply[]): Reply[] {
  return replies.map((reply) => ({ text: reply.text, toolCalls: [] }));
}

/** Registers the tests of replies stored whole. */
export function replyTests(suite: Suite): void {
  const { test } = suite;

  test("replies: a tool-call reply comes back byte for byte with its metadata, also after a reopen", async ({ store, spec }) => {
    const meta = REPLIES.map(metaOf);
    const texts = REPLIES.map((r) => r.text);
    await store.append(KEY, { from: 0, samples: texts.slice(0, 2), meta: meta.slice(0, 2) });
    // A placement keeps what its samples hold too; a sample without metadata sits between.
    const rest = { from: 2, samples: [...texts.slice(2), "plain"], meta: [...meta.slice(2)] };
    await (store.place ?? store.append).call(store, KEY, rest);
    const expected = [...REPLIES, { text: "plain", toolCalls: [] }];
    if (store.replies === undefined) {
      const replay = new Persistent(new ReplyModel(), store, { replication: true });
      assert.deepEqual(await collect(replay.replies(AGENT_CHAT), 5), textsOnly(expected));
      return;
    }
    const reopened = await openStore(spec);
    try {
      for (const s of [store, reopened]) {
        assert.deepEqual(await s.replies!(KEY, 0), expected);
        assert.deepEqual(await s.replies!(KEY, 2), expected.slice(2));
        assert.deepEqual(await s.replies!(KEY, 5), []);
        assert.deepEqual(await s.replies!({ ...KEY, hash: promptHash("other") }, 0), []);
        assert.deepEqual(await s.load(KEY, 0), texts.concat("plain"));
      }
    } finally {
      await reopened.close();
    }
  });

  test("replies: Persistent replays tool calls whole after a reopen, and replays texts without reading them", async ({ store, spec }) => {
    const provider = new ReplyModel({ maxBatch: 3 });
    const recording = new Persistent(provider, store);
    const served = await collect(recording.replies(AGENT_CHAT, 3), 4);
    // A store that keeps no metadata: none is served, so that a replay reads what the run served.
    assert.deepEqual(served, store.replies === undefined ? textsOnly(REPLIES) : REPLIES);
    // The same samples through sample(): their texts.
    assert.deepEqual(await collect(recording.sample(AGENT_CHAT), 4), REPLIES.map((r) => r.text));
    const reopened = await openStore(spec);
    try {
      const { store: watched, calls } = counted(reopened);
      const replay = new Persistent(new ReplyModel(), watched, { replication: true });
      assert.deepEqual(await collect(replay.sample(AGENT_CHAT), 6), [
        ...REPLIES.map((r) => r.text),
        `${REPLIES[0]!.text} #4`,
        `${REPLIES[1]!.text} #5`,
      ]);
      assert.equal(calls(), 0, "a replay of texts read reply metadata");
      const replies = await collect(replay.replies(AGENT_CHAT), 6);
      if (store.replies === undefined) {
        assert.deepEqual(replies.slice(0, 4), textsOnly(REPLIES));
        return;
      }
      assert.deepEqual(replies.slice(0, 4), REPLIES);
      assert.deepEqual(replies[4]!.toolCalls, REPLIES[0]!.toolCalls);
      // One read from the first reply asked on covers the rest.
      assert.equal(calls(), 1);
      assert.deepEqual([replay.stats.hits, replay.stats.misses], [12, 0]);
    } finally {
      await reopened.close();
    }
  });

  test("replies: writers racing with replies of one text keep each index's own metadata", async ({ store, spec }) => {
    const other = await openStore(spec);
    try {
      // A reply that only calls tools has the text "": the calls tell them apart.
      const call = (k: number, j: number) => ({ id: `w${k}.${j}`, name: "add", arguments: "{}" });
      const writers = Array.from(
        { length: 16 },
        (_, k) =>
          (k % 2 === 0 ? store : other).append(KEY, {
            from: 0,
            samples: ["", ""],
            meta: [{ toolCalls: [call(k, 0)] }, { toolCalls: [call(k, 1)] }],
          }),
      );
      await Promise.all(writers);
      if (store.replies === undefined) return;
      const replies = await store.replies(KEY, 0);
      assert.equal(replies.length, 32);
      const ids = replies.map((r) => r.toolCalls[0]!.id);
      assert.equal(new Set(ids).size, 32, "a sample with another's metadata");
      for (let k = 0; k < 16; k++) assert.ok(ids.indexOf(`w${k}.0`) < ids.indexOf(`w${k}.1`));
      // Through Persistent: two models miss index 0 at once, both draw a reply of
      // the text "", and the loser's lands at 1. What each serves is what a replay
      // reads, whoever won.
      const chat = { ...AGENT_CHAT, system: "race" };
      const key = { ...KEY, hash: promptHash(chat) };
      const a = new Persistent(new ReplyModel({ tag: "a:" }), store);
      const b = new Persistent(new ReplyModel({ tag: "b:" }), other);
      const [first, second] = await Promise.all([
        collect(a.replies(chat), 2),
        collect(b.replies(chat), 2),
      ]);
      const stored = await store.replies(key, 0);
      assert.notDeepEqual(stored[0], stored[1]);
      assert.deepEqual(first, stored.slice(0, 2));
      assert.deepEqual(second, stored.slice(0, 2));
    } finally {
      await other.close();
    }
  });

  test("replies: copyStore into a folder and back keeps every reply", async ({ store }) => {
    const recording = new Persistent(new ReplyModel({ maxBatch: 2 }), store);
    await collect(recording.replies(AGENT_CHAT, 2), 4);
    const folder = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      const there = new FsStore(`${folder}/there`);
      const back = await suite.open();
      try {
        assert.equal((await copyStore(store, there)).copied, 4);
        assert.equal((await copyStore(there, back.store)).copied, 4);
        const expected = store.replies === undefined ? textsOnly(REPLIES) : REPLIES;
        assert.deepEqual(await there.replies(KEY, 0), expected);
        if (back.store.replies !== undefined) {
          assert.deepEqual(await back.store.replies(KEY, 0), expected);
        }
        // The slice a run's manifest names keeps them too.
        const run = new Persistent(new ReplyModel(), store, { replication: true });
        await collect(run.replies(AGENT_CHAT), 3);
        const sliced = new FsStore(`${folder}/slice`);
        await copyStore(store, sliced, { manifest: manifest(run) });
        assert.deepEqual(await sliced.replies(KEY, 0), expected.slice(0, 3));
      } finally {
        await back.store.close();
        await back.cleanup?.();
      }
    } finally {
      await Deno.remove(folder, { recursive: true });
    }
  });

  test("replies: deleting samples deletes their metadata", async ({ store }) => {
    if (store.delete === undefined || store.replies === undefined) return;
    const meta: ReplyMeta = { finishReason: "length" };
    await store.append(KEY, { from: 0, samples: ["a", "b", "c"], meta: [meta, meta, meta] });
    await store.delete(KEY, 1);
    // The indices are written again, without metadata: none of the old may show.
    await store.append(KEY, { from: 1, samples: ["b", "c"] });
    assert.deepEqual(await store.replies(KEY, 0), [
      { text: "a", toolCalls: [], finishReason: "length" },
      { text: "b", toolCalls: [] },
      { text: "c", toolCalls: [] },
    ]);
    await store.delete(KEY);
    await store.append(KEY, { from: 0, samples: ["a"] });
    assert.deepEqual(await store.replies(KEY, 0), [{ text: "a", toolCalls: [] }]);
  });
}
