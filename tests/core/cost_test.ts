// What a run cost: a provider's price per million tokens, the cost in its
// stats, per prompt, in the model view, in progress totals and in run
// manifests; no price means no cost (never a made-up 0). What a replay saved:
// the stored usage of the samples served from the cache, at the same price.

import assert from "node:assert/strict";
import {
  CloseAI,
  collect,
  Independent,
  Ollama,
  OpenAICompatible,
  Persistent,
  promptHash,
  Repeatable,
} from "../../mod.ts";
import { costOf, infoOf } from "../../core/accounting.ts";
import { manifest } from "../../cache/manifest.ts";
import { FsStore, modelKey } from "../../cache/stores.ts";
import { formatManifest, type ManifestSaving, parseManifest } from "../../cache/manifest.ts";
import { modelView, progress, stackFigures } from "../../notebooks/mod.ts";
import { formatCost } from "../../core/figure_text.ts";
import { figureRow } from "../_support/figure_rows.ts";
import { CountingModel } from "../_support/mock_model.ts";

const P = "Choose a number between 1 and 1000.";
const Q = "Name a colour.";
// CountingModel reports prompt.length prompt tokens per request and one
// completion token per sample.
const PRICE = { input: 2.5, output: 10 };

Deno.test("Price: a price is checked: an object of two finite amounts of at least 0", () => {
  const bad: [unknown, typeof TypeError | typeof RangeError, RegExp][] = [
    [2.5, TypeError, /price must be an object \{ input, output \}, got 2\.5; pass the price/],
    [null, TypeError, /price must be an object/],
    [[1, 2], TypeError, /price must be an object/],
    [{ input: 1 }, TypeError, /price\.output must be a finite number of at least 0, got undefined/],
    [{ input: "1", output: 2 }, TypeError, /price\.input must be .*, got "1"/],
    [{ input: -1, output: 2 }, RangeError, /price\.input must be .* at least 0, got -1/],
    [{ input: 1, output: NaN }, RangeError, /price\.output .* got NaN/],
    [{ input: 1, output: Infinity }, RangeError, /price\.output .* got Infinity/],
    [{ prompt: 1, completion: 2 }, TypeError, /price has no field "prompt"; pass the price/],
  ];
  for (const [price, type, message] of bad) {
    for (
      const make of [
        () => new CountingModel("m", 1, { price: price as never }),
        () => new CloseAI("gpt-4o", 1, { price: price as never }),
        () => new Ollama("llama3.2", 1, { price: price as never }),
      ]
    ) {
      assert.throws(make, (e: Error) => {
        assert.ok(e instanceof type, `${JSON.stringify(price)}: ${e}`);
        assert.match(e.message, message);
        return true;
      });
    }
  }
  // Free models are fine, and the price is the model's own copy.
  const price = { input: 0, output: 0 };
  const model = new CountingModel("m", 1, { price });
  price.input = 5;
  assert.deepEqual(model.price, { input: 0, output: 0 });
  assert.ok(Object.isFrozen(model.price));
});

Deno.test("Price: a price never joins the cache key", () => {
  const plain = new OpenAICompatible("m", 1, { baseUrl: "http://localhost:1/v1" });
  const priced = new OpenAICompatible("m", 1, { baseUrl: "http://localhost:1/v1", price: PRICE });
  assert.equal(modelKey(priced), modelKey(plain));
  assert.equal(priced.keyOptions, undefined);
  assert.deepEqual(priced.price, PRICE);
  assert.equal(plain.price, undefined);
});

Deno.test("Price: stats show tokens and cost spent; without a price there is no cost", async () => {
  const priced = new CountingModel("m", 1, { maxBatch: 5, price: PRICE });
  const free = new CountingModel("m", 1, { maxBatch: 5 });
  for (const model of [priced, free]) await collect(model.sample(P, 5), 10);
  const tokens = { promptTokens: 2 * P.length, completionTokens: 10 };
  const { queryTime, ...stats } = priced.stats;
  assert.deepEqual(stats, {
    requests: 2,
    retries: 0,
    samples: 10,
    ...tokens,
    cost: (2 * P.length * 2.5 + 10 * 10) / 1e6,
  });
  assert.equal(queryTime, priced.totalQueryTime());
  assert.ok(!("cost" in free.stats), "no price, no cost");
  assert.equal(free.stats.promptTokens, tokens.promptTokens);
  assert.equal(infoOf(priced).figures.cost, priced.stats.cost);
  assert.ok(!("cost" in infoOf(free).figures));
});

Deno.test("Price: a provider reports its cost per prompt", async () => {
  const model = new CountingModel("m", 1, { price: { input: 1, output: 1000 } });
  await collect(model.sample(P), 2);
  await collect(model.sample(Q), 1);
  const usage = infoOf(model).usage!();
  assert.deepEqual(
    usage.map((u) => [u.prompt, u.cost]),
    [[P, costOf(model.price, 2 * P.length, 2)], [Q, costOf(model.price, Q.length, 1)]],
  );
  const free = new CountingModel("m", 1);
  await collect(free.sample(P), 1);
  assert.ok(!("cost" in infoOf(free).usage!()[0]!));
});

