// `stats <store>`: models, prompts, samples and bytes per model key.

import { formatBytes } from "../cache/_format_bytes.ts";
import { Exit, expectPositionals } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, table, visible } from "./_format.ts";
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
  summary: "models, prompts, samples and bytes per model key",
  help: `Usage: cache stats <store> [--json]

Counts, per model key, the prompts, the samples (index 0 up to the first gap)
and their size in bytes (UTF-8 text, not space on disk), and the totals.

${STORE_HELP}

Options:
  --json      print {location, models: [{model, prompts, samples, bytes}], total}
  -h, --help  show this help
`,
  flags: {},
  async run(parsed, io) {
    expectPositionals(parsed, 1, 1);
    const store = await openExisting(parsed.positionals[0]!);
    const progress = new Progress(io);
    try {
      const sequences = await inventory(store, undefined, (n) => progress.update(`${n} prompts`));
      progress.done();
      const byModel = new Map<string, { prompts: number; samples: number; bytes: number }>();
      for (const s of sequences) {
        const row = byModel.get(s.model) ?? { prompts: 0, samples: 0, bytes: 0 };
        row.prompts++;
        row.samples += s.samples;
        row.bytes += s.bytes;
        byModel.set(s.model, row);
      }
      const models = [...byModel].map(([model, row]) => ({ model, ...row }));
      const total = {
        models: models.length,
        prompts: sequences.length,
        samples: models.reduce((n, m) => n + m.samples, 0),
        bytes: models.reduce((n, m) => n + m.bytes, 0),
      };
      if (parsed.values.json) {
        io.out(json({ location: store.location, models, total }));
        return Exit.ok;
      }
      io.out(`${store.location}\n`);
      io.out(table(
        [
          ["model", "prompts", "samples", "size"],
          ...models.map((m) => [
            visible(m.model, true),
            count(m.prompts),
            count(m.samples),
            formatBytes(m.bytes),
          ]),
          [
            `total (${count(total.models)} models)`,
            count(total.prompts),
            count(total.samples),
            formatBytes(total.bytes),
          ],
        ],
        [1, 2, 3],
      ));
      return Exit.ok;
    } finally {
      progress.done();
      await store.close();
    }
  },
};
