import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { collect, Independent, promptHash, Repeatable } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import {
  answerChart,
  cacheOverview,
  escapeHtml,
  jupyter,
  type MimeBundle,
  modelView,
  progress,
  samplesTable,
  showSamples,
} from "../../notebooks/mod.ts";
import { progressBundle, progressLine } from "../../notebooks/_progress_display.ts";
import { CountingModel } from "../_support/mock_model.ts";

const EVIL = `<script>alert("x")</script> & 'q'`;
const DISPLAY = Symbol.for("Jupyter.display");

function assertBundle(bundle: MimeBundle): void {
  assert.equal(typeof bundle["text/html"], "string");
  assert.ok(bundle["text/plain"].length > 0, "text/plain is empty");
  const plain = bundle["text/plain"];
  assert.ok(!/<(div|table|span|svg|pre|details)\b/.test(plain), `markup in text/plain: ${plain}`);
  assert.ok(!plain.includes("&lt;"), "text/plain is HTML-escaped");
}

function assertEscaped(html: string): void {
  assert.ok(!html.includes("<script"), `unescaped <script> in ${html}`);
  assert.ok(html.includes("&lt;script&gt;"), "escaped script text missing");
  assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(html), "a bare & in HTML");
}

/** A provider whose every sample is `text`. */
class Constant extends CountingModel {
  #text: string;
  constructor(text: string, options: { maxBatch?: number } = {}) {
    super(EVIL, 1, { alias: EVIL, ...options });
    this.#text = text;
  }
  protected override async query(prompt: string, n: number): Promise<QueryResult> {
    const { samples, usage } = await this.draw(prompt, n);
    return { samples: samples.map((k) => `${this.#text} ${k}`), usage };
  }
}

Deno.test("escapeHtml: escapes the five special characters", () => {
  assert.equal(escapeHtml(`<>&"'`), "&lt;&gt;&amp;&quot;&#39;");
  assert.equal(escapeHtml("plain"), "plain");
});

Deno.test("modelView: views print their text/plain rendering in a terminal", () => {
  const chart = answerChart(["42", "42", "7"]);
  assert.equal(Deno.inspect(chart), chart.bundle()["text/plain"]);
  assert.equal(String(chart), chart.bundle()["text/plain"]);
});

Deno.test("jupyter: undefined outside the kernel, and does not throw", () => {
  assert.equal(jupyter(), undefined);
});

Deno.test("modelView: model stacks render themselves outside-in with their figures", async () => {
  const provider = new CountingModel("gpt-4o", 1, { maxBatch: 10 });
  const model = new Independent(new Repeatable(provider));
  await collect(model.sample("p", 10), 3);
  const bundle = (model as unknown as Record<symbol, () => MimeBundle>)[DISPLAY]!();
  assertBundle(bundle);
  const text = bundle["text/plain"];
  assert.match(text, /^Independent → Repeatable → CountingModel gpt-4o @ 1\n/);
  assert.match(text, /^CountingModel +gpt-4o @ 1, max batch 10 +10 +1$/m, "drawn, requests");
  assert.match(text, /^misses +3$/m, "three items of one fresh batch: three misses");
  assert.match(bundle["text/html"], /<table/);
  const figures = modelView(model).figures;
  assert.equal(figures.requests, 1);
  assert.equal(figures.fresh, 10);
  assert.deepEqual(figures.promptTokens, 1);
});

