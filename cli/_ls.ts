// `ls <store> [model]`: the prompts, with a preview and sample counts.

import { Exit, expectModelKey, expectPositionals } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, preview, table, visibleLine } from "./_format.ts";
import { inventory } from "./_inventory.ts";
import { Progress } from "./_io.ts";
import { openExisting, STORE_HELP } from "./_stores.ts";

/**
 * `ls`: every prompt of a store (or of one model key).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 * import { ls } from "./_ls.ts";
 *
 * let out = "";
 * const io = { out: (t: string) => out += t, err: () => {}, progress: false };
 * const code = await ls.run(parse(["tests/fixtures/mnimi-cache", "gpt-4o_1"], ls.flags), io);
 * assert(code === 0 && out.startsWith("gpt-4o_1\n"));
 * ```
 */
export const ls: Command = {
  name: "ls",
  summary: "prompts with a preview and their sample counts",
  help: `Usage: cache ls <store> [model] [--json]

Lists the prompts of every model key (or of one), each with its hash, how many
samples it holds and the start of its text (when the store recorded it;
caches written by Python's mnimi don't).

${STORE_HELP}

Options:
  --json      print {location, prompts: [{model, hash, prompt, samples, bytes}]}
  -h, --help  show this help
`,
  flags: {},
  async run(parsed, io) {
    expectPositionals(parsed, 1, 2);
    const [spec, model] = parsed.positionals as [string, string | undefined];
    if (model !== undefined) expectModelKey(model);
    const store = await openExisting(spec);
    const progress = new Progress(io);
    try {
      const prompts = await inventory(store, {
        model,
        onEach: (n) => progress.update(`${n} prompts`),
      });
      progress.done();
      if (parsed.values.json) {
        io.out(json({ location: store.location, prompts }));
        return Exit.ok;
      }
      if (prompts.length === 0) {
        io.err(
          model === undefined ? "the store is empty\n" : `no prompts under ${visibleLine(model)}\n`,
        );
        return Exit.ok;
      }
      let current: string | undefined;
      const rows: string[][] = [];
      const flush = () => {
        if (rows.length > 0) io.out(table(rows, [1]));
        rows.length = 0;
      };
      for (const p of prompts) {
        if (p.model !== current) {
          flush();
          io.out(`${current === undefined ? "" : "\n"}${visibleLine(p.model)}\n`);
          current = p.model;
        }
        rows.push([`  ${p.hash}`, count(p.samples), preview(p.prompt)]);
      }
      flush();
      return Exit.ok;
    } finally {
      progress.done();
      await store.close();
    }
  },
};
