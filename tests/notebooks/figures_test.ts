// One definition of hits and misses everywhere (Repeatable.stats, the model
// view, progress, showSamples): a hit was stored before the model drew it; an
// item of the model's own fresh draws is a miss, the whole batch; hits +
// misses = items served.

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import {
  type CacheStats,
  collect,
  Independent,
  type Model,
  promptHash,
  Repeatable,
  take,
} from "../../mod.ts";
import { figuresOf, infoOf } from "../../core/accounting.ts";
import {
  figureCells,
  formatFigures,
  modelView,
  progress,
  showSamples,
  stackFigures,
} from "../../notebooks/mod.ts";
import { plainDisplay } from "../../core/display.ts";
import { progressBundle, progressLine } from "../../notebooks/_progress_display.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { assertFigureRows, figureRow } from "../_support/figure_rows.ts";

const PROMPT = "Choose a number between 1 and 1000.";

/** Hits, misses and draws, without what the hits saved. */
function counts({ saved: _, ...rest }: Readonly<CacheStats>): Omit<CacheStats, "saved"> {
  return rest;
}

async function withCache(seeded: number, fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const seeds = Array.from({ length: seeded }, (_, i) => `cached ${i}`);
    if (seeded > 0) {
      await new FsStore(dir).append({ model: "m_1", hash: promptHash(PROMPT) }, {
        from: 0,
        samples: seeds,
        prompt: PROMPT,
      });
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("figuresOf: 200 samples in batches of 10 with 10 cached: every figure says 10 hits, 190 misses", () =>
  withCache(10, async (dir) => {
    const provider = new CountingModel("m", 1, { maxBatch: 10 });
    const model = new Persistent(provider, dir);
    const stream = progress(model.sample(PROMPT, 10), 200, { model });
    assert.equal((await collect(stream, 200)).length, 200);
    assert.deepEqual(counts(model.stats), { hits: 10, misses: 190, drawn: 190 });
    const figures = stackFigures(model);
    assert.deepEqual([figures.hits, figures.misses, figures.requests], [10, 190, 19]);
    const text = String(modelView(model));
    assert.deepEqual(["hits", "misses", "requests"].map((r) => figureRow(text, r)[0]), [
      "10",
      "190",
      "19",
    ]);
    assert.equal(stream.state.totals, "10 from cache, 190 fresh, 19 requests");
    assert.match(progressLine(stream.state), /^✓ /);

    // A new model object over the same folder: what the first one stored is a hit.
    const again = new Persistent(provider, dir);
    const view = await showSamples(again, PROMPT, 205, { batch: 10 });
    const origins = view.rows.map((r) => r.origin);
    assert.deepEqual(origins.slice(0, 200), Array(200).fill("cache"));
    assert.deepEqual(origins.slice(200), Array(5).fill("fresh"), "the whole new batch is fresh");
    assert.match(String(view), /205 samples · 200 from cache · 5 fresh/);
    assert.deepEqual(counts(again.stats), { hits: 200, misses: 5, drawn: 10 });
    // What the 200 hits cost when drawn: 19 requests of 10 (the 10 seeded have no usage).
    const { queryTime, ...saved } = again.stats.saved;
    assert.deepEqual(saved, {
      samples: 200,
      unknown: 10,
      requests: 19,
      promptTokens: 19 * PROMPT.length,
      completionTokens: 190,
    });
    assert.ok(queryTime >= 0);
  }));

Deno.test("figuresOf: replays are hits; the unread rest of a batch is a miss when first served", async () => {
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 10 }));
  await collect(model.sample(PROMPT, 10), 4);
  assert.deepEqual(counts(model.stats), { hits: 0, misses: 4, drawn: 10 });
  await collect(model.sample(PROMPT, 10), 12);
  assert.deepEqual(counts(model.stats), { hits: 4, misses: 12, drawn: 20 });
  // Served through Independent, the items are still served by the cache.
  await collect(new Independent(model).sample(PROMPT), 3);
  assert.deepEqual(counts(model.stats), { hits: 7, misses: 12, drawn: 20 });
});

