// The shape of a subcommand: its help text, its flags and what it does.

import type { Flags, Parsed } from "./_args.ts";
import type { Io } from "./_io.ts";

/** One subcommand of the `cache` command line. */
export interface Command {
  /** The word that selects it, e.g. `stats`. */
  readonly name: string;
  /** One line for the overview. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** Its flags besides `--json` and `--help`. */
  readonly flags: Flags;
  /** Runs it; resolves to the exit code. */
  run(parsed: Parsed, io: Io): Promise<number>;
}