Deno.test("modelView: a Persistent layer shows its location, key and replication flag", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const model = new Persistent(new CountingModel("gpt-4o", 1), dir, { replication: true });
    const view = modelView(model);
    assert.ok(view.title.startsWith(`Persistent(${dir}) → CountingModel gpt-4o @ 1`));
    assert.match(String(view), /key gpt-4o_1, replication/);
    await model.store.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("modelView: escapes names and never throws on a custom model", () => {
  const view = modelView(new Repeatable(new Constant("x")));
  assertBundle(view.bundle());
  assertEscaped(view.bundle()["text/html"]);
  const custom = {
    name: "c",
    temperature: NaN,
    alias: "c",
    maxBatch: 1,
    sample: () => {
      throw new Error("unused");
    },
    totalQueryTime: () => {
      throw new Error("broken");
    },
    totalTokenCount: (): [number, number] => [0, 0],
  };
  assert.match(String(modelView(custom)), /Object c @ NaN/);
});

Deno.test("showSamples: the samples view tells cached from fresh samples and folds long ones", async () => {
  const model = new Repeatable(new Constant(EVIL + "\nline 2\nline 3\nline 4", { maxBatch: 4 }));
  await collect(model.sample("q", 4), 2);
  const view = await showSamples(model, EVIL, 0);
  assert.equal(view.rows.length, 0);
  const rows = (await showSamples(model, "q", 6, { batch: 4 })).rows;
  // 0 and 1 were served before (replays); 2 and 3 came with that first batch
  // but are served now for the first time: fresh, like 4 and 5.
  assert.deepEqual(rows.map((r) => r.origin), [
    "cache",
    "cache",
    "fresh",
    "fresh",
    "fresh",
    "fresh",
  ]);
  const samples = await showSamples(model, EVIL, 2);
  assertBundle(samples.bundle());
  const html = samples.bundle()["text/html"];
  assertEscaped(html);
  assert.match(html, /<details>/, "a four-line sample is folded");
  assert.match(html, /font-family:ui-monospace/);
  assert.match(samples.bundle()["text/plain"], /^<script>alert/, "plain text is not escaped");
});

Deno.test("showSamples: a bare provider's samples are all fresh", async () => {
  const rows = (await showSamples(new CountingModel(), "p", 3)).rows;
  assert.deepEqual(rows.map((r) => [r.index, r.text, r.origin]), [
    [0, "0", "fresh"],
    [1, "1", "fresh"],
    [2, "2", "fresh"],
  ]);
});

Deno.test("answerChart: counts answers, keeps ties in order and escapes labels", () => {
  const chart = answerChart(["42", " 42", "7", EVIL, "9", "9", "9"], { title: EVIL, top: 3 });
  assert.deepEqual(chart.counts.map((c) => [c.answer, c.count]), [
    ["9", 3],
    ["42", 2],
    ["7", 1],
    ["1 other answer", 1],
  ]);
  assert.equal(chart.total, 7);
  assert.equal(chart.distinct, 4);
  const bundle = chart.bundle();
  assertBundle(bundle);
  assert.match(bundle["image/svg+xml"]!, /<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.doesNotMatch(bundle["text/html"], /color:#|fill="#000/, "text follows the theme");
  assert.equal(bundle["image/svg+xml"], chart.svg());
  assertEscaped(bundle["text/html"]);
  const evil = answerChart([EVIL]).bundle()["text/html"];
  assertEscaped(evil);
  assert.match(bundle["text/plain"], /9 │█+ 3 \(43%\)/);
});

Deno.test("answerChart: an empty chart still renders", () => {
  const chart = answerChart([]);
  assertBundle(chart.bundle());
  assert.equal(chart.counts.length, 0);
});

Deno.test("cacheOverview: lists models × prompts × samples with sizes", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const store = new FsStore(dir);
    await store.append({ model: "gpt-4o_1", hash: promptHash(EVIL) }, {
      from: 0,
      samples: [EVIL, "b"],
      prompt: EVIL,
    });
    await store.append({ model: "a_0.5", hash: promptHash("x") }, { from: 0, samples: ["é"] });
    const overview = await cacheOverview(store);
    await store.close();
    assert.deepEqual(overview.models, ["a_0.5", "gpt-4o_1"]);
    assert.equal(overview.samples, 3);
    assert.equal(overview.sequences[0]!.bytes, 2);
    assert.ok(overview.diskBytes! >= EVIL.length + 3);
    const bundle = overview.bundle();
    assertBundle(bundle);
    assertEscaped(bundle["text/html"]);
    assert.match(bundle["text/plain"], /2 models · 2 prompts · 3 samples · \d+ B on disk/);
    assert.match(bundle["text/plain"], /\(prompt not recorded\)/);
    // A path is opened and closed by the overview itself.
    assert.equal((await cacheOverview(dir)).samples, 3);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("cacheOverview: sorts prompts naturally: 2 before 12", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const store = new FsStore(dir);
    for (const prompt of ["question 12", "question 2", "Question 1", "question 10"]) {
      await store.append({ model: "m_1", hash: promptHash(prompt) }, {
        from: 0,
        samples: ["a"],
        prompt,
      });
    }
    await store.append({ model: "m_1", hash: promptHash("unrecorded") }, {
      from: 0,
      samples: ["a"],
    });
    const overview = await cacheOverview(store);
    assert.deepEqual(overview.sequences.map((s) => s.prompt), [
      "Question 1",
      "question 2",
      "question 10",
      "question 12",
      undefined,
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("progress: yields the first total items and shows nothing outside a TTY or kernel", async () => {
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 5 }));
  const items = await collect(progress(model.sample("p", 5), 12, { model, label: EVIL }), 100);
  assert.equal(items.length, 12);
  const early = progress(model.sample("p"), 3);
  assert.equal((await early.next()).value, "0");
  await early.return?.();
});

Deno.test("progress: states render as one line and as an escaped bundle", () => {
  const running = { label: EVIL, done: 3, total: 10, elapsed: 1.5, finished: false };
  assert.match(progressLine(running), /30% 3\/10 · 2\.0\/s · 4 s left$/);
  assert.ok(!progressLine(running).includes("\n"));
  const done = { ...running, done: 10, finished: true, totals: "4 from cache, 6 fresh" };
  const bundle = progressBundle(done);
  assertBundle(bundle);
  assertEscaped(bundle["text/html"]);
  assert.match(bundle["text/html"], /data-progress="done"/);
  assert.match(
    bundle["text/plain"],
    /^✓ .*100% 10\/10 · 1\.50 s \(6\.7\/s\) · 4 from cache, 6 fresh$/,
  );
  assert.match(progressBundle(running)["text/html"], /data-progress="running"/);
});

Deno.test("samplesTable: shows prompts × first samples with their origin", async () => {
  const provider = new Constant(EVIL + "\nline 2\nline 3\nline 4", { maxBatch: 10 });
  const model = new Repeatable(provider);
  await collect(model.sample("b"), 2); // cached before the table
  const view = await samplesTable(model, ["a", "b", EVIL], 3);
  assert.deepEqual(view.prompts, ["a", "b", EVIL]);
  assert.deepEqual(view.rows.map((r) => r.map((s) => s.origin)), [
    ["fresh", "fresh", "fresh"],
    ["cache", "cache", "fresh"],
    ["fresh", "fresh", "fresh"],
  ]);
  assert.deepEqual(provider.requests, [1, 1, 3, 3, 3], "a prompt's missing samples: one batch");
  const bundle = view.bundle();
  assertBundle(bundle);
  assertEscaped(bundle["text/html"]);
  assert.match(bundle["text/html"], /<details>/, "a long sample is folded");
  assert.match(bundle["text/html"], /title="from cache" style="[^"]*border-left:3px solid #3f7fcf/);
  assert.match(bundle["text/html"], /title="fresh" style="[^"]*border-left:3px solid #e69f00/);
  const text = bundle["text/plain"];
  assert.match(text, /^prompt +0 +1 +2$/m);
  const cell = `<script>alert\\("x"\\)<\\/scri…`;
  assert.match(text, new RegExp(`^b +${cell} +${cell} +${cell} \\*$`, "m"), "the third is fresh");
  assert.match(text, /3 prompts × 3 samples · 2 from cache · 7 fresh \(\* fresh\)$/);
  // A replay: everything from the cache, no marks, no legend.
  const again = String(await samplesTable(model, ["a", "b"], 2));
  assert.match(again, /2 prompts × 2 samples · 4 from cache · 0 fresh$/);
  assert.doesNotMatch(again, /\*/);
});

Deno.test("samplesTable: checks every prompt before reading any", async () => {
  const provider = new CountingModel();
  const model = new Repeatable(provider);
  await assert.rejects(
    () => samplesTable(model, ["a", 42 as unknown as string], 2),
    (e: Error) =>
      e instanceof TypeError && /prompt must be a string or a chat .*, got 42/.test(e.message),
  );
  await assert.rejects(
    () => samplesTable(model, "a" as unknown as string[], 2).then(() => {}),
    /samplesTable: prompts must be a list of prompts, got "a"/,
  );
  await assert.rejects(() => samplesTable(model, ["a"], -1), RangeError);
  await assert.rejects(() => samplesTable(model, ["a"], 2, { batch: 0 }), /batch must be/);
  assert.deepEqual(provider.requests, [], "nothing was drawn");
  const empty = await samplesTable(model, [], 3);
  assert.match(String(empty), /0 prompts × 0 samples/);
  const none = await samplesTable(model, ["a"], 0);
  assert.deepEqual(none.rows, [[]]);
});

Deno.test("samplesTable: leaves cells empty where a stream ended early", async () => {
  const short = {
    name: "short",
    temperature: 0,
    alias: "short",
    maxBatch: 1,
    async *sample(prompt: string) {
      for (let i = 0; i < prompt.length; i++) yield `${prompt}${i}`;
    },
    totalQueryTime: () => 0,
    totalTokenCount: (): [number, number] => [0, 0],
  };
  const view = await samplesTable(short, ["ab", "abcd", "a"], 3);
  assert.deepEqual(view.rows.map((r) => r.length), [2, 3, 1]);
  assert.match(String(view), /^a +a0 \*$/m);
  assert.match(String(view), /3 prompts × 3 samples · 0 from cache · 6 fresh/);
});

Deno.test("answerChart: marks the expected answer, even a rare or absent one", () => {
  const samples = ["9", "9", "9", "42", "42", "7", "30"];
  const inTop = answerChart(samples, { expected: "42" });
  assert.equal(inTop.expected, "42");
  assert.match(String(inTop), /^ +42 │█+ 2 \(29%\) ✓ expected$/m);
  assert.match(String(inTop), /^ +9 │█+ 3 \(43%\)$/m, "other bars are not marked");
  assert.match(String(inTop), /expected 42: 2 of 7 \(29%\)$/);
  assert.match(inTop.svg(), /fill="#228833"/);

  // Outside the top bars: it keeps a bar of its own, taken out of "other".
  const rare = answerChart(samples, { expected: "30", top: 2 });
  assert.deepEqual(rare.counts.map((c) => [c.answer, c.count]), [
    ["9", 3],
    ["42", 2],
    ["30", 1],
    ["1 other answer", 1],
  ]);
  assert.match(String(rare), /^\s*30 │█+ 1 \(14%\) ✓ expected$/m);

  // Never given: a bar of 0, no rectangle.
  const absent = answerChart(samples, { expected: EVIL });
  assert.deepEqual(absent.counts.at(-1), { answer: EVIL, count: 0 });
  assert.match(String(absent), / │ 0 \(0%\) ✓ expected$/m);
  assert.match(String(absent), /expected <script>alert\("x"\)<\/sc…: 0 of 7 \(0%\)$/);
  const html = absent.bundle()["text/html"];
  assertEscaped(html);
  assert.equal(absent.svg().match(/<rect x=/g)?.length, 4, "four answers with samples, none for 0");

  // Without one nothing changes, and a number is refused with the fix.
  assert.doesNotMatch(String(answerChart(samples)), /expected/);
  assert.throws(
    () => answerChart(samples, { expected: 42 as unknown as string }),
    (e: Error) =>
      e instanceof TypeError && /expected must be a string.*String\(42\)/.test(e.message),
  );
  assert.match(String(answerChart([], { expected: "1" })), /0 samples .* expected 1: 0 of 0$/);
});

Deno.test("progress: with timing: false, time and rate are left out of the final display", async () => {
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 5 }));
  const stream = progress(model.sample("p", 5), 10, { model, label: "ten", timing: false });
  assert.equal((await stream.next()).value, "0");
  assert.equal(stream.state.timing, undefined, "live states keep their timing");
  await collect(stream, 9);
  const state = stream.state;
  assert.equal(state.timing, false);
  assert.ok(state.elapsed >= 0, "the state still knows the time");
  assert.equal(
    progressLine(state),
    "✓ ten ████████████████████ 100% 10/10 · 0 from cache, 10 fresh, 2 requests",
  );
  assert.match(
    progressBundle(state)["text/html"],
    />100% · 10 \/ 10 · 0 from cache, 10 fresh, 2 requests</,
  );
  // Stopped early, the final display says where, still without time.
  const stopped = progress(model.sample("p"), 10, { timing: false });
  await stopped.next();
  await stopped.return?.();
  assert.match(
    progressLine(stopped.state),
    /^■ sampling ██░+ 10% 1\/10 stopped$/,
  );
});

Deno.test({
  name: "progress: in the kernel, with timing: false it updates live with time, ends without",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    // A stand-in for the kernel's API: Deno.jupyter can be assigned, not redefined.
    const script = `
      const shown = [];
      Deno.jupyter = { display: (bundle, options) => { shown.push({ bundle, options }); } };
      const { collect, Repeatable } = await import("./mod.ts");
      const { progress } = await import("./notebooks/mod.ts");
      const { CountingModel } = await import("./tests/_support/mock_model.ts");
      const model = new Repeatable(new CountingModel("m", 1, { latency: 5 }));
      await collect(progress(model.sample("p"), 4, { model, interval: 0, timing: false }), 4);
      console.log(JSON.stringify(shown));
    `;
    const output = await new Deno.Command("deno", {
      args: ["eval", "--no-config", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const shown = JSON.parse(new TextDecoder().decode(output.stdout)) as {
      bundle: MimeBundle;
      options: { update: boolean; display_id: string };
    }[];
    assert.ok(shown.length >= 3, `${shown.length} displays`);
    assert.equal(new Set(shown.map((s) => s.options.display_id)).size, 1, "one output, updated");
    assert.deepEqual(shown.map((s) => s.options.update), [
      false,
      ...Array(shown.length - 1).fill(true),
    ]);
    const live = shown.slice(0, -1).map((s) => s.bundle["text/plain"]);
    assert.ok(live.slice(1).every((t) => / · [\d.]+\/s · \d+ s left/.test(t)), `live: ${live}`);
    const last = shown.at(-1)!.bundle;
    assert.equal(
      last["text/plain"],
      "✓ sampling ████████████████████ 100% 4/4 · 0 from cache, 4 fresh, 4 requests",
    );
    assert.doesNotMatch(last["text/html"], /\d s\b/);
  },
});