Deno.test("figuresOf: in a sliced cache, what the inner cache held is a hit of the outer one", () =>
  withCache(10, async (dir) => {
    const slice = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      const inner = new Persistent(new CountingModel("m", 1, { maxBatch: 5 }), dir);
      const outer = new Persistent(inner, slice);
      assert.equal((await collect(outer.sample(PROMPT, 5), 15)).length, 15);
      assert.deepEqual(counts(outer.stats), { hits: 10, misses: 5, drawn: 15 });
      assert.deepEqual(counts(inner.stats), { hits: 10, misses: 5, drawn: 5 });
      const text = String(modelView(outer));
      assert.deepEqual(["hits", "misses", "requests"].map((r) => figureRow(text, r)[0]), [
        "10",
        "5",
        "1",
      ]);
      const view = await showSamples(new Persistent(inner, slice), PROMPT, 16, { batch: 5 });
      assert.match(String(view), /16 samples · 15 from cache · 1 fresh/);
    } finally {
      await Deno.remove(slice, { recursive: true });
    }
  }));

Deno.test("figuresOf: hits + misses = items served, whatever the batches and streams", async () => {
  for (let round = 0; round < 20; round++) {
    const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 1 + (round % 7) }));
    let served = 0;
    const reads: Promise<string[]>[] = [];
    for (let k = 0; k < 6; k++) {
      const n = (round * 7 + k * 5) % 13;
      served += n;
      reads.push(collect(model.sample(PROMPT, 1 + ((round + k) % 9)), n));
    }
    await Promise.all(reads);
    const { hits, misses, drawn } = model.stats;
    assert.equal(hits + misses, served, `round ${round}`);
    assert.ok(misses <= drawn, `round ${round}: a miss is one of the drawn samples`);
  }
});

Deno.test("progress: after a break it says it stopped, with counts that add up", () =>
  withCache(10, async (dir) => {
    const model = new Persistent(new CountingModel("m", 1, { maxBatch: 10 }), dir);
    const it = model.sample(PROMPT, 10);
    const stream = progress(it, 200, { model });
    let n = 0;
    for await (const _ of stream) if (++n === 57) break;
    const state = stream.state;
    assert.equal(state.done, 57);
    assert.equal(state.finished, true);
    assert.equal(state.stopped, true);
    assert.equal(state.totals, "10 from cache, 47 fresh, 5 requests");
    const line = progressLine(state);
    assert.doesNotMatch(line, /✓/);
    assert.match(line, /28% 57\/200 stopped · /);
    assert.match(progressBundle(state)["text/html"], /data-progress="stopped"/);
    // The stream itself was not closed by the progress display.
    assert.deepEqual(await collect(take(it, 2), 2), ["47", "48"]);
  }));

Deno.test("progress: over a stack without a cache, every item counts as fresh", async () => {
  const model = new CountingModel("m", 1, { maxBatch: 4 });
  const stream = progress(model.sample(PROMPT, 4), 6, { model });
  await collect(stream, 6);
  assert.equal(stream.state.totals, "0 from cache, 6 fresh, 2 requests");
});

Deno.test("modelView: a model shown twice shows what happened between the two displays", () =>
  withCache(10, async (dir) => {
    const display = Symbol.for("Jupyter.display");
    const show = (m: object) =>
      (m as Record<symbol, () => Record<string, string>>)[display]!()["text/plain"]!;
    const provider = new CountingModel("m", 1, { maxBatch: 10, price: { input: 0, output: 50 } });
    const model = new Persistent(provider, dir);
    const first = show(model);
    assert.deepEqual(figureRow(first, "hits"), ["0"]);
    assert.deepEqual(figureRow(first, "requests"), ["0"]);
    assert.doesNotMatch(first, /since last shown/, "nothing to compare the first display with");

    await collect(model.sample(PROMPT, 10), 30); // 10 hits, 20 fresh in 2 requests
    const second = show(model);
    assert.match(second, /^figure +since created +since last shown +saved$/m);
    assert.deepEqual(figureRow(second, "hits"), ["10", "10"]);
    assert.deepEqual(figureRow(second, "misses"), ["20", "20"]);
    assert.deepEqual(figureRow(second, "requests").slice(0, 2), ["2", "2"]);
    assert.deepEqual(figureRow(second, "prompt tokens").slice(0, 2), ["70", "70"]);
    assert.deepEqual(figureRow(second, "cost (USD)").slice(0, 2), ["0.00100", "0.00100"]);
    assert.match(second, /saved: what the 10 samples behind the 10 hits .*all of unknown usage/);
    await collect(model.sample(PROMPT), 5); // replays only
    const third = show(model);
    assert.deepEqual(figureRow(third, "hits"), ["15", "5"]);
    assert.deepEqual(figureRow(third, "misses"), ["20", "0"]);
    assert.deepEqual(figureRow(third, "cost (USD)").slice(0, 2), ["0.00100", "0"]);
    // Each model object keeps its own last display.
    const other = new Repeatable(provider);
    assert.doesNotMatch(show(other), /since last shown/);
    // The view holds the figures it shows.
    const view = modelView(model);
    assert.deepEqual([view.sinceShown?.hits, view.sinceShown?.misses], [0, 0]);
    await model.store.close();
  }));