Deno.test("Price: manifests carry cost in spent and totals when the price is known", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    // Two samples stored before: the run hits them, then draws three more.
    await new FsStore(dir).append({ model: "m_1", hash: promptHash(P) }, {
      from: 0,
      samples: ["a", "b"],
      prompt: P,
    });
    const provider = new CountingModel("m", 1, { maxBatch: 3, price: { input: 0.1, output: 0.3 } });
    const model = new Persistent(provider, dir);
    await collect(model.sample(P, 3), 5);
    await collect(model.sample(Q), 1);
    const written = manifest(model);
    const [p, q] = written.sequences;
    assert.equal(p!.spent!.cost, Number(costOf(provider.price, P.length, 3)!.toPrecision(12)));
    assert.equal(q!.spent!.cost, Number(costOf(provider.price, Q.length, 1)!.toPrecision(12)));
    // 0.1 and 0.3 per million make float noise (0.1 + 0.2 ≠ 0.3): the file has none.
    const total = costOf(provider.price, P.length + Q.length, 4)!;
    assert.equal(written.totals.cost, Number(total.toPrecision(12)));
    assert.ok(String(written.totals.cost).length < 14, String(written.totals.cost));
    // The format carries it, and reading keeps it.
    const text = formatManifest(written);
    assert.match(text, /"spent": \{\n\s+"requests": 1,[^}]*"cost": [\d.e-]+,\n\s+"queryTime"/);
    assert.equal(parseManifest(text).totals.cost, written.totals.cost);
    await model.store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Price: manifests: no price, no cost; a priced provider that spent nothing costs 0", async () => {
  const free = new Repeatable(new CountingModel("m", 1));
  await collect(free.sample(P), 2);
  const plain = manifest(free);
  assert.ok(!("cost" in plain.sequences[0]!.spent!));
  assert.ok(!("cost" in plain.totals));
  assert.doesNotMatch(formatManifest(plain), /cost/);

  const idle = manifest(new Repeatable(new CountingModel("m", 1, { price: PRICE })));
  assert.equal(idle.totals.cost, 0, "the price is known, nothing was spent");

  // Totals with one provider priced and one not: the sum would be a guess.
  const priced = new Repeatable(new CountingModel("m", 1, { price: PRICE }));
  await collect(priced.sample(P), 1);
  const both = manifest([priced, free]);
  assert.ok((both.sequences[0]!.spent!.cost ?? 0) > 0);
  assert.ok(!("cost" in both.sequences[1]!.spent!));
  assert.ok(!("cost" in both.totals));
});

Deno.test("Price: the model view and stack figures show the cost spent, only with a price", async () => {
  const provider = new CountingModel("gpt-4o", 1, { maxBatch: 10, price: PRICE });
  const model = new Repeatable(provider);
  await collect(model.sample(P, 10), 10);
  const cost = provider.stats.cost!;
  assert.equal(stackFigures(model).cost, cost);
  const text = String(modelView(model));
  assert.deepEqual(figureRow(text, "prompt tokens"), ["35"]);
  assert.deepEqual(figureRow(text, "completion tokens"), ["10"]);
  assert.deepEqual(figureRow(text, "cost (USD)"), ["0.000188"]);

  const free = new Repeatable(new CountingModel("gpt-4o", 1));
  await collect(free.sample(P), 1);
  assert.equal(stackFigures(free).cost, undefined);
  assert.doesNotMatch(String(modelView(free)), /cost/);
});

Deno.test("Price: progress totals add the cost spent meanwhile when there is a price", async () => {
  const provider = new CountingModel("m", 1, { maxBatch: 10, price: { input: 0, output: 100 } });
  const model = new Repeatable(provider);
  await collect(model.sample(P, 10), 10); // spent before progress starts: not counted
  const stream = progress(model.sample(P, 10), 30, { model });
  await collect(stream, 30);
  assert.equal(stream.state.totals, "10 from cache, 20 fresh, 2 requests, cost 0.00200 USD");
});

