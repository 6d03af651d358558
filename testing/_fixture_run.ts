// One test module's fixture folder in one run: the fixtures that use it, and
// what happens when the module's runtime unloads (after its last test):
// a refresh moves its new recordings in, unused recordings are listed or
// pruned, and a manifest is written on request.
//
// `deno test` runs each test module in a runtime of its own (one `unload`
// each, several at once with --parallel), so each module records into a
// folder of its own: pruning after a run of one module never touches what
// another module uses.

import { FsStore } from "../cache/fs_store.ts";
import { formatManifest, manifest } from "../cache/manifest.ts";
import type { Model } from "../core/model.ts";
import { infoOf } from "../core/model_info.ts";
import { promptHash } from "../core/model_key.ts";
import {
  leftovers,
  moveRecordings,
  type Recorded,
  recordings,
  removeRecorded,
} from "./_recordings.ts";
import type { Settings } from "./_settings.ts";

/** A fixture as its folder sees it: a model stack with a model key. */
export interface FixtureModel extends Model {
  /** The model key its sequences are stored under. */
  readonly key: string;
}

/** A recording the run did not use, whole or past an index. */
interface Unused {
  readonly recorded: Recorded;
  /** Samples the run read (from index 0); 0 when it read none. */
  readonly read: number;
}

/** A test module's fixture folder for this run. */
export class FixtureRun {
  static #runs = new Map<string, FixtureRun>();

  /** The module's recordings (a cache folder in the mnimi layout). */
  readonly folder: string;
  /** The test module, relative to the working directory. */
  readonly module: string;
  /** What this run does. */
  readonly settings: Settings;
  /** Where the fixtures store: the folder, or beside it when refreshing. */
  readonly store: FsStore;
  #staging: string | undefined;
  #fixtures: FixtureModel[] = [];
  #failures = 0;