Deno.test("stackFigures: (model, since) gives the figures of one step, cost included", async () => {
  const provider = new CountingModel("m", 1, { maxBatch: 5, price: { input: 1, output: 1 } });
  const model = new Repeatable(provider);
  await collect(model.sample(PROMPT, 5), 5);
  const before = stackFigures(model);
  await collect(model.sample(PROMPT, 5), 8);
  const step = stackFigures(model, before);
  assert.deepEqual(
    [step.hits, step.misses, step.fresh, step.requests, step.promptTokens, step.completionTokens],
    [5, 3, 5, 1, PROMPT.length, 5],
  );
  assert.ok(Math.abs(step.cost! - (PROMPT.length + 5) / 1e6) < 1e-15);
  assert.ok(step.queryTime >= 0);
  // Without a price there is no cost, before or after.
  const free = new Repeatable(new CountingModel("m", 1));
  assert.equal(stackFigures(free, stackFigures(free)).cost, undefined);
});

Deno.test("figuresOf: one Figures for a stack: its cache's hits and misses, what its provider spent, what it saved", () =>
  withCache(4, async (dir) => {
    const provider = new CountingModel("m", 1, { maxBatch: 3, price: { input: 2, output: 8 } });
    const model = new Independent(new Persistent(provider, dir));
    await collect(model.sample(PROMPT, 3), 7);
    const figures = figuresOf(model);
    const cache = infoOf(model.inner).figures;
    assert.deepEqual(
      [figures.hits, figures.misses, figures.fresh],
      [cache.hits, cache.misses, cache.drawn],
    );
    assert.deepEqual([figures.hits, figures.misses], [4, 3]);
    const { samples: _, ...spent } = provider.stats;
    assert.deepEqual(
      {
        requests: figures.requests,
        retries: figures.retries,
        promptTokens: figures.promptTokens,
        completionTokens: figures.completionTokens,
        cost: figures.cost,
        queryTime: figures.queryTime,
      },
      spent,
    );
    assert.equal(figures.currency, "USD");
    assert.deepEqual(figures.saved, (model.inner as Persistent).stats.saved);
  }));

Deno.test("figuresOf: tokens and time are the stack's totalTokenCount() and totalQueryTime(), whatever its layers say", async () => {
  const provider = new CountingModel("m", 1, { maxBatch: 2, price: { input: 1, output: 1 } });
  // A model of one's own that wraps another without saying so (no `inner`, no modelInfo).
  const hidden: Model = {
    name: "m",
    temperature: 1,
    alias: "m",
    maxBatch: 2,
    sample: (prompt, batch) => provider.sample(prompt, batch),
    totalQueryTime: () => provider.totalQueryTime(),
    totalTokenCount: () => provider.totalTokenCount(),
  };
  const model = new Repeatable(hidden);
  await collect(model.sample(PROMPT, 2), 3);
  for (const figures of [figuresOf(model), stackFigures(model)]) {
    assert.deepEqual(
      [figures.promptTokens, figures.completionTokens],
      model.totalTokenCount(),
      "the tokens the stack says it used",
    );
    assert.equal(figures.queryTime, model.totalQueryTime());
    assert.deepEqual([figures.hits, figures.misses], [0, 3]);
  }
  assert.deepEqual(model.totalTokenCount(), [2 * PROMPT.length, 4]);
});

Deno.test("figuresOf: a display never throws: totals that cannot be read count 0", () => {
  const broken: Model = {
    name: "b",
    temperature: 0,
    alias: "b",
    maxBatch: 1,
    sample: () => new CountingModel().sample("x"),
    totalQueryTime: () => {
      throw new Error("no clock");
    },
    totalTokenCount: () => [Number.NaN, "7"] as unknown as [number, number],
  };
  const figures = figuresOf(new Repeatable(broken));
  assert.deepEqual(
    [figures.promptTokens, figures.completionTokens, figures.queryTime, figures.requests],
    [0, 0, 0, 0],
  );
  assert.equal(figures.cost, undefined);
});

