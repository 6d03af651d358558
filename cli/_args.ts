// Command-line parsing shared by the subcommands: node:util's parseArgs in
// strict mode, with its errors turned into usage errors (exit code 2).

import { parseArgs } from "node:util";
import { modelKeySegments } from "../cache/sequence_key.ts";
import { redactSpec } from "../cache/store_spec.ts";

/**
 * What an exit code means.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Exit } from "./_args.ts";
 *
 * assert.equal(Exit.usage, 2);
 * ```
 */
export const Exit = {
  /** Done, nothing wrong. */
  ok: 0,
  /** Done, and found problems (verify), conflicts (copy) or nothing (show). */
  problems: 1,
  /** The command line is wrong: bad subcommand, option or store argument. */
  usage: 2,
  /** The store could not be read or written (unreachable, permissions, I/O). */
  failure: 3,
} as const;

/**
 * A wrong command line; the message says what to type instead.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { UsageError } from "./_args.ts";
 *
 * assert.equal(new UsageError("missing argument").name, "UsageError");
 * ```
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The flags of a subcommand: booleans, or strings that may repeat. */
export type Flags = Record<string, { type: "boolean" } | { type: "string"; multiple: true }>;

/** Parsed flags and positional arguments. */
export interface Parsed {
  values: Record<string, boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * Parses `args` against `flags` (plus `--json` and `--help`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 *
 * const parsed = parse(["a", "--model", "m_1", "--json"], { model: { type: "string", multiple: true } });
 * assert.equal(parsed.positionals.join(), "a");
 * assert((parsed.values.model as string[]).join() === "m_1" && parsed.values.json === true);
 * ```
 *
 * @throws {UsageError} For an unknown option or a missing option value.
 */
export function parse(args: readonly string[], flags: Flags): Parsed {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { ...flags, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as Parsed["values"], positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Throws unless there are between `min` and `max` positional arguments.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectPositionals, UsageError } from "./_args.ts";
 *
 * expectPositionals({ values: {}, positionals: ["a"] }, 1, 2);
 * let refused = false;
 * try {
 *   expectPositionals({ values: {}, positionals: [] }, 1, 2);
 * } catch (e) {
 *   refused = e instanceof UsageError;
 * }
 * assert(refused);
 * ```
 */
export function expectPositionals(parsed: Parsed, min: number, max: number): void {
  const n = parsed.positionals.length;
  if (n < min) throw new UsageError(`missing argument (got ${n}, need ${min})`);
  if (n > max) {
    const extra = parsed.positionals.slice(max).map(redactSpec);
    throw new UsageError(`too many arguments: ${JSON.stringify(extra)}`);
  }
}

/**
 * Throws unless `model` is a model key a store accepts (a key that would
 * leave the cache folder, such as `../x`, is a usage error, not a store
 * failure).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { expectModelKey, UsageError } from "./_args.ts";
 *
 * expectModelKey("accounts/fireworks/models/x_0.7");
 * assert.throws(() => expectModelKey("../x"), UsageError);
 * ```
 *
 * @throws {UsageError} For a key no store accepts.
 */
export function expectModelKey(model: string): void {
  try {
    modelKeySegments(model);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
}