  private constructor(folder: string, module: string, settings: Settings) {
    this.folder = folder;
    this.module = module;
    this.settings = settings;
    if (settings.mode === "refresh") {
      this.#staging = `${folder}.refresh-${crypto.randomUUID().slice(0, 8)}`;
    }
    this.store = new FsStore(this.#staging ?? folder);
    globalThis.addEventListener("unload", () => this.#finish());
  }

  /** The run of `folder`, shared by every fixture of this module that uses it. */
  static of(folder: string, module: string, settings: Settings): FixtureRun {
    const known = FixtureRun.#runs.get(folder);
    if (known === undefined) {
      const run = new FixtureRun(folder, module, settings);
      FixtureRun.#runs.set(folder, run);
      return run;
    }
    if (JSON.stringify(known.settings) !== JSON.stringify(settings)) {
      throw new TypeError(
        `the fixture folder ${folder} is already used in this run with other settings ` +
          `(${JSON.stringify(known.settings)}, now ${JSON.stringify(settings)}): ` +
          `give fixtures of one folder the same mode, prune and manifest options`,
      );
    }
    return known;
  }

  /** Counts `fixture`'s use of the folder in this run. */
  add(fixture: FixtureModel): void {
    this.#fixtures.push(fixture);
  }

  /**
   * Notes that a sample could not be served (a miss, a failed draw): the run
   * then neither prunes nor swaps in a refresh, which would both act on a
   * partial picture of what the tests use.
   */
  failed(): void {
    this.#failures++;
  }

  /** `deno test -A <module> -- <flag>`: the command that does `flag` for this module. */
  command(flag: string): string {
    const quoted = /^[\w./@+-]+$/.test(this.module)
      ? this.module
      : `'${this.module.replaceAll("'", `'\\''`)}'`;
    return `deno test -A ${quoted} -- ${flag}`;
  }

  #finish(): void {
    const read = Deno.permissions.querySync({ name: "read", path: this.folder }).state;
    // Without read access the tests failed already, saying which flag to add.
    if (read !== "granted") return;
    const lines: string[] = [];
    const failed = this.#failures > 0
      ? `${plural(this.#failures, "request")} for samples failed in this run (see the errors above)`
      : undefined;
    if (this.#staging !== undefined && failed !== undefined) {
      removeQuietly(this.#staging);
      lines.push(`llm fixtures in ${this.folder}: refresh not applied: ${failed}`);
    } else if (this.#staging !== undefined) lines.push(...this.#moveStaged(this.#staging));
    else if (this.settings.mode === "record") lines.push(...this.#recorded());
    const unused = this.#unused();
    const stale = leftovers(this.folder, this.#staging);
    if (this.settings.prune && failed !== undefined) {
      lines.push(`llm fixtures in ${this.folder}: not pruned: ${failed}`);
      lines.push(...this.#listUnused(unused, stale));
    } else if (this.settings.prune) lines.push(...this.#prune(unused, stale));
    else lines.push(...this.#listUnused(unused, stale));
    if (this.settings.manifest !== undefined) {
      lines.push(this.#writeManifest(this.settings.manifest));
    }
    if (lines.length > 0) console.log(lines.join("\n"));
  }

  #moveStaged(staging: string): string[] {
    let moved: Recorded[];
    try {
      moved = moveRecordings(staging, this.folder);
    } catch (error) {
      throw new Error(
        `llm fixtures: could not move the refreshed recordings from ${staging} into ` +
          `${this.folder} (${(error as Error).message}); the new recordings stay in ${staging}`,
        { cause: error },
      );
    }
    const samples = moved.reduce((n, r) => n + r.indices.length, 0);
    return [
      `llm fixtures in ${this.folder}: refreshed ${plural(moved.length, "sequence")} ` +
      `(${plural(samples, "sample")} drawn again)`,
    ];
  }

  #recorded(): string[] {
    let drawn = 0;
    let sequences = 0;
    for (const fixture of this.#fixtures) {
      for (const use of infoOf(fixture).sequences?.() ?? []) {
        const count = use.drawn.reduce((n, [first, last]) => n + last - first + 1, 0);
        drawn += count;
        if (count > 0) sequences++;
      }
    }
    if (drawn === 0) return [];
    return [
      `llm fixtures in ${this.folder}: recorded ${plural(drawn, "new sample")} ` +
      `in ${plural(sequences, "sequence")}`,
    ];
  }

  /** How many samples of each sequence the run read, by model key and prompt hash. */
  #read(): Map<string, number> {
    const read = new Map<string, number>();
    for (const fixture of this.#fixtures) {
      // The fixture's own layer: a cache under it reads another store.
      for (const use of infoOf(fixture).sequences?.() ?? []) {
        const id = `${fixture.key}\n${promptHash(use.prompt)}`;
        const last = use.served.at(-1)?.[1] ?? -1;
        read.set(id, Math.max(read.get(id) ?? 0, last + 1));
      }
    }
    return read;
  }

  #unused(): Unused[] {
    const read = this.#read();
    const unused: Unused[] = [];
    for (const recorded of recordings(this.folder)) {
      const n = read.get(`${recorded.model}\n${recorded.hash}`) ?? 0;
      if (n === 0 || (recorded.indices.at(-1) ?? -1) >= n) unused.push({ recorded, read: n });
    }
    return unused;
  }

  #listUnused(unused: readonly Unused[], stale: readonly string[]): string[] {
    if (unused.length === 0 && stale.length === 0) return [];
    const lines = stale.map((path) => `llm fixtures: ${path} is left from an interrupted refresh`);
    if (unused.length > 0) {
      lines.push(
        `llm fixtures in ${this.folder}: ${summary(unused)} ${
          unused.length === 1 ? "was" : "were"
        } not used in this run:`,
        ...unused.map(describeUnused),
      );
    }
    lines.push(
      `If every test of ${this.module} ran, remove ${
        unused.length + stale.length === 1 ? "it" : "them"
      } with: ${this.command("--llm-prune")}`,
    );
    return lines;
  }

  #prune(unused: readonly Unused[], stale: readonly string[]): string[] {
    if (unused.length === 0 && stale.length === 0) return [];
    try {
      for (const path of stale) Deno.removeSync(path, { recursive: true });
      for (const { recorded, read } of unused) removeRecorded(this.folder, recorded, read);
    } catch (error) {
      const hint = error instanceof Deno.errors.NotCapable
        ? ` (pruning needs --allow-write=${this.folder})`
        : "";
      throw new Error(
        `llm fixtures: pruning ${this.folder} failed${hint}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return [
      ...stale.map((path) => `llm fixtures: removed ${path}, left from an interrupted refresh`),
      ...(unused.length === 0
        ? []
        : [`llm fixtures in ${this.folder}: removed ${summary(unused)} this run did not use`]),
    ];
  }

  #writeManifest(folder: string): string {
    const path = `${folder}/${this.module}.json`;
    try {
      Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
      Deno.writeTextFileSync(path, formatManifest(manifest(this.#fixtures)));
    } catch (error) {
      const hint = error instanceof Deno.errors.NotCapable ? ` (add --allow-write=${folder})` : "";
      throw new Error(
        `llm fixtures: writing the run manifest ${path} failed${hint}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return `llm fixtures: wrote the run manifest ${path}`;
  }
}

function summary(unused: readonly Unused[]): string {
  const whole = unused.filter((u) => u.read === 0).length;
  const past = unused.filter((u) => u.read > 0)
    .reduce((n, u) => n + u.recorded.indices.filter((i) => i >= u.read).length, 0);
  const parts: string[] = [];
  if (whole > 0) parts.push(plural(whole, "recorded sequence"));
  if (past > 0) parts.push(`${plural(past, "sample")} past the last index read`);
  return parts.join(" and ");
}

function describeUnused({ recorded, read }: Unused): string {
  const prompt = recorded.prompt === undefined ? "" : ` ${
    JSON.stringify(
      recorded.prompt.length > 50 ? recorded.prompt.slice(0, 50) + "…" : recorded.prompt,
    )
  }`;
  const where = `  ${recorded.model} ${recorded.hash.slice(0, 12)}${prompt}`;
  if (read === 0) return `${where}: ${plural(recorded.indices.length, "sample")}, none read`;
  const past = recorded.indices.filter((i) => i >= read);
  return `${where}: ${plural(past.length, "sample")} from index ${past[0]} on ` +
    `(read ${read === 1 ? "index 0" : `indices 0 to ${read - 1}`})`;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch {
    // Nothing was drawn into it, or it cannot be removed: the failures are the news.
  }
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