Deno.test("figuresOf: with since, each figure minus its value then; a cost and saved only when both have them", async () => {
  const provider = new CountingModel("m", 1, {
    maxBatch: 5,
    price: { input: 1, output: 1, currency: "CNY" },
  });
  const model = new Repeatable(provider);
  await collect(model.sample(PROMPT, 5), 5);
  const before = figuresOf(model);
  await collect(model.sample(PROMPT, 5), 8);
  const step = figuresOf(model, before);
  assert.deepEqual(
    [step.hits, step.misses, step.fresh, step.requests, step.promptTokens, step.completionTokens],
    [5, 3, 5, 1, PROMPT.length, 5],
  );
  assert.equal(step.currency, "CNY");
  assert.equal(step.saved!.samples, figuresOf(model).saved!.samples - before.saved!.samples);
  const { cost: _, saved: __, ...old } = before;
  const noCost = figuresOf(model, old);
  assert.equal(noCost.cost, undefined);
  assert.equal(noCost.saved, undefined);
  assert.equal(noCost.hits, figuresOf(model).hits - before.hits);
});

Deno.test("stackFigures: the deprecated name of figuresOf, the very same function", () => {
  assert.equal(stackFigures, figuresOf);
});

Deno.test("plainDisplay: without the notebooks, a stack shows its layers and the formatter's figures", async () => {
  const provider = new CountingModel("m", 1, { maxBatch: 4, price: { input: 0.1, output: 0.2 } });
  const model = new Independent(new Repeatable(provider));
  await collect(model.sample(PROMPT, 4), 3);
  await collect(new Repeatable(provider).sample(PROMPT), 1);
  const text = plainDisplay(model)["text/plain"]!;
  const [title, ...figures] = text.split("\n");
  assert.equal(title, "Independent → Repeatable in memory → CountingModel m @ 1, max batch 4");
  assert.equal(figures.join("\n"), formatFigures(figuresOf(model)));
  assertFigureRows(text, [figuresOf(model)]);
});

Deno.test("modelView: its figures are the formatter's rows: since created, since last shown, saved", () =>
  withCache(0, async (dir) => {
    const price = { input: 3, output: 15, currency: "EUR" };
    await collect(
      new Persistent(new CountingModel("m", 1, { maxBatch: 4 }), dir).sample(PROMPT, 4),
      4,
    );
    const model = new Persistent(new CountingModel("m", 1, { maxBatch: 4, price }), dir);
    modelView(model);
    await collect(model.sample(PROMPT, 4), 7);
    const view = modelView(model);
    const saved = { ...view.figures.saved!, currency: "EUR" };
    assert.ok(saved.samples > 0 && view.sinceShown !== undefined);
    assertFigureRows(String(view), [view.figures, view.sinceShown, saved]);
    await model.store.close();
  }));

Deno.test("progress: the totals show requests and cost as the formatter does", async () => {
  const price = { input: 10_000, output: 40_000, currency: "EUR" };
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 5, price }));
  const stream = progress(model.sample(PROMPT, 5), 10, { model, quiet: true });
  await collect(stream, 10);
  const cells = figureCells(figuresOf(model));
  const cell = (name: string) => cells.find((c) => c.name === name)!;
  assert.equal(
    stream.state.totals,
    `0 from cache, 10 fresh, ${cell("requests").text} requests, ` +
      `cost ${cell("cost").text} ${cell("cost").unit}`,
  );
  assert.equal(cell("cost").unit, "EUR");
});

Deno.test("figuresOf: the hit rate is hits / (hits + misses), of the step too; none while nothing was served", async () => {
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 4 }));
  assert.equal(figuresOf(model).hitRate, undefined, "no item served: no rate, not 0");
  await collect(model.sample(PROMPT, 4), 4); // 4 misses
  const before = figuresOf(model);
  assert.equal(before.hitRate, 0);
  await collect(model.sample(PROMPT, 4), 5); // 4 hits, 1 miss
  assert.equal(figuresOf(model).hitRate, 4 / 9);
  assert.equal(figuresOf(model, before).hitRate, 4 / 5, "the step's own rate, not a difference");
  assert.equal(figuresOf(model, figuresOf(model)).hitRate, undefined);
  assert.equal(figuresOf(new CountingModel()).hitRate, undefined, "no cache: nothing is a hit");
  const cell = figureCells(figuresOf(model)).find((c) => c.name === "hitRate");
  assert.ok(cell !== undefined && cell.value === 4 / 9, "shown, with every digit in the data");
  assertFigureRows(String(modelView(model)), [figuresOf(model)]);
});
