// Issue 22: displays a researcher reads at a glance, that survive a render
// without styles or SVG (GitHub's and nbconvert's sanitizers), with one
// meaning per colour and a mark beside every colour.

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { type Attempt, collect, majority, promptHash, Repeatable } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { plainDisplay } from "../../core/display.ts";
import {
  AnswerChart,
  answerChart,
  AttemptsView,
  cacheOverview,
  type MimeBundle,
  modelView,
  resultsTable,
  SamplesTable,
  SamplesView,
  stackFigures,
} from "../../notebooks/mod.ts";
import { progressBundle, progressLine } from "../../notebooks/_progress_display.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/**
 * What a sanitizer leaves readable: the HTML with `<svg>`, `<style>`, style
 * attributes and every tag removed (tags separate nothing: "a</span><span>b"
 * reads "ab"), entities decoded.
 */
function sanitizedText(html: string): string {
  return html
    .replace(/<svg\b[\s\S]*?<\/svg>/g, "")
    .replace(/<style\b[\s\S]*?<\/style>/g, "")
    .replace(/<\/(td|th|tr|div|p|summary|pre|li)>|<br\s*\/?>/g, "\n")
    .replace(/<[^>]+>/g, "")
    .replace(/&nbsp;/g, " ").replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

const MARKS = ["✓", "✗", "*", "↺", "■", "="];

/**
 * Every word and number of the text rendering (but those cut by an
 * ellipsis) is a word of the sanitized HTML, and every mark of the text is
 * there as often.
 */
function assertSurvivesSanitizer(bundle: MimeBundle, what: string): void {
  const text = sanitizedText(bundle["text/html"]);
  const plain = bundle["text/plain"];
  const words = plain.split(/[^\p{L}\p{N}.%,]+/u).filter((w) => w !== "");
  for (const raw of new Set(words)) {
    const word = raw.replace(/^[.,]+|[.,]+$/g, "");
    if (word === "" || new RegExp(`${escape(word)}…`).test(plain)) continue;
    const alone = new RegExp(`(^|[^\\p{L}\\p{N}])${escape(word)}($|[^\\p{L}\\p{N}])`, "u");
    assert.match(text, alone, `${what}: "${word}" is not a word of the sanitized HTML:\n${text}`);
  }
  for (const mark of MARKS) {
    const inPlain = plain.split(mark).length - 1;
    const inText = text.split(mark).length - 1;
    assert.ok(inText >= inPlain, `${what}: ${inPlain} × "${mark}" in text, ${inText} sanitized`);
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

class Priced extends CountingModel {
  protected override async query(prompt: string, n: number): Promise<QueryResult> {
    const { samples } = await this.draw(prompt, n);
    return { samples, usage: { promptTokens: 1234, completionTokens: 7 * n } };
  }
}

Deno.test("modelView: issue 22 item 2: every view reads the same without styles or SVG", async () => {
  const model = new Repeatable(new Priced("gpt-4o", 1, { price: { input: 2.5, output: 10 } }));
  await collect(model.sample("p", 3), 3);
  const views: [string, MimeBundle][] = [
    ["model view", modelView(model).bundle()],
    [
      "samples table",
      new SamplesTable(["Pick"], [[
        { index: 0, text: "42", origin: "cache" },
        { index: 1, text: "7", origin: "fresh" },
      ]]).bundle(),
    ],
    ["samples view", new SamplesView("Pick", [{ index: 0, text: "7", origin: "fresh" }]).bundle()],
    ["answer chart", answerChart(["10", "30", "30", "10", "x"], { expected: "30" }).bundle()],
    [
      "progress",
      progressBundle({
        label: "40 samples",
        done: 40,
        total: 40,
        elapsed: 2,
        finished: true,
        cached: 40,
        totals: "40 from cache, 0 fresh, 0 requests",
        timing: false,
      }),
    ],
    ["results", resultsTable([{ k: 1, "pass@k": 0.5666, ok: true }]).bundle()],
  ];
  for (const [what, bundle] of views) assertSurvivesSanitizer(bundle, what);
  // The progress text no longer runs together ("✓ 40 samples40 / 40").
  assert.doesNotMatch(sanitizedText(views[4]![1]["text/html"]), /samples40/);
});

Deno.test("answerChart: issue 22 item 2: its SVG is a standalone image: title, fixed colours", () => {
  const svg = answerChart(["a", "b", "a"], { title: "Votes" }).svg();
  assert.match(svg, /^<svg [^>]*><title>Votes<\/title>/);
  assert.doesNotMatch(svg, /currentColor/);
  assert.match(svg, /<rect width="100%" height="100%" fill="#ffffff"\/>/, "its own background");
});

Deno.test("showSamples: issue 22 item 3: the samples table's legend is inline; marks beside colours", () => {
  const prompt = "Write a JavaScript function that reverses a string, explain it, and test it.";
  const view = new SamplesTable([prompt], [[
    { index: 0, text: "x".repeat(71), origin: "cache" },
    { index: 1, text: "7", origin: "fresh" },
  ]]);
  const html = view.bundle()["text/html"];
  const legendHtml = html.slice(html.indexOf("<span data-legend"));
  assert.ok(html.includes("<span data-legend"), "a legend");
  assert.doesNotMatch(legendHtml.slice(0, legendHtml.indexOf("</span></span>")), /<div/);
  assert.match(html, /title="from cache"[^>]*>.*↺/s, "a cached sample carries ↺");
  assert.match(html, /title="fresh"[^>]*><span [^>]*>\*<\/span>/, "a fresh sample carries *");
  assert.match(html, /\(71\u00a0chars\)/, "the count does not break");
  assert.match(html, /<summary style="[^"]*white-space:nowrap/, "a folded preview: one line");
  assert.match(html, /<col style="width:28%">/, "the prompt column keeps its width");
});

const failed = (index: number, reason: string, excerpt: string): Attempt => ({
  index,
  response: excerpt,
  ok: false,
  stage: "parse",
  reason: `${reason} (text there: ${JSON.stringify(excerpt)})`,
  excerpt,
  error: undefined,
});

Deno.test("showAttempts: issue 22 item 4: attempts read plainly, counted from 1, caption once", () => {
  const excerpt = '{"depart": "14:35", "arrive": "17:10",}';
  const passing = `Here you are:\n${"```json"}\n{"depart": "14:35", "arrive": "17:10"}\n${"```"}` +
    "\n".repeat(4);
  const view = new AttemptsView([
    failed(0, "expected JSON at offset 8: Expected double-quoted property name", excerpt),
    { index: 1, response: passing, ok: true, value: { depart: "14:35" } },
  ]);
  const { "text/html": html, "text/plain": text } = view.bundle();
  assert.doesNotMatch(html, /\\&quot;|\\"/, "no backslash-escaped JSON");
  assert.doesNotMatch(text, /\\"/);
  assert.ok(html.includes(`text there: <code`), "the excerpt apart, as text");
  assert.doesNotMatch(html, /word-break:break-word/, "words are not broken in the middle");
  assert.match(html, /<col style="width:36%"><col>/, "the response column takes the rest");
  assert.match(html, /<details open>/, "the passing response is shown unfolded");
  assert.equal(html.split("2 attempts · passed on attempt 2").length - 1, 1, "caption once");
  assert.match(text, /^2 attempts · passed on attempt 2$/m);
  assert.match(text, /Expected double-quoted property .*\n +name\n +text there: \{"depart"/);
});

Deno.test("answerChart: issue 22 item 5: labels fit, no answer apart, shares, ties", () => {
  const long = "a rather long answer that would never fit in the label column of a chart";
  const chart = answerChart(
    [long, long, "10", "30", "30", "10", "bad", ...Array.from({ length: 13 }, (_, i) => `x${i}`)],
    { answer: (s) => s === "bad" ? undefined : s, top: 3 },
  );
  const svg = chart.svg();
  const labelX = Number(svg.match(/<text x="([\d.]+)"[^>]*text-anchor="end"/)![1]);
  const longest = Math.max(...chart.counts.map((c) => Math.min(29, [...c.answer].length)));
  assert.ok(labelX >= longest * 7.2, `labels end at x=${labelX}: ${longest} characters fit`);
  assert.deepEqual(chart.counts.at(-1), { answer: "no answer", count: 1, kind: "none" });
  assert.match(svg, new RegExp(`fill="#9aa0a6"`), "no answer: grey, not an answer's colour");
  assert.match(svg, /samples \(of 20\)<\/text>/, "an axis title");
  const text = String(chart);
  assert.match(text, /^ *answer │ samples \(share\)$/m);
  assert.match(text, /^ +13 other answers │█+ 13 \(65%\)$/m, "answers and samples apart");
  assert.match(text, / 2 \(10%\) = tie$/m, "a tie for the most is marked");
  assert.match(text, /tie for the most: a rather long answer t… = 10 = 30$/);
  assert.match(text, /^ +\(no answer\) │█+ 1 \(5%\)$/m);
  assert.match(chart.bundle()["text/html"], /<th align="right"[^>]*>share<\/th>/);
});

Deno.test("modelView: issue 22 item 6: numeric columns with units and a currency", async () => {
  const provider = new Priced("gpt-4o", 1, { price: { input: 2.5, output: 10, currency: "EUR" } });
  const model = new Repeatable(provider);
  await collect(model.sample("p", 2), 2);
  modelView(model);
  await collect(model.sample("p", 2), 3);
  const { "text/html": html, "text/plain": text } = modelView(model).bundle();
  assert.doesNotMatch(html, /<th[^>]*><\/th>/, "no column without a header");
  assert.doesNotMatch(text, /hits \d+, misses \d+/, "no prose in cells");
  assert.match(html, /<th[^>]*>configuration<\/th>/, "every layer column has a header");
  assert.match(text, /^cost \(EUR\) +0\.\d+ +0\.\d+$/m, "cost in its own column, with a currency");
  assert.match(text, /^prompt tokens +3,702 +1,234$/m, "one name for tokens, thousands apart");
  assert.doesNotMatch(text, /tokens \d+\/\d+/);
  assert.doesNotMatch(html, / · tokens /, "no footer of figures joined by ·");
  assert.match(html, /<td align="right"[^>]*>3,702<\/td>/);
});

Deno.test("modelView: issue 22 item 6: saved figures explained; figures shown without float noise", async () => {
  await withTempDir(async (dir) => {
    const price = { input: 0.1, output: 0.2 };
    await collect(new Persistent(new Priced("m", 1, { price }), dir).sample("p", 3), 3);
    const replay = new Persistent(new Priced("m", 1, { price }), dir, { replication: true });
    await collect(replay.sample("p"), 3);
    await collect(replay.sample("p"), 3);
    const text = String(modelView(replay));
    assert.match(text, /saved: what the 3 samples behind the 6 hits cost when they were drawn/);
    await replay.store.close();
  });
  const provider = new Priced("m", 1, { price: { input: 0.1, output: 0.2 } });
  const model = new Repeatable(provider);
  const before = stackFigures(model);
  await collect(model.sample("q", 3), 3);
  const step = stackFigures(model, before);
  assert.match(Deno.inspect(step), /cost: 0\.0003744,/);
  assert.equal(step.cost, (3702 * 0.1 + 21 * 0.2) / 1e6, "the data keeps every digit");
  // The core's own display (no notebooks renderer) rounds too.
  const plain = plainDisplay(provider)["text/plain"]!;
  assert.doesNotMatch(plain, /\d{8,}/, `no float noise: ${plain}`);
});

Deno.test("cacheOverview: issue 22 item 7: numbers right, prompt tooltip, rows add up", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    const prompt = "A prompt long enough to be cut in the overview, " + "word ".repeat(20);
    await store.append({ model: "m_1", hash: promptHash(prompt) }, {
      from: 0,
      samples: ["1", "2"],
      prompt,
    });
    await store.append({ model: "m_1", hash: promptHash("short") }, {
      from: 0,
      samples: ["3"],
      prompt: "short",
    });
    await Deno.writeTextFile(`${dir}/notes.txt`, "x".repeat(100));
    const overview = await cacheOverview(store);
    await store.close();
    const { "text/html": html, "text/plain": text } = overview.bundle();
    assert.match(html, /<td align="right"[^>]*>2<\/td>/, "samples right-aligned");
    assert.ok(html.includes(`title="${prompt}`), "the tooltip is the prompt's text");
    const rows = overview.sequences.reduce((n, s) => n + s.diskBytes!, 0);
    assert.ok(rows > 3, "a prompt's size on disk counts more than its samples' text");
    assert.equal(overview.diskBytes, rows + 100, "the rest are the files outside prompt folders");
    assert.match(text, /\(other files: locks, metadata\) +100 B/);
  });
});

Deno.test("progress: issue 22 item 8: shows %, rate, time left; stopped says it once", () => {
  const running = { label: "x", done: 19, total: 40, elapsed: 9.5, finished: false, cached: 10 };
  const html = progressBundle(running)["text/html"];
  assert.match(html, /47% · 19 \/ 40 · 2\.0\/s · 11 s left · 10 from cache, 9 fresh/);
  assert.match(progressLine(running), /47% 19\/40 · 2\.0\/s · 11 s left/);
  const stopped = { ...running, finished: true, stopped: true, done: 10 };
  assert.equal(progressLine(stopped).split("10/40").length - 1, 1, progressLine(stopped));
  assert.doesNotMatch(progressLine(stopped), /stopped at/);
  // The bar sits after fixed slots for the mark and the label.
  const long = progressBundle({ ...running, label: "a much longer label than the others" });
  assert.match(long["text/html"], /width:1\.2em.*width:12em;overflow:hidden/s);
  // Orange means fresh only: a stopped bar is not orange.
  assert.doesNotMatch(
    progressBundle({
      label: "x",
      done: 10,
      total: 40,
      elapsed: 9.5,
      finished: true,
      stopped: true,
    })[
      "text/html"
    ],
    /#e69f00/,
  );
});

Deno.test("showSamples: issue 22 item 9: previews code, keeps the whole prompt, one column order", () => {
  const prompt = "Write a JavaScript function `isPalindrome(s)` that returns true when the " +
    "string reads the same forwards and backwards, ignoring case and any character that is not " +
    "a letter or a digit. Reply with the code in one ```js block.";
  const view = new SamplesView(prompt, [
    {
      index: 0,
      text: "```js\nfunction isPalindrome(s) {\n  return true;\n}\n```",
      origin: "cache",
    },
  ]);
  const { "text/html": html, "text/plain": text } = view.bundle();
  assert.match(text, /\[js\] function isPalindrome\(s\) \{…/);
  assert.doesNotMatch(text, /```js…/);
  assert.ok(text.replace(/\n/g, " ").includes("a letter or a digit. Reply with the code"), "whole");
  assert.ok(html.includes(`title="${prompt.replaceAll("`", "`")}"`), "and in a tooltip");
  const headerOf = (s: string) => s.match(/>(#|from|sample)</g)?.join("");
  assert.equal(headerOf(html), ">#<>from<>sample<");
  assert.match(text, /^# {2}from +sample$/m);
});

Deno.test("resultsTable: issue 22 item 10: formats votes, ties and intervals", () => {
  const view = resultsTable([
    {
      answer: 30,
      vote: majority(["10", "30", "30", "10"]),
      mean: { estimate: 0.567, low: 0.49, high: 0.65, confidence: 0.95, resamples: 10000 },
    },
  ]);
  const text = String(view);
  assert.match(text, /10 = 30 \(tie, 2 of 4 votes each\)/);
  assert.match(text, /0\.57 \[0\.49, 0\.65\]/);
  assert.match(text, /mean \(95% CI\)/);
  assert.doesNotMatch(text, /\(idx\)|"/);
  assert.throws(() => resultsTable(42 as never), /rows must be a list of objects, got 42/);
  assert.throws(() => resultsTable([1] as never), /row 0 must be an object/);
  assert.throws(() => resultsTable([], { digits: -1 }), RangeError);
});

Deno.test("resultsTable: issue 22 item 10: the shipped notebooks use it, not console.table", async () => {
  for await (const entry of Deno.readDir("notebooks")) {
    if (!entry.name.endsWith(".ipynb")) continue;
    const source = (JSON.parse(await Deno.readTextFile(`notebooks/${entry.name}`)) as {
      cells: { source: string | string[] }[];
    }).cells.map((c) => [c.source].flat().join("")).join("\n");
    assert.doesNotMatch(source, /console\.table/, `${entry.name} uses console.table`);
  }
});

Deno.test("modelView: issue 22: a colour means one thing in every view", () => {
  const html = [
    new SamplesTable(["p"], [[{ index: 0, text: "1", origin: "fresh" }]]).bundle()["text/html"],
    new AttemptsView([failed(0, "no tag", "x")]).bundle()["text/html"],
    progressBundle({ label: "l", done: 1, total: 2, elapsed: 1, finished: true, stopped: true })[
      "text/html"
    ],
  ];
  const fresh = "#e69f00";
  assert.ok(html[0]!.includes(fresh));
  assert.ok(!html[1]!.includes(fresh), "a parse failure is not the fresh colour");
  assert.ok(!html[2]!.includes(fresh), "stopped is not the fresh colour");
  assert.equal(new AnswerChart("t", [], 0, 0).counts.length, 0);
});