Deno.test("Price: manifests say what the hits saved, per sequence and in all, at the price", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const price = { input: 0.1, output: 0.3 };
    // Recorded: 4 samples of P in two requests of 2; 1 of Q; then 2 of R stored without usage.
    const recorder = new CountingModel("m", 1, { maxBatch: 2, price });
    const recording = new Persistent(recorder, dir);
    await collect(recording.sample(P, 2), 4);
    await collect(recording.sample(Q), 1);
    assert.equal(manifest(recording).totals.saved, undefined, "nothing served from the cache");
    const R = "Name a river.";
    await new FsStore(dir).append({ model: "m_1", hash: promptHash(R) }, {
      from: 0,
      samples: ["Nile", "Po"],
      prompt: R,
    });

    // The replay reads 3 of P, all stored; Q's stored sample and a fresh one; R's two.
    const provider = new CountingModel("m", 1, { price });
    const model = new Persistent(provider, dir);
    await collect(model.sample(P), 3);
    await collect(model.sample(Q), 2);
    await collect(model.sample(R), 2);
    const written = manifest(model);
    const [p, q, r] = written.sequences;
    const tokens = (prompts: number, completions: number) => ({
      promptTokens: prompts,
      completionTokens: completions,
      cost: Number(costOf(price, prompts, completions)!.toPrecision(12)),
    });
    const untimed = (saved: ManifestSaving | undefined) => {
      const { queryTime, ...rest } = saved!;
      assert.ok(queryTime >= 0);
      return rest;
    };
    // P: 2 requests of 2 for 4 samples: 3 served cover the first request and half the second.
    assert.deepEqual(untimed(p!.saved), {
      samples: 3,
      unknown: 0,
      requests: 2,
      ...tokens(P.length + Math.ceil(P.length / 2), 3),
    });
    assert.deepEqual(untimed(q!.saved), {
      samples: 1,
      unknown: 0,
      requests: 1,
      ...tokens(Q.length, 1),
    });
    assert.deepEqual(untimed(r!.saved), {
      samples: 2,
      unknown: 2,
      requests: 0,
      ...tokens(0, 0),
    });
    assert.deepEqual(q!.spent!.requests, 1, "Q's second sample was drawn");
    assert.deepEqual(untimed(written.totals.saved), {
      samples: 6,
      unknown: 2,
      requests: 3,
      ...tokens(P.length + Math.ceil(P.length / 2) + Q.length, 4),
    });
    // The format carries it, and reading keeps it.
    const text = formatManifest(written);
    assert.match(text, /"saved": \{\n\s+"samples": 3,\n\s+"unknown": 0,\n\s+"requests": 2,/);
    assert.deepEqual(parseManifest(text).totals.saved, written.totals.saved);
    await model.store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Price: saved without a price has no cost; only the cache that draws from the provider saves", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const slice = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await collect(new Persistent(new CountingModel("m", 1), dir).sample(P), 2);
    const inner = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    const outer = new Persistent(inner, slice);
    await collect(outer.sample(P), 2);
    const [sliced, below] = manifest(outer).sequences;
    assert.equal(sliced!.saved, undefined, "the slice: not the layer that draws from the provider");
    assert.equal(below!.saved!.samples, 2);
    assert.ok(!("cost" in below!.saved!));
    assert.ok(!("cost" in manifest(outer).totals.saved!));
    // The cache below had them stored: hits of the slice too, which saved them as well.
    assert.equal(outer.stats.saved.samples, 2);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await Deno.remove(slice, { recursive: true });
  }
});

Deno.test("Price: the model view shows what a replay saved; samples without usage are named, not free", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await collect(
      new Persistent(new CountingModel("gpt-4o", 1, { maxBatch: 10 }), dir).sample(P, 10),
      10,
    );
    await new FsStore(dir).append({ model: "gpt-4o_1", hash: promptHash(Q) }, {
      from: 0,
      samples: ["red"],
      prompt: Q,
    });
    const cache = new Persistent(new CountingModel("gpt-4o", 1, { price: PRICE }), dir, {
      replication: true,
    });
    const model = new Repeatable(new Independent(cache));
    assert.doesNotMatch(String(modelView(model)), /saved/, "nothing served yet");

    await collect(model.sample(P), 4);
    await collect(model.sample(P), 4); // replays: hits of the outer cache, saved once
    const figures = stackFigures(model);
    assert.equal(figures.hits, 8);
    assert.deepEqual(figures.saved, cache.stats.saved, "the cache that draws from the provider");
    // One request of 10 drew them: the first 4 tenths of 35 prompt tokens are 4 + 3 + 4 + 3.
    assert.equal(figures.saved!.promptTokens, 14);
    const cost = formatCost(costOf(PRICE, 14, 4)!);
    const text = String(modelView(model));
    // Columns: since created, since last shown (the display above), saved.
    assert.deepEqual(figureRow(text, "hits"), ["8", "8"]);
    assert.deepEqual(figureRow(text, "prompt tokens"), ["0", "0", "14"], "spent, saved");
    assert.deepEqual(figureRow(text, "completion tokens"), ["0", "0", "4"]);
    assert.deepEqual(figureRow(text, "cost (USD)"), ["0", "0", cost]);
    assert.match(text, /^saved: what the 4 samples behind the 8 hits cost when they were drawn/m);

    await collect(model.sample(Q), 1);
    const again = String(modelView(model));
    assert.deepEqual(figureRow(again, "hits"), ["9", "1"]);
    assert.deepEqual(figureRow(again, "prompt tokens"), ["0", "0", "14"]);
    assert.match(again, /the 5 samples behind the 9 hits .*; 1 of unknown usage, not counted\)$/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
