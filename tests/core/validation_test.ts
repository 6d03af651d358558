import assert from "node:assert/strict";
import {
  bootstrapInterval,
  chunk,
  CloseAI,
  code,
  collect,
  find,
  first,
  Independent,
  majority,
  type Model,
  Ollama,
  passAtK,
  queryRetry,
  Repeatable,
  tag,
  take,
} from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { CountingModel } from "../_support/mock_model.ts";

const models = (): [string, Model][] => [
  ["provider", new CountingModel()],
  ["Repeatable", new Repeatable(new CountingModel())],
  ["Independent", new Independent(new CountingModel())],
];

Deno.test("Repeatable: a prompt neither a string nor a chat is a TypeError naming what was passed", () => {
  for (const [name, model] of models()) {
    for (
      const [bad, shown] of [[42, "42"], [null, "null"], [undefined, "undefined"], [[], "an array"]]
    ) {
      assert.throws(
        () => model.sample(bad as string),
        (e: Error) => e instanceof TypeError && e.message.includes(`got ${shown}`),
        name,
      );
    }
    // An object is read as a chat, and told what it lacks.
    assert.throws(
      () => model.sample({} as string),
      (e: Error) => e instanceof TypeError && /a chat needs at least one message/.test(e.message),
      name,
    );
  }
});

Deno.test("Repeatable: a prompt that is a Promise says so: did you forget await?", () => {
  for (const [name, model] of models()) {
    const pending = Promise.resolve("p");
    assert.throws(
      () => model.sample(pending as unknown as string),
      (e: Error) =>
        e instanceof TypeError && /got a Promise: did you forget await\?/.test(e.message),
      name,
    );
  }
});

Deno.test("Repeatable: bad batches are refused synchronously with the value named", () => {
  for (const [name, model] of models()) {
    for (const bad of [0, -1, NaN, Infinity, -Infinity, 1.5]) {
      assert.throws(
        () => model.sample("p", bad),
        (e: Error) =>
          e instanceof RangeError && e.message.includes(`batch`) &&
          e.message.includes(String(bad)),
        `${name} ${bad}`,
      );
    }
    assert.throws(() => model.sample("p", "2" as unknown as number), TypeError);
  }
});

Deno.test("Repeatable: a prompt with a lone surrogate is refused before anything is drawn", () => {
  for (const [name, model] of models()) {
    assert.throws(() => model.sample("a\ud83d"), /lone UTF-16 surrogate/, name);
  }
});

Deno.test("BufferedModel: bad constructor arguments are refused", () => {
  assert.throws(() => new CountingModel("", 1), /non-empty string/);
  assert.throws(() => new CountingModel("m", -1), RangeError);
  assert.throws(() => new CountingModel("m", 1, { maxBatch: 0 }), /maxBatch.*0/);
  assert.throws(() => new CountingModel("m", 1, { alias: "" }), /alias/);
  assert.throws(() => new Repeatable(null as unknown as Model), /expected a Model.*null/);
  assert.throws(() => new Independent({} as Model), /expected a Model/);
});

Deno.test("take: take and collect refuse bad counts; first refuses empty streams", async () => {
  const m = new CountingModel();
  assert.throws(() => take(m.sample("p"), -1), RangeError);
  assert.throws(() => take(m.sample("p"), 1.5), RangeError);
  await assert.rejects(collect(m.sample("p"), NaN), RangeError);
  assert.throws(() => take(42 as unknown as AsyncIterable<string>, 1), /async iterable/);
  await assert.rejects(first((async function* () {})()), /stream that has ended.*it was empty/);
});

Deno.test("BufferedModel: a provider returning nothing or non-strings is a clear error", async () => {
  class Broken extends CountingModel {
    out: unknown[] = [];
    protected override query(): Promise<string[]> {
      return Promise.resolve(this.out as string[]);
    }
  }
  const m = new Broken();
  await assert.rejects(first(m.sample("p")), /returned no samples for a request of 1/);
  m.out = [null];
  await assert.rejects(first(m.sample("p")), /returned null as sample 0/);
});

Deno.test("BufferedModel: a provider's token usage is checked: whole numbers of at least 0, or none", async () => {
  class Reporting extends CountingModel {
    answer: unknown;
    protected override query(): Promise<QueryResult> {
      return Promise.resolve(this.answer as QueryResult);
    }
  }
  const m = new Reporting();
  const bad: [unknown, typeof TypeError, RegExp][] = [
    [{ samples: [] }, TypeError, /returned no samples for a request of 1/],
    [
      { usage: {} },
      TypeError,
      /an object without a samples array for a request of 1: .*\{ samples, usage \}/,
    ],
    [null, TypeError, /returned null for a request of 1/],
    [{ samples: ["x"], usage: 12 }, TypeError, /query\(\) returned usage 12: it must be/],
    [
      { samples: ["x"], usage: { promptTokens: -1, completionTokens: 0 } },
      RangeError,
      /query\(\): usage\.promptTokens must be a non-negative integer, got -1/,
    ],
    [
      { samples: ["x"], usage: { promptTokens: 1, completionTokens: "2" } },
      TypeError,
      /usage\.completionTokens must be a non-negative integer, got "2"/,
    ],
    [
      { samples: ["x"], usage: { promptTokens: 1.5, completionTokens: 2 } },
      RangeError,
      /usage\.promptTokens must be a non-negative integer, got 1\.5/,
    ],
  ];
  for (const [answer, type, message] of bad) {
    m.answer = answer;
    await assert.rejects(first(m.sample("p")), (e: Error) => {
      assert.ok(e instanceof type, `${JSON.stringify(answer)}: ${e}`);
      assert.match(e.message, message);
      return true;
    });
  }
  m.answer = { samples: ["x"], usage: { promptTokens: 4, completionTokens: 2 } };
  assert.equal(await first(m.sample("p")), "x");
  assert.deepEqual(m.totalTokenCount(), [4, 2], "only the good answer counted");
});

Deno.test("Repeatable: a failed request reaches the caller and the next call retries", async () => {
  const m = new CountingModel();
  const r = new Repeatable(m);
  m.failNext(new Error("HTTP 500"));
  await assert.rejects(first(r.sample("p")), /HTTP 500/);
  assert.equal(await first(r.sample("p")), "0");
  assert.equal(await first(r.sample("p")), "0");
});

Deno.test("Repeatable: argument errors read alike everywhere: who, what it must be, what came, what to do", async () => {
  const model = new CountingModel();
  const cases: [string, () => unknown][] = [
    ["chunk()", () => chunk(model.sample("p"), 0)],
    ["find()", () => find(model.sample("p"), () => true, { limit: -1 })],
    ["take()", () => take(model.sample("p"), 1.5)],
    ["passAtK()", () => passAtK(0, 0, 1)],
    ["bootstrapInterval()", () => bootstrapInterval([1], { seed: 0.5 })],
    ["majority()", () => majority(["a"], { key: 1 as never })],
    ["queryRetry()", () => queryRetry(model, "p", tag("a"), { retries: 0 })],
    ["tag()", () => tag("a b")],
    ["code()", () => code("two words")],
    ['Ollama "x"', () => new Ollama("x", 1, { maxConcurrency: 0 })],
    ['CloseAI "x"', () => new CloseAI("x", 1, { timeout: -5 })],
  ];
  for (const [who, call] of cases) {
    await assert.rejects(async () => await call(), (error: Error) => {
      const pattern = new RegExp(
        `^${RegExp.escape(who)}: [\\w.]+ must be [^;]+, got [^;]+; (pass|use|build) `,
      );
      assert.match(error.message, pattern);
      return true;
    });
  }
});
