// Executes every notebook with the real Deno Jupyter kernel (through
// .ci/execute_notebooks.py) and checks the rich outputs it produced.

import assert from "node:assert/strict";
import { figureRow } from "../_support/figure_rows.ts";

const RUNNER = ".ci/execute_notebooks.py";
const NOTEBOOKS = [
  "quickstart",
  "retries_and_pass_at_k",
  "cache_slicing",
  "structured_output",
  "agent",
];

interface Output {
  output_type: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Notebook {
  cells: { cell_type: string; execution_count?: number | null; outputs?: Output[] }[];
}

async function python(args: string[]): Promise<{ ok: boolean; text: string }> {
  try {
    const { success, stdout, stderr } = await new Deno.Command("python3", {
      args,
      env: { NO_COLOR: "1" },
    }).output();
    const decoder = new TextDecoder();
    return { ok: success, text: decoder.decode(stdout) + decoder.decode(stderr) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { ok: false, text: "python3 not found" };
    throw error;
  }
}

const probe = await python([RUNNER, "--probe"]);
const ci = Deno.env.get("CI") === "true";
if (!probe.ok && !ci) {
  console.warn(
    `\n⚠️  SKIPPING the notebook tests: Jupyter with the Deno kernel is not available ` +
      `(${probe.text.trim()}). Install it with .ci/install_jupyter.sh.\n`,
  );
}

function join(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : text ?? "";
}

/** Every output of a notebook as text: the HTML and plain text of bundles, and streams. */
function outputsOf(notebook: Notebook): { html: string[]; plain: string[]; errors: Output[] } {
  const html: string[] = [];
  const plain: string[] = [];
  const errors: Output[] = [];
  for (const cell of notebook.cells) {
    if (cell.cell_type !== "code") continue;
    assert.ok(typeof cell.execution_count === "number", "a code cell was not executed");
    for (const output of cell.outputs ?? []) {
      if (output.output_type === "error") errors.push(output);
      if (output.output_type === "stream") plain.push(join(output.text));
      if (output.data !== undefined) {
        if ("text/html" in output.data) html.push(join(output.data["text/html"]));
        plain.push(join(output.data["text/plain"]));
      }
    }
  }
  return { html, plain, errors };
}

function assertSome(texts: string[], pattern: RegExp, what: string): void {
  assert.ok(texts.some((t) => pattern.test(t)), `${what}: no output matches ${pattern}`);
}

Deno.test({
  name: "jupyter: every notebook runs in the Deno kernel and shows its rich outputs",
  ignore: !probe.ok && !ci,
  async fn(t) {
    assert.ok(probe.ok, `Jupyter is required under CI=true: ${probe.text}`);
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      const run = await python([
        RUNNER,
        "--output",
        dir,
        ...NOTEBOOKS.map((n) => `notebooks/${n}.ipynb`),
      ]);
      assert.ok(run.ok, `the notebook runner failed:\n${run.text}`);
      const read = async (name: string) => {
        const notebook = JSON.parse(await Deno.readTextFile(`${dir}/${name}.ipynb`)) as Notebook;
        const outputs = outputsOf(notebook);
        assert.deepEqual(outputs.errors, [], `${name} has cell errors`);
        for (const text of [...outputs.html, ...outputs.plain]) {
          assert.ok(!text.includes("\x1b["), `ANSI colours in ${name}: ${text.slice(0, 80)}`);
        }
        return outputs;
      };

      await t.step("quickstart: model stack, samples, progress, chart, overview", async () => {
        const { html, plain } = await read("quickstart");
        assertSome(plain, /^Persistent\(example_cache\) → CloseAI gpt-4o @ 1\n/, "model stack");
        assertSome(html, /Persistent\(example_cache\) → CloseAI gpt-4o @ 1/, "model stack");
        assertSome(plain, /^cost \(USD\) +0$/m, "the provider's price: cost spent, in USD");
        assertSome(plain, /^figure +since created$/m, "figures since created");
        assertSome(plain, /^500 500$/m, "Repeatable repeats");
        assertSome(html, /<details>|<pre style=/, "samples view");
        assertSome(plain, /8 samples · 8 from cache · 0 fresh/, "samples view");
        assertSome(plain, /^0 {2}↺ cache {2}70$/m, "samples view: the origin with its mark");
        assertSome(
          plain,
          /^Write a haiku about caching\. +Answers kept in jars—…/m,
          "samples table",
        );
        assertSome(plain, /^2 prompts × 5 samples · 10 from cache · 0 fresh$/m, "samples table");
        assertSome(
          html,
          /<div title="from cache" style="display:flex[^"]*border-left:3px/,
          "marks",
        );
        assertSome(html, /data-progress="done"/, "progress final state");
        assert.ok(!html.some((h) => h.includes('data-progress="running"')), "progress not final");
        // timing: false: the saved output holds no time, so a rerun leaves it unchanged.
        assertSome(
          plain,
          /^✓ 40 samples █{20} 100% 40\/40 · 40 from cache, 0 fresh, 0 requests, cost 0 USD$/m,
          "totals without timing",
        );
        assertSome(
          html,
          />100% · 40 \/ 40 · 40 from cache, 0 fresh, 0 requests, cost 0 USD</,
          "html",
        );
        for (const text of [...html, ...plain]) {
          assert.doesNotMatch(text, /\d\/s\)/, "no rate in a saved output");
        }
        assertSome(html, />573<\/div><\/td><td align="right"[^>]*>15<\/td>/, "chart as a table");
        assertSome(plain, /100 samples · \d+ distinct answers/, "chart caption");
        // A replay says what it saved: the usage stored with the samples, at the price.
        assertSome(plain, /^hits +40$/m, "shown once: hits since created");
        // Row by row, so that a figure added to the view moves no other row.
        const saved = plain.find((t) => /^figure +since created +saved$/m.test(t)) ?? "";
        for (
          const [row, values] of [
            ["prompt tokens", ["0", "64"]],
            ["completion tokens", ["0", "116"]],
            ["cost (USD)", ["0", "0.00132"]],
            ["query time (s)", ["0.00", "1.86"]],
          ] as const
        ) assert.deepEqual(figureRow(saved, row), values, `tokens and cost saved: ${row}`);
        assertSome(plain, /^saved: what the 40 samples behind the 40 hits cost when/m, "saved");
        assertSome(html, /<th[^>]*>saved<\/th>/, "saved, html");
        assertSome(plain, /^hits +140 +100$/m, "shown again: since last shown");
        assertSome(plain, /^cost \(USD\) +0 +0 +0\.00335$/m, "what the 100 samples cost");
        assertSome(html, /<th[^>]*>since last shown<\/th>/, "since last shown, html");
        assertSome(plain, /2 models · 4 prompts · 148 samples · [\d.]+ KiB on disk/, "overview");
      });

      await t.step("retries_and_pass_at_k: retries are independent, pass@k", async () => {
        const { html, plain } = await read("retries_and_pass_at_k");
        assertSome(plain, /attempt 0: .*\nattempt 1: .*\nattempt 2: passed/, "retries");
        assertSome(plain, /\{ sameAttempts: true, sameSolution: true \}/, "rerun replays");
        assertSome(plain, /distinct failures: 1/, "retries without Independent");
        assertSome(plain, /^1 +0\.567$/m, "pass@1, from resultsTable");
        assertSome(html, /<table/, "pass/fail chart");
      });

      await t.step("cache_slicing: the slice holds exactly what the run used", async () => {
        const { html, plain } = await read("cache_slicing");
        assertSome(plain, /^Persistent\(sliced_cache\) → Persistent\(example_cache\)/, "stack");
        assertSome(plain, /1 model · 2 prompts · 12 samples/, "slice overview");
        assertSome(html, /1 model · 2 prompts · 12 samples/, "slice overview");
        assertSome(plain, /same result: true/, "replay from the slice");
        assertSome(plain, /ReplicationCacheMiss: .*index 10 was asked for/, "miss");
      });

      await t.step(
        "structured_output: parse, queryRetry replayed, find, voting, pass@k",
        async () => {
          const { html, plain } = await read("structured_output");
          assertSome(plain, /^\s+reasoning: "From 14:35 to 16:35/m, "parse, typed");
          assertSome(plain, /^ParseError: expected opening tag <reasoning> at offset 0/m, "error");
          assertSome(plain, /^3 attempts · passed on attempt 3\n/, "showAttempts, plain");
          assertSome(html, />✗ validate<\/span>/, "showAttempts, html");
          assertSome(plain, /^ +2 +✗ validate +validate returned false/m, "validator rejected");
          assertSome(
            plain,
            /\{ sameAttempts: true, sameAnswer: true, freshSamples: 0 \}/,
            "rerun replays",
          );
          assertSome(plain, /^14:35 → 17:10 \(minutes\)/m, "json(schema) typed value");
          assertSome(plain, /LLMOutputError: no valid output in 2 attempts/, "LLMOutputError");
          assertSome(plain, /\{ found: 155, next: 155 \}/, "find");
          assertSome(plain, /10 = 30 \(tie, 4 of 9 votes each, 1 abstained\) +✗ no$/m, "a tie");
          assertSome(plain, /^pass@1 +0\.55 \[0\.39, 0\.72\]$/m, "pass@1 with its interval");
          assertSome(plain, /^metric +mean \(95% CI\)$/m, "the interval's level");
          assertSome(html, /<table/, "answer chart");
          assertSome(plain, /^\s+30 │█+ 4 \(40%\) ✓ expected = tie$/m, "the expected answer");
          assertSome(plain, /^\(no answer\) │█+ 1 \(10%\)$/m, "no answer, apart and last");
          assertSome(plain, /tie for the most: 10 = 30 · expected 30: 4 of 10 \(40%\)$/m, "share");
          assertSome(plain, /^misses +0$/m, "every sample from the cache");
          assertSome(plain, /^saved: what the \d+ samples behind the \d+ hits/m, "saved");
        },
      );

      await t.step(
        "agent: episodes as turns, every trajectory replayed, a repaired report",
        async () => {
          const { html, plain } = await read("agent");
          assertSome(
            plain,
            /^Persistent\(agent_cache\) → OpenAI gpt-4o-mini @ 1 \(alias scripted-agent\)/m,
            "stack",
          );
          assertSome(plain, /^tools: calculator\(expression\)$/m, "a chat's tools");
          assertSome(
            plain,
            /^0 +↺ cache +→ calculator\(\{"expression":"0\.17 \* 2340"\}\)$/m,
            "a reply's call",
          );
          assertSome(plain, /^ +4 +2 +1 +413\.1 +✗ no$/m, "a slip, in the episodes' table");
          // Episode 2: the calculator's error went back as the tool's result, and the model retried.
          assertSome(
            plain,
            /^3 +tool call_\w+ +error: unexpected "," at character 9\n4 +assistant +reasoning: The calculator says/m,
            "a tool's error, read by the model",
          );
          assertSome(
            plain,
            /^ +→ calculator\(\{"expression":"0\.1 \* 2340"\}\) call_\w+\n +→ calculator/m,
            "two calls at once",
          );
          assertSome(html, /<details><summary[^>]*><span[^>]*>reasoning/, "reasoning folded");
          assertSome(
            plain,
            /^What is \(1,234 \+ 5,678\) × 3 − 999\? +19,737 +4 +19737 \(4 of 5 votes\) +✓ yes$/m,
            "votes",
          );
          assertSome(
            plain,
            /^\{ sameTrajectories: true, steps: 47, freshSamples: 0 \}$/m,
            "rerun replays",
          );
          assertSome(plain, /^\{ answer: 90, unit: "km\/h" \}$/m, "a report through a tool call");
          assertSome(plain, /^2 attempts · passed on attempt 2$/m, "repaired on attempt 2");
          assertSome(
            plain,
            /^3 +tool call_\w+ +The call could not be used: expected JSON arguments/m,
            "repair turn",
          );
          assertSome(plain, /^hits +114$/m, "every step from the cache");
          assertSome(plain, /^misses +0$/m, "no miss");
        },
      );

      await t.step("every notebook re-executes byte-identically", async () => {
        for (const name of NOTEBOOKS) {
          const committed = await Deno.readTextFile(`notebooks/${name}.ipynb`);
          const executed = await Deno.readTextFile(`${dir}/${name}.ipynb`);
          assert.ok(
            executed === committed,
            `notebooks/${name}.ipynb changes when it is executed again: run ` +
              "`deno task notebooks` and commit what it writes",
          );
        }
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    "jupyter: the runner keeps the outputs the Deno kernel publishes after a cell's idle status",
  ignore: !probe.ok && !ci,
  async fn() {
    // Plain cells, no library: the kernel often sends these outputs late
    // (.ci/repro_dropped_outputs.py); nbconvert --execute would drop them.
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      const cells = Array.from({ length: 30 }, (_, i) => ({
        cell_type: "code",
        metadata: {},
        execution_count: null,
        outputs: [],
        source: `console.log("line ${i}");\n${i};`,
      }));
      const notebook = {
        cells,
        metadata: { kernelspec: { name: "deno", display_name: "Deno", language: "typescript" } },
        nbformat: 4,
        nbformat_minor: 5,
      };
      await Deno.writeTextFile(`${dir}/late.ipynb`, JSON.stringify(notebook));
      const run = await python([RUNNER, "--in-place", `${dir}/late.ipynb`]);
      assert.ok(run.ok, run.text);
      const done = JSON.parse(await Deno.readTextFile(`${dir}/late.ipynb`)) as Notebook;
      done.cells.forEach((cell, i) => {
        const outputs = cell.outputs ?? [];
        assert.deepEqual(
          outputs.map((o) =>
            o.output_type === "stream" ? join(o.text) : join(o.data?.["text/plain"])
          ),
          [`line ${i}\n`, String(i)],
          `cell ${i} lost an output`,
        );
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
