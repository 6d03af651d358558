// Servers that report no token counts (no `usage`, `{}`, some counts only,
// `total_tokens` alone): what is counted, what a tokens budget does, and what
// every store keeps, so that a replay never takes such samples as free.

import assert from "node:assert/strict";
import {
  BudgetExceededError,
  collect,
  Ollama,
  OpenAICompatible,
  Persistent,
  promptHash,
} from "../../mod.ts";
import type { Store } from "../../cache/stores.ts";
import { openStore } from "../../cache/open_store.ts";
import { freshRedisSpec, REDIS_URL } from "../_support/redis_url.ts";

const P = "Choose a number between 1 and 1000.";

/** A fetch answering every chat completion with its `n` choices and `usage` as given. */
function answering(usage: unknown): { fetch: typeof fetch; calls: () => number } {
  let calls = 0;
  const respond: typeof fetch = (_input, init) => {
    const call = ++calls;
    const n = JSON.parse(String(init?.body)).n ?? 1;
    const choices = Array.from({ length: n }, (_, index) => ({
      index,
      message: { content: `s${call}.${index}` },
    }));
    return Promise.resolve(Response.json(usage === undefined ? { choices } : { choices, usage }));
  };
  return { fetch: respond, calls: () => calls };
}

function provider(usage: unknown, options: Record<string, unknown> = {}) {
  const server = answering(usage);
  const model = new OpenAICompatible("m", 1, {
    baseUrl: "http://127.0.0.1:9/v1",
    fetch: server.fetch,
    ...options,
  });
  return { model, calls: server.calls };
}

/** Reads `stream` until it throws; the samples served and the error. */
async function drain(stream: AsyncIterator<string>): Promise<[string[], unknown]> {
  const samples: string[] = [];
  try {
    // A guard for a budget that is never enforced.
    while (samples.length < 50) samples.push((await stream.next()).value);
  } catch (error) {
    return [samples, error];
  }
  return [samples, undefined];
}

const UNCOUNTED = [
  undefined,
  null,
  {},
  { prompt_tokens: 5 },
  { completion_tokens: 3 },
  { prompt_tokens: "5", completion_tokens: 3 },
  { prompt_tokens: -1, completion_tokens: 3 },
];

Deno.test("Budget: a tokens budget stops at the first answer that reports no token counts", async () => {
  for (const usage of UNCOUNTED) {
    const { model, calls } = provider(usage, { budget: { tokens: 100 } });
    const [samples, error] = await drain(model.sample(P));
    const label = JSON.stringify(usage);
    // The answer that came is served (it was paid for); nothing more is sent.
    assert.deepEqual(samples, ["s1.0"], label);
    assert.equal(calls(), 1, label);
    assert.ok(error instanceof Error && !(error instanceof BudgetExceededError), label);
    assert.match(error.message, /OpenAICompatible "m" cannot keep its budget of 100 tokens/);
    assert.match(error.message, /reported no token counts/);
    assert.match(error.message, /\{ samples: \d+ \}|\{ requests: \d+ \}/);
  }
});

Deno.test("Ollama: its tokens budget stops at the first chat that ends without its counts", async () => {
  let calls = 0;
  const model = new Ollama("llama3.2", 1, {
    budget: { tokens: 100 },
    fetch: () => {
      calls++;
      const lines = [
        { message: { role: "assistant", content: "hi" }, done: false },
        { message: { role: "assistant", content: "" }, done: true, eval_count: 2 },
      ];
      return Promise.resolve(new Response(lines.map((l) => JSON.stringify(l)).join("\n")));
    },
  });
  const [samples, error] = await drain(model.sample(P));
  assert.deepEqual(samples, ["hi"]);
  assert.equal(calls, 1);
  assert.match(String(error), /Ollama "llama3.2" cannot keep its budget of 100 tokens/);
});

Deno.test("Budget: without a tokens budget, answers without counts are served and counted as unknown", async () => {
  const { model, calls } = provider({});
  assert.equal((await collect(model.sample(P), 3)).length, 3);
  assert.equal(calls(), 3);
  assert.deepEqual(model.totalTokenCount(), [0, 0]);
});

Deno.test("Budget: total_tokens alone counts for a tokens budget, and as completion tokens in what was spent", async () => {
  const { model, calls } = provider({ total_tokens: 30 }, {
    budget: { tokens: 100 },
    price: { input: 1, output: 4 },
  });
  const [samples, error] = await drain(model.sample(P));
  // Sent one by one, each crossing request completes: 30, 60, 90, then 120.
  assert.equal(samples.length, 4);
  assert.equal(calls(), 4);
  assert.ok(error instanceof BudgetExceededError);
  assert.equal(error.used, 120);
  assert.deepEqual(model.totalTokenCount(), [0, 120]);
  assert.equal(model.stats.cost, 120 * 4 / 1e6); // the higher price: never an understatement

  // One of the split's counts and the total give the other.
  const derived = provider({ prompt_tokens: 10, total_tokens: 30 }).model;
  await collect(derived.sample(P), 1);
  assert.deepEqual(derived.totalTokenCount(), [10, 20]);
});

/** Every kind of store, in `dir` (and on the Redis server of the tests when there is one). */
function specs(dir: string): string[] {
  return [
    `${dir}/folder`,
    `kv:${dir}/cache.kv`,
    `sqlite:${dir}/cache.db`,
    ...(REDIS_URL === undefined ? [] : [freshRedisSpec("unreported")]),
  ];
}

Deno.test("Budget: missing counts are stored as unknown in every store, and a replay says so", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const shapes = [{}, { total_tokens: 42 }, { prompt_tokens: 7 }, undefined];
    for (const spec of specs(dir)) {
      const store: Store = await openStore(spec);
      try {
        for (const [k, usage] of shapes.entries()) {
          const prompt = `${P} ${k}`;
          const { model } = provider(usage, { maxBatch: 3 });
          await collect(new Persistent(model, store).sample(prompt, 3), 3);
          const records = await store.usage!({ model: "m_1", hash: promptHash(prompt) });
          const label = `${spec}, usage ${JSON.stringify(usage)}`;
          assert.deepEqual(records.map((r) => [r.count, r.requests]), [[3, 1]], label);
          assert.ok(
            records.every((r) => !("promptTokens" in r) && !("completionTokens" in r)),
            label,
          );

          const replay = new Persistent(
            provider({}, { price: { input: 1, output: 1 } }).model,
            store,
            {
              replication: true,
            },
          );
          await collect(replay.sample(prompt), 3);
          const { queryTime: _, ...saved } = replay.stats.saved;
          assert.deepEqual(saved, {
            samples: 3,
            unknown: 3,
            requests: 1,
            promptTokens: 0,
            completionTokens: 0,
            cost: 0,
          }, label);
        }
      } finally {
        if (spec.startsWith("redis")) await (store as Store & { clear(): Promise<void> }).clear();
        await store.close();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
