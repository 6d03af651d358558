// `verify <store> [--fix]`: what is wrong in a store, and the safe repairs,
// as the store finds them (`Store.verify`), or through the Store interface
// for a store that has no checks of its own.

import type { StoreVerification } from "../cache/store.ts";
import { verifyStore } from "../cache/verify_store.ts";
import { Exit, expectPositionals } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, table, visibleLine } from "./_format.ts";
import { type Io, Progress } from "./_io.ts";
import { openExisting, STORE_HELP } from "./_stores.ts";

/**
 * `verify`: gaps, stray and broken files, leftovers; `--fix` removes leftovers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 * import { verify } from "./_verify.ts";
 *
 * let out = "";
 * const io = { out: (t: string) => out += t, err: () => {}, progress: false };
 * const code = await verify.run(parse(["tests/fixtures/mnimi-cache"], verify.flags), io);
 * assert(code === 0 && out.includes("no problems found"));
 * ```
 */
export const verify: Command = {
  name: "verify",
  summary: "find gaps, stray, broken and leftover files (--fix removes leftovers)",
  help: `Usage: cache verify <store> [--fix] [--json]

Checks a store and lists its problems; exits with 1 when there are any.

In a cache folder it reads every file and reports:
  gap         a missing index: the samples after it are hidden from readers
  temp        a temporary file (.tmp-*) left by an interrupted writer
  name        a .md file whose name is not a plain index (01.md, notes.md)
  foreign     a file or folder that is not part of the cache layout
  link        a symbolic link, which the cache refuses to follow
  unreadable  a file that cannot be read or is not valid UTF-8 (cut off mid-write?)
  prompt      a prompt.txt whose text does not hash to its folder's name
  empty       a prompt folder without samples
In Deno KV, SQLite and Redis it checks prompt texts against their hashes, reads
every sample (unreadable: not valid UTF-8), and looks for prompts without
samples, for samples hidden behind a gap (where the store can have gaps) and
for keys no store accepts (key: written by an older version; copy refuses them).
Any other store checks itself, or is checked as those are.

--fix removes temporary files older than a minute, and nothing else: the other
problems need a person to decide. Younger ones may belong to a running writer
and are only mentioned.

${STORE_HELP}

Options:
  --fix       remove leftover temporary files
  --json      print {location, sequences, samples, problems: [{kind, path, detail, fixed}], notes}
  -h, --help  show this help
`,
  flags: { fix: { type: "boolean" } },
  async run(parsed, io) {
    expectPositionals(parsed, 1, 1);
    const store = await openExisting(parsed.positionals[0]!);
    const progress = new Progress(io);
    try {
      const found = await verifyStore(store, {
        fix: parsed.values.fix === true,
        onProgress: (n) => progress.update(`verified ${count(n)} prompts`),
      });
      progress.done();
      report(io, found, { location: store.location, json: parsed.values.json === true });
      return found.problems.some((p) => !p.fixed) ? Exit.problems : Exit.ok;
    } finally {
      progress.done();
      await store.close();
    }
  },
};

function report(
  io: Io,
  found: StoreVerification,
  { location, json: asJson }: { location: string; json: boolean },
): void {
  if (asJson) {
    io.out(json({ location, ...found }));
    return;
  }
  io.out(
    `${visibleLine(location)}: ${count(found.sequences)} prompts, ` +
      `${count(found.samples)} samples\n`,
  );
  for (const note of found.notes) io.out(`note: ${visibleLine(note)}\n`);
  const open = found.problems.filter((p) => !p.fixed).length;
  const fixed = found.problems.length - open;
  if (found.problems.length === 0) {
    io.out("no problems found\n");
    return;
  }
  io.out(`${count(open)} problem(s)${fixed > 0 ? `, ${count(fixed)} fixed` : ""}:\n`);
  io.out(table(found.problems.map((p) => [
    `  ${p.kind}`,
    visibleLine(p.path),
    visibleLine(p.detail) + (p.fixed ? " (removed)" : ""),
  ])));
  if (open > 0 && found.problems.some((p) => p.kind === "temp" && !p.fixed)) {
    io.out("run again with --fix to remove the leftover temporary files\n");
  }
}
