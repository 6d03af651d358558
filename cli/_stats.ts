// `stats <store>`: models, prompts, samples and bytes per model key, and
// what the samples cost to draw when the store holds their usage. What a
// store holds (models, prompts, samples, bytes) is an inventory, counted
// here; what drawing it cost (requests, tokens, query time) is a figure, of
// the same shape as a cache's `saved`, and shown by the one formatter of
// figures (core/figure_text.ts) like every display of figures.

import { formatBytes } from "../internal/format_bytes.ts";
import { UsageTally } from "../core/usage_shares.ts";
import { type FigureCell, figureCells } from "../core/figure_text.ts";
import { Exit, expectPositionals } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, table, visibleLine } from "./_format.ts";
import { inventory } from "./_inventory.ts";
import { Progress } from "./_io.ts";
import { openExisting, STORE_HELP } from "./_stores.ts";

/**
 * `stats`: what a store holds, per model key and in total.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 * import { stats } from "./_stats.ts";
 *
 * let out = "";
 * const io = { out: (t: string) => out += t, err: () => {}, progress: false };
 * const code = await stats.run(parse(["tests/fixtures/mnimi-cache"], stats.flags), io);
 * assert(code === 0 && out.includes("total (5 models)"));
 * ```
 */
export const stats: Command = {
  name: "stats",
  summary: "models, prompts, samples and bytes per model key; what they cost to draw",
  help: `Usage: cache stats <store> [--json]

Counts, per model key, the prompts, the samples (index 0 up to the first gap)
and their size in bytes (UTF-8 text, not space on disk), and the totals. When
usage is stored with the samples (written by this library, not by the Python
original or an older version), also the requests, prompt and completion
tokens and query time it took to draw them, and how many samples have none.

${STORE_HELP}

Options:
  --json      print {location, models: [{model, prompts, samples, bytes, usage?}],
              total}; usage (only when stored) is {samples (with usage), requests,
              promptTokens, completionTokens, queryTime (seconds)}
  -h, --help  show this help
`,
  flags: {},
  async run(parsed, io) {
    expectPositionals(parsed, 1, 1);
    const store = await openExisting(parsed.positionals[0]!);
    const progress = new Progress(io);
    try {
      const sequences = await inventory(store, {
        onEach: (n) => progress.update(`${n} prompts`),
        usage: true,
      });
      progress.done();
      const byModel = new Map<string, Row>();
      const all = new UsageTally();
      for (const s of sequences) {
        const row = byModel.get(s.model) ??
          { prompts: 0, samples: 0, bytes: 0, usage: new UsageTally() };
        row.prompts++;
        row.samples += s.samples;
        row.bytes += s.bytes;
        if (s.usage !== undefined) {
          row.usage.addTally(s.usage);
          all.addTally(s.usage);
        }
        byModel.set(s.model, row);
      }
      // Usage is shown only when some is stored: an old cache reads as before.
      const withUsage = all.samples > all.unknown;
      const models = [...byModel].map(([model, { usage, ...row }]) => ({
        model,
        ...row,
        ...(withUsage ? { usage: usageOf(usage) } : {}),
      }));
      const total = {
        models: models.length,
        prompts: sequences.length,
        samples: models.reduce((n, m) => n + m.samples, 0),
        bytes: models.reduce((n, m) => n + m.bytes, 0),
        ...(withUsage ? { usage: usageOf(all) } : {}),
      };
      if (parsed.values.json) {
        io.out(json({ location: store.location, models, total }));
        return Exit.ok;
      }
      const cells = (usage: UsageTally) => withUsage ? usageCells(usage).map((c) => c.text) : [];
      io.out(`${visibleLine(store.location)}\n`);
      io.out(table(
        [
          [
            "model",
            "prompts",
            "samples",
            "size",
            ...(withUsage ? usageCells(all).map((c) => c.heading) : []),
          ],
          ...models.map((m) => [
            visibleLine(m.model),
            count(m.prompts),
            count(m.samples),
            formatBytes(m.bytes),
            ...cells(byModel.get(m.model)!.usage),
          ]),
          [
            `total (${count(total.models)} models)`,
            count(total.prompts),
            count(total.samples),
            formatBytes(total.bytes),
            ...cells(all),
          ],
        ],
        [1, 2, 3, 4, 5, 6, 7],
      ));
      if (withUsage && all.unknown > 0) {
        io.out(
          `${count(all.unknown)} of ${count(all.samples)} samples have no stored token usage ` +
            `(written by the Python original, an older version, or a model that reports no ` +
            `tokens): the token columns leave them out\n`,
        );
      }
      return Exit.ok;
    } finally {
      progress.done();
      await store.close();
    }
  },
};

/** One model key's figures. */
interface Row {
  prompts: number;
  samples: number;
  bytes: number;
  usage: UsageTally;
}

/** What samples cost to draw, as the formatter shows figures; no price, so no cost. */
function usageCells(tally: UsageTally): FigureCell[] {
  return figureCells(tally.figures(undefined));
}

/** What samples cost to draw, as `--json` prints it. */
function usageOf(tally: UsageTally) {
  return {
    samples: tally.samples - tally.unknown,
    requests: tally.requests,
    promptTokens: tally.promptTokens,
    completionTokens: tally.completionTokens,
    queryTime: tally.latencyMs / 1000,
  };
}
