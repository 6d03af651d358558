/**
 * The cache command line: look into a cache, check it, copy it.
 *
 * ```sh
 * deno run --unstable-kv --allow-read --allow-write --allow-net --allow-env=HOME \
 *   jsr:@mnimi/llm-cache/cli stats ~/.llm_cache
 * ```
 *
 * Subcommands: `stats`, `ls`, `show`, `verify`, `copy`; `--help` on each.
 * A store argument is any spec of the table of store kinds: a cache folder,
 * `kv:<path>` (Deno KV), `sqlite:<path>` (a SQLite file), `redis://…`, or a
 * kind registered (`registerStoreKind`) before this module was imported.
 * Exit codes: 0 ok, 1 problems found, 2 usage error, 3 the store failed.
 *
 * @module
 */

import { redactSpec, specForms } from "../cache/store_spec.ts";
import { Exit, parse, UsageError } from "./_args.ts";
import type { Command } from "./_command.ts";
import { copy } from "./_copy.ts";
import { visible } from "./_format.ts";
import { type Io, processIo } from "./_io.ts";
import { ls } from "./_ls.ts";
import { show } from "./_show.ts";
import { stats } from "./_stats.ts";
import { verify } from "./_verify.ts";

export type { Io } from "./_io.ts";

const COMMANDS: readonly Command[] = [stats, ls, show, verify, copy];

const HELP = `Usage: cache <command> [arguments] [--json] [--help]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(8)}${c.summary}`).join("\n")}

A store is ${specForms()}.
Run \`cache <command> --help\` for details.

Exit codes: 0 ok, 1 problems found, 2 usage error, 3 the store failed
(unreachable, missing permission, I/O error).
`;

/**
 * Runs the command line with `args` (without the program name) and resolves
 * to the exit code; output goes to `io` (the process's stdout and stderr by
 * default).
 *
 * @example Counting what a cache folder holds
 * ```ts
 * import assert from "node:assert/strict";
 * import { main } from "./mod.ts";
 *
 * let out = "";
 * const code = await main(["stats", "tests/fixtures/mnimi-cache", "--json"], {
 *   out: (text) => out += text,
 *   err: () => {},
 *   progress: false,
 * });
 * assert.equal(code, 0);
 * assert.equal(JSON.parse(out).total.samples, 124);
 * ```
 *
 * @param args The arguments, e.g. `["ls", "~/.llm_cache", "gpt-4o_1"]`.
 * @param io Where to write results, messages and progress.
 * @returns 0 ok, 1 problems found, 2 usage error, 3 the store failed.
 */
export async function main(args: readonly string[], io: Io = processIo()): Promise<number> {
  const [name, ...rest] = args;
  if (name === "--help" || name === "-h" || name === "help") {
    io.out(HELP);
    return Exit.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(
      name === undefined
        ? HELP
        : `cache: unknown command ${visible(JSON.stringify(redactSpec(name)))}\n\n${HELP}`,
    );
    return Exit.usage;
  }
  try {
    const parsed = parse(rest, command.flags);
    if (parsed.values.help) {
      io.out(command.help);
      return Exit.ok;
    }
    return await command.run(parsed, io);
  } catch (error) {
    if (error instanceof UsageError) {
      const usage = command.help.split("\n")[0];
      io.err(
        `cache ${command.name}: ${visible(error.message)}\n${usage}\n` +
          `Run "cache ${command.name} --help" for more.\n`,
      );
      return Exit.usage;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`cache ${command.name}: ${visible(message)}\n`);
    return Exit.failure;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
