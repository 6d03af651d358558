// What the fixtures of a test run do: their mode and extras, from the
// fixture's options, the command line (`deno test … -- --llm-record`) and the
// LLM_FIXTURES environment variable, in that order of precedence (like
// `--update` for @std/testing snapshots, with a variable for CI configs).

import { fileURLToPath } from "node:url";

/**
 * How a fixture treats its recordings: `replay` serves them and draws
 * nothing, `record` draws only what is missing, `refresh` draws everything
 * the tests use again.
 */
export type FixtureMode = "replay" | "record" | "refresh";

/** The settings of a fixture folder for one run. */
export interface Settings {
  /** How recordings are treated. */
  readonly mode: FixtureMode;
  /** Remove the recordings the run did not use, at its end. */
  readonly prune: boolean;
  /** Let `record` and `refresh` run where CI is set. */
  readonly allowCI: boolean;
  /** A folder to write the run's manifest to, if any. */
  readonly manifest: string | undefined;
}

/** Settings given in code; each wins over the command line and the variable. */
export interface SettingsOptions {
  /** See {@linkcode Settings.mode}. */
  mode?: FixtureMode | undefined;
  /** See {@linkcode Settings.prune}. */
  prune?: boolean | undefined;
  /** See {@linkcode Settings.allowCI}. */
  allowCI?: boolean | undefined;
  /** See {@linkcode Settings.manifest}. */
  manifest?: string | URL | undefined;
}

/** The environment variable that holds the same words as the flags. */
export const VARIABLE = "LLM_FIXTURES";

const MODES: readonly FixtureMode[] = ["replay", "record", "refresh"];
const WORDS = "record, refresh, replay, prune, allow-ci and manifest=<folder>";

/** What one source (the command line, the variable) asks for. */
type Words = Partial<{ -readonly [K in keyof Settings]: Settings[K] }>;

/** The command line after `--` and the variable's value (unset when unreadable). */
export interface Sources {
  readonly args: readonly string[];
  readonly variable: string | undefined;
}

/**
 * The settings for this run: options, else flags, else the variable, else
 * replay with nothing extra.
 */
export function settingsOf(
  options: SettingsOptions,
  { args, variable }: Sources = { args: Deno.args, variable: readVariable(VARIABLE) },
): Settings {
  if (options.mode !== undefined && !MODES.includes(options.mode)) {
    throw new TypeError(
      `llmFixture mode must be "replay", "record" or "refresh", got ${
        JSON.stringify(options.mode)
      }`,
    );
  }
  const flags = wordsOf(
    args.filter((a) => a.startsWith("--llm-")).map((a) => a.slice("--llm-".length)),
    (word) => `unknown flag "--llm-${word}"`,
  );
  const env = wordsOf(
    (variable ?? "").split(/[\s,]+/).filter((w) => w !== ""),
    (word) => `${VARIABLE} holds an unknown word ${JSON.stringify(word)}`,
  );
  const manifest = options.manifest instanceof URL
    ? fileURLToPath(options.manifest)
    : options.manifest;
  return {
    mode: options.mode ?? flags.mode ?? env.mode ?? "replay",
    prune: options.prune ?? flags.prune ?? env.prune ?? false,
    allowCI: options.allowCI ?? flags.allowCI ?? env.allowCI ?? false,
    manifest: manifest ?? flags.manifest ?? env.manifest,
  };
}

/**
 * Throws unless `settings` may draw from a model here: `record` and
 * `refresh` spend money, so under CI they need an explicit opt-in, and where
 * the CI variable cannot be read they refuse too (rather than guess).
 */
export function assertMaySpend(settings: Settings, opt: string): void {
  if (settings.mode === "replay" || settings.allowCI) return;
  const permission = Deno.permissions.querySync({ name: "env", variable: "CI" });
  if (permission.state !== "granted") {
    throw new Deno.errors.NotCapable(
      `llmFixture in ${settings.mode} mode draws from the model (and may spend money), so it ` +
        `first checks that this is no CI run, which needs --allow-env=CI; or opt in to ` +
        `drawing anywhere, CI included, with ${opt}`,
    );
  }
  const ci = Deno.env.get("CI");
  if (countsAsCI(ci)) {
    throw new Error(
      `llmFixture refuses to ${settings.mode} under CI=${ci}: a CI run must never spend money ` +
        `by accident. Record on your machine and commit the fixture folder, or opt in on ` +
        `purpose with ${opt}`,
    );
  }
}

/**
 * Whether a value of the `CI` variable says this is a CI run: any value but
 * unset, blank, `0`, `false`, `no` and `off` (in any case, blanks around
 * ignored). CI services set `CI=true` (some `1` or their name); a person who
 * writes `CI=false` or `CI=0` means the opposite, and a value read wrongly
 * must err towards CI, which only refuses to spend.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countsAsCI } from "./_settings.ts";
 *
 * assert.equal(countsAsCI("true"), true);
 * assert.equal(countsAsCI(" False "), false);
 * assert.equal(countsAsCI(undefined), false);
 * ```
 */
export function countsAsCI(value: string | undefined): boolean {
  return value !== undefined && !NOT_CI.includes(value.trim().toLowerCase());
}

const NOT_CI: readonly string[] = ["", "0", "false", "no", "off"];

function wordsOf(words: readonly string[], unknown: (word: string) => string): Words {
  const out: Words = {};
  for (const word of words) {
    const [name, value] = splitWord(word);
    if (MODES.includes(name as FixtureMode) && value === undefined) {
      if (out.mode !== undefined && out.mode !== name) {
        throw new TypeError(`both ${out.mode} and ${name} were asked for: choose one mode`);
      }
      out.mode = name as FixtureMode;
    } else if (name === "prune" && value === undefined) out.prune = true;
    else if (name === "allow-ci" && value === undefined) out.allowCI = true;
    else if (name === "manifest" && value !== undefined && value !== "") out.manifest = value;
    else throw new TypeError(`${unknown(word)}: the words are ${WORDS} (flags: --llm-<word>)`);
  }
  return out;
}

function splitWord(word: string): [string, string | undefined] {
  const at = word.indexOf("=");
  return at < 0 ? [word, undefined] : [word.slice(0, at), word.slice(at + 1)];
}

/** The variable's value; unset when it cannot be read (no permission asked for). */
function readVariable(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    return undefined;
  }
  return Deno.env.get(name);
}
