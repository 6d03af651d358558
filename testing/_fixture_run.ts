// One test module's recordings in one run: the fixtures that use them, and
// what happens after the module's last test: a refresh swaps its new
// recordings in, unused recordings are listed or pruned, and a manifest is
// written on request.
//
// `deno test` runs each test module in a runtime of its own (several at once
// with --parallel), so each module records apart from the others: into a
// folder of its own, or, in any other store (`kv:`, `sqlite:`, `redis://`, a
// registered kind), under model keys that start with its name
// (`_store_recordings.ts`). Pruning after a run of one module never touches
// what another module uses. Pruning acts only after a run in which every
// test of the module ran and passed (`_module_tests.ts`), and only on what
// belongs to the module: a sequence that may be another fixture's, named
// inside this one's, is left alone.
//
// A folder's end runs when the module's runtime unloads, with synchronous
// calls (so it also runs for a fixture made inside a test); a store's needs
// promises, so it runs in a `Deno.test.afterAll` hook, which Deno takes only
// from the module's top level.

import { FsStore } from "../cache/fs_store.ts";
import { formatManifest, manifest } from "../cache/manifest.ts";
import type { Store } from "../cache/store.ts";
import { parseStoreSpec } from "../cache/store_spec.ts";
import type { StoreSpec } from "../cache/store_kinds.ts";
import type { Model } from "../core/model.ts";
import { infoOf } from "../core/model_info.ts";
import { promptHash } from "../core/model_key.ts";
import { followTests, testsBegun, unfinishedTests } from "./_module_tests.ts";
import {
  type FolderRecorded,
  moveRecordings,
  type Recorded,
  recordings,
  removeRecorded,
} from "./_recordings.ts";
import { plural } from "./_plural.ts";
import type { Settings } from "./_settings.ts";
import { leftovers, removeLeftover, Staging } from "./_staging.ts";
import { StoreRecordings } from "./_store_recordings.ts";
import { chatOf, promptPreview } from "../core/prompt_preview.ts";

/** A fixture as its folder sees it: a model stack with a model key. */
export interface FixtureModel extends Model {
  /** The model key its sequences are stored under. */
  readonly key: string;
}

/** A recording the run did not use, whole or past an index. */
interface Unused<R extends Recorded = Recorded> {
  readonly recorded: R;
  /** Samples the run read (from index 0); 0 when it read none. */
  readonly read: number;
}

/** The recordings a run did not use: those it may prune, and those it leaves alone. */
interface Unread<R extends Recorded> {
  readonly unused: readonly Unused<R>[];
  /** Whole sequences that may be another fixture's, named inside this one. */
  readonly foreign: readonly R[];
}

/** Where a module's recordings are: a folder of its own, or its part of a store. */
type Place =
  | { readonly kind: "folder"; staging?: Staging }
  | { readonly kind: "store"; readonly recordings: StoreRecordings };

/** A test module's recordings for this run. */
export class FixtureRun {
  static #runs = new Map<string, FixtureRun>();

  /**
   * Where the module's recordings are: its folder (a cache folder in the
   * mnimi layout, `<dir>/<module>`), or the store and the module's prefix in
   * it (`sqlite:fixtures.db, under tests/chat_test.ts/`).
   */
  readonly folder: string;
  /** The test module, relative to the working directory. */
  readonly module: string;
  /** What this run does. */
  readonly settings: Settings;
  /** Where the fixtures store: the recordings, or a refresh's staging. */
  readonly store: Store;
  /** What tells this run apart: the folder, or the store and the module (nested ones nest). */
  readonly #id: string;
  #place: Place;
  #fixtures: FixtureModel[] = [];
  #failures = 0;

  private constructor(spec: StoreSpec, module: string, settings: Settings) {
    this.module = module;
    this.settings = settings;
    this.#id = runId(spec, module);
    if (spec.kind === "folder") {
      this.folder = this.#id;
      const place: Place = { kind: "folder" };
      this.#place = place;
      if (settings.mode === "refresh") place.staging = this.#stage();
      this.store = new FsStore(place.staging?.path ?? this.folder);
      globalThis.addEventListener("unload", () => this.#finish());
    } else {
      const refresh = settings.mode === "refresh";
      const recordings = new StoreRecordings(spec, module, { refresh, prune: settings.prune });
      this.folder = recordings.where;
      this.#place = { kind: "store", recordings };
      this.store = recordings.store;
      this.#finishAfterTests(recordings);
    }
    if (settings.prune) followTests();
  }

  /**
   * The run of `module`'s recordings in `dir` (a folder, or a store spec:
   * `kv:`, `sqlite:`, `redis://`, a registered kind), shared by every
   * fixture of this module that uses them.
   *
   * @throws {TypeError} When `dir` is not a store spec, when the module's
   * recordings lie inside those of another run of this module, or hold them
   * (pruning one would reach into the other), or when a run over a store
   * that must act after the module's tests (refresh, prune) is made inside a
   * test.
   */
  static of(dir: string | URL, module: string, settings: Settings): FixtureRun {
    const spec = parseStoreSpec(dir);
    const id = runId(spec, module);
    const known = FixtureRun.#runs.get(id);
    if (known === undefined) {
      for (const other of FixtureRun.#runs.values()) other.#assertApart(id, module);
      const run = new FixtureRun(spec, module, settings);
      FixtureRun.#runs.set(id, run);
      return run;
    }
    if (JSON.stringify(known.settings) !== JSON.stringify(settings)) {
      throw new TypeError(
        `the fixture folder ${known.folder} is already used in this run with other settings ` +
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

  /**
   * The error for a fixture that cannot draw or keep a sample for lack of a
   * permission: what it is, and what to do, in the fixture's terms.
   */
  cannotRecord(what: string, error: Error): Error {
    const verb = this.settings.mode === "refresh" ? "Refresh" : "Record";
    const denied = error instanceof Deno.errors.PermissionDenied;
    const advice = denied
      ? `${verb} once the system lets you write to ${this.#writes()}`
      : `${verb} with ${this.#writeFlags() ?? "the permission named"}`;
    const message = `llmFixture in ${this.settings.mode} mode ${what}: ${error.message}. ` +
      `${advice}, or replay what is recorded (the default mode, which never draws)`;
    const Kind = denied ? Deno.errors.PermissionDenied : Deno.errors.NotCapable;
    return new Kind(message, { cause: error });
  }

  /** `deno test -A <module> -- <flag>`: the command that does `flag` for this module. */
  command(flag: string): string {
    const quoted = /^[\w./@+-]+$/.test(this.module)
      ? this.module
      : `'${this.module.replaceAll("'", `'\\''`)}'`;
    return `deno test -A ${quoted} -- ${flag}`;
  }

  /** What must be writable: a folder's refresh writes beside the module's folder. */
  #writes(): string {
    return this.#place.kind === "folder" && this.settings.mode === "refresh"
      ? this.folder.slice(0, this.folder.lastIndexOf("/"))
      : this.folder;
  }

  /** The flags that let this run write; undefined when it has them (a store's own error says). */
  #writeFlags(): string | undefined {
    if (this.#place.kind === "store") return this.#place.recordings.writeFlags();
    const writes = this.#writes();
    return Deno.permissions.querySync({ name: "write", path: writes }).state === "granted"
      ? undefined
      : `--allow-write=${writes}`;
  }

  #stage(): Staging {
    try {
      return Staging.create(this.folder);
    } catch (error) {
      if (
        !(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)
      ) throw error;
      throw this.cannotRecord(
        `writes the new recordings of ${this.folder} beside it, in ${this.#writes()}`,
        error,
      );
    }
  }

  #assertApart(id: string, module: string): void {
    const [outer, inner] = id.startsWith(`${this.#id}/`)
      ? [{ id: this.#id, module: this.module }, { id, module }]
      : this.#id.startsWith(`${id}/`)
      ? [{ id, module }, { id: this.#id, module: this.module }]
      : [];
    if (outer === undefined || inner === undefined) return;
    const where = this.#place.kind === "folder"
      ? `${inner.id} in ${outer.id}`
      : `under ${inner.module}/ in ${this.folder.slice(0, this.folder.lastIndexOf(", under"))}`;
    throw new TypeError(
      `llmFixture names ${JSON.stringify(outer.module)} and ${JSON.stringify(inner.module)} ` +
        `nest: the recordings of ${JSON.stringify(inner.module)} would lie inside those of ` +
        `${JSON.stringify(outer.module)} (${where}), where pruning ` +
        `one reaches into the other: choose names neither of which is a folder of the other, ` +
        `e.g. ${JSON.stringify(`${outer.module}/main`)} and ${JSON.stringify(inner.module)}`,
    );
  }

  /** A folder's end: when the runtime unloads, with synchronous calls. */
  #finish(): void {
    if (this.#place.kind !== "folder") return;
    const read = Deno.permissions.querySync({ name: "read", path: this.folder }).state;
    // Without read access the tests failed already, saying which flag to add.
    if (read !== "granted") return;
    const { staging } = this.#place;
    const lines: string[] = [];
    const failed = this.#failed();
    if (staging !== undefined && failed !== undefined) {
      staging.remove();
      lines.push(`llm fixtures in ${this.folder}: refresh not applied: ${failed}`);
    } else if (staging !== undefined) lines.push(...this.#moveStaged(staging));
    else if (this.settings.mode === "record") lines.push(...this.#recorded());
    lines.push(...this.#clearLeftovers());
    const { unused, foreign } = this.#unread(recordings(this.folder));
    const unfinished = this.settings.prune ? this.#unfinished(failed) : undefined;
    if (unfinished !== undefined) lines.push(...this.#notPruned(unfinished, unused));
    else if (this.settings.prune) lines.push(...this.#prune(unused));
    else lines.push(...this.#listUnused(unused));
    lines.push(...this.#listForeign(foreign), ...this.#manifestLines());
    if (lines.length > 0) console.log(lines.join("\n"));
  }

  /**
   * A store's end runs after the module's last test; a store needs promises,
   * which Deno waits for in a `Deno.test.afterAll` hook, taken only before
   * the first test begins. Without it a fixture can replay and record, but
   * not refresh or prune.
   */
  #finishAfterTests(recordings: StoreRecordings): void {
    if (!testsBegun()) {
      Deno.test.afterAll(() => this.#finishStore(recordings));
      return;
    }
    const at = this.settings.mode === "refresh" ? "refresh" : this.settings.prune ? "prune" : "";
    if (at === "") return;
    throw new TypeError(
      `llmFixture cannot ${at} the recordings in ${recordings.where} from inside a test: in a ` +
        `store that is not a folder it does so after the module's last test, in a ` +
        `Deno.test.afterAll hook, which Deno takes only before the first test begins; call ` +
        `llmFixture at the top level of the test module`,
    );
  }

  /** A store's end (see {@linkcode FixtureRun.#finishAfterTests}); it closes the store. */
  async #finishStore(recordings: StoreRecordings): Promise<void> {
    const lines: string[] = [];
    try {
      const failed = this.#failed();
      if (this.settings.mode === "refresh" && failed !== undefined) {
        lines.push(`llm fixtures in ${this.folder}: refresh not applied: ${failed}`);
      } else if (this.settings.mode === "refresh") lines.push(...await this.#swapIn(recordings));
      else if (this.settings.mode === "record") lines.push(...this.#recorded());
      const recorded = await recordings.recordings().catch((error) => {
        // A store the tests could not open (a permission, a server): they failed, saying why.
        if (failed !== undefined) return undefined;
        throw error;
      });
      if (recorded === undefined) return;
      const { unused, foreign } = this.#unread(recorded);
      const unfinished = this.settings.prune
        ? this.#unfinished(failed) ?? await recordings.cannotDelete()
        : undefined;
      if (unfinished !== undefined) lines.push(...this.#notPruned(unfinished, unused));
      else if (this.settings.prune) lines.push(...await this.#pruneStore(recordings, unused));
      else lines.push(...this.#listUnused(unused));
      lines.push(...this.#listForeign(foreign), ...this.#manifestLines());
    } finally {
      await recordings.close();
      if (lines.length > 0) console.log(lines.join("\n"));
    }
  }

  /** Why the run's samples are not all there: requests that failed; undefined when none did. */
  #failed(): string | undefined {
    return this.#failures > 0
      ? `${plural(this.#failures, "request")} for samples failed in this run (see the errors above)`
      : undefined;
  }

  #notPruned(why: string, unused: readonly Unused[]): string[] {
    return [`llm fixtures in ${this.folder}: not pruned: ${why}`, ...this.#listUnused(unused)];
  }

  #manifestLines(): string[] {
    const folder = this.settings.manifest;
    return folder === undefined ? [] : [this.#writeManifest(folder)];
  }

  /** Why this run may not prune: samples not served, or tests that did not all run and pass. */
  #unfinished(failed: string | undefined): string | undefined {
    const tests = unfinishedTests();
    const reasons = [
      failed,
      tests === undefined
        ? undefined
        : `not every test of ${this.module} ran and passed (${tests})`,
    ].filter((r) => r !== undefined);
    return reasons.length === 0 ? undefined : reasons.join("; ");
  }

  /**
   * Removes what interrupted refreshes left beside the folder when this run
   * may write there, else names it.
   */
  #clearLeftovers(): string[] {
    const parent = this.folder.slice(0, this.folder.lastIndexOf("/"));
    const found = leftovers(this.folder);
    if (Deno.permissions.querySync({ name: "write", path: parent }).state !== "granted") {
      return found.map((left) =>
        `llm fixtures: ${left.path} is left from an interrupted refresh` +
        `${left.ignored ? " (git ignores it)" : ""}; the next run with ` +
        `--allow-write=${parent} removes it`
      );
    }
    return found.map((left) => {
      try {
        removeLeftover(left);
      } catch (error) {
        throw new Error(
          `llm fixtures: could not remove ${left.path}, left from an interrupted refresh ` +
            `(${(error as Error).message}): remove it by hand`,
          { cause: error },
        );
      }
      return `llm fixtures: removed ${left.path}, left from an interrupted refresh`;
    });
  }

  #moveStaged(staging: Staging): string[] {
    let moved: Recorded[];
    try {
      moved = moveRecordings(staging.path, this.folder);
    } catch (error) {
      throw new Error(
        `llm fixtures: could not move the refreshed recordings from ${staging.path} into ` +
          `${this.folder} (${(error as Error).message}); the new recordings stay in ` +
          `${staging.path} until the next run that may write there removes it`,
        { cause: error },
      );
    }
    staging.remove();
    const samples = moved.reduce((n, r) => n + r.indices.length, 0);
    return [
      `llm fixtures in ${this.folder}: refreshed ${plural(moved.length, "sequence")} ` +
      `(${plural(samples, "sample")} drawn again)`,
    ];
  }

  async #swapIn(recordings: StoreRecordings): Promise<string[]> {
    let swapped;
    try {
      swapped = await recordings.swapIn();
    } catch (error) {
      throw new Error(
        `llm fixtures: could not swap the refreshed recordings into ${this.folder} ` +
          `(${(error as Error).message}); the sequences not swapped in keep their old ` +
          `recordings, or none when the error came while one was replaced: refresh again`,
        { cause: error },
      );
    }
    const samples = swapped.reduce((n, s) => n + s.samples.length, 0);
    return [
      `llm fixtures in ${this.folder}: refreshed ${plural(swapped.length, "sequence")} ` +
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

  #unread<R extends Recorded>(all: readonly R[]): Unread<R> {
    const read = this.#read();
    const keys = this.#fixtures.map((fixture) => fixture.key);
    const unused: Unused<R>[] = [];
    const foreign: R[] = [];
    for (const recorded of all) {
      const n = read.get(`${recorded.model}\n${recorded.hash}`) ?? 0;
      if (n === 0 && !mayOwn(keys, recorded.model)) foreign.push(recorded);
      else if (n === 0 || (recorded.indices.at(-1) ?? -1) >= n) unused.push({ recorded, read: n });
    }
    return { unused, foreign };
  }

  #listUnused(unused: readonly Unused[]): string[] {
    if (unused.length === 0) return [];
    const { text, count } = summary(unused);
    return [
      `llm fixtures in ${this.folder}: ${text} ${count === 1 ? "was" : "were"} not used in ` +
      `this run:`,
      ...unused.map(describeUnused),
      `If every test of ${this.module} ran, remove ${count === 1 ? "it" : "them"} with: ` +
      this.command("--llm-prune"),
    ];
  }

  #listForeign(foreign: readonly Recorded[]): string[] {
    if (foreign.length === 0) return [];
    const models = [...new Set(foreign.map((r) => r.model))];
    const one = foreign.length === 1;
    return [
      `llm fixtures in ${this.folder}: ${plural(foreign.length, "recorded sequence")} under ` +
      `model keys no fixture of this module used (${models.slice(0, 3).join(", ")}` +
      `${models.length > 3 ? ", …" : ""}) ${one ? "is" : "are"} never pruned: ` +
      `${one ? "it" : "they"} may belong to another fixture, named ` +
      `${JSON.stringify(`${this.module}/…`)}; delete ${one ? "it" : "them"} by hand if ` +
      `${one ? "it is" : "they are"} obsolete`,
    ];
  }

  #prune(unused: readonly Unused<FolderRecorded>[]): string[] {
    if (unused.length === 0) return [];
    try {
      for (const { recorded, read } of unused) removeRecorded(this.folder, recorded, read);
    } catch (error) {
      throw this.#pruneFailed(error);
    }
    return this.#pruned(unused);
  }

  async #pruneStore(recordings: StoreRecordings, unused: readonly Unused[]): Promise<string[]> {
    if (unused.length === 0) return [];
    try {
      for (const { recorded, read } of unused) await recordings.remove(recorded, read);
    } catch (error) {
      throw this.#pruneFailed(error);
    }
    return this.#pruned(unused);
  }

  #pruned(unused: readonly Unused[]): string[] {
    return [`llm fixtures in ${this.folder}: removed ${summary(unused).text} this run did not use`];
  }

  #pruneFailed(error: unknown): Error {
    const flags = error instanceof Deno.errors.NotCapable ? this.#writeFlags() : undefined;
    const hint = flags === undefined ? "" : ` (pruning needs ${flags})`;
    return new Error(
      `llm fixtures: pruning ${this.folder} failed${hint}: ${(error as Error).message}`,
      { cause: error },
    );
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

/** What tells a run apart: its folder, or the store and the module (ids of nested names nest). */
function runId(spec: StoreSpec, module: string): string {
  return spec.kind === "folder"
    ? `${spec.target.replace(/(?<=[^/])\/+$/, "")}/${module}`
    : `${spec.location}\n${module}`;
}

/** "1 recorded sequence and 2 samples past the last index read", and how many things that is. */
function summary(unused: readonly Unused[]): { text: string; count: number } {
  const whole = unused.filter((u) => u.read === 0).length;
  const past = unused.filter((u) => u.read > 0)
    .reduce((n, u) => n + u.recorded.indices.filter((i) => i >= u.read).length, 0);
  const parts: string[] = [];
  if (whole > 0) parts.push(plural(whole, "recorded sequence"));
  if (past > 0) parts.push(`${plural(past, "sample")} past the last index read`);
  return { text: parts.join(" and "), count: whole + past };
}

/**
 * Whether a sequence under `model` that no fixture of the run read belongs to
 * the run's folder for certain. A fixture named inside this one's name (`chat`
 * and `chat/extra`, in another module) keeps its recordings in a folder
 * inside this one, where they look like sequences under a model key of
 * several segments (`extra/gpt-4o_0`): one of one segment is this folder's,
 * and so is one whose folder holds a model key the run uses (a fixture
 * folder there would hold this run's own recordings).
 */
function mayOwn(keys: readonly string[], model: string): boolean {
  const slash = model.lastIndexOf("/");
  return slash < 0 || keys.some((key) => key.startsWith(model.slice(0, slash + 1)));
}

/**
 * A prompt on one line: a string's start quoted (`max` characters), a chat
 * (its canonical text) by its preview, what it holds and its first and last
 * turns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { quoted } from "./_fixture_run.ts";
 * import { promptText } from "../core/prompt.ts";
 *
 * assert.equal(quoted("What is 2 + 2?", 7), '"What is…"');
 * const chat = promptText({ system: "S", messages: [{ role: "user", content: "Hi" }] });
 * assert.equal(quoted(chat, 50), "(chat: system, 1 turn) user: Hi");
 * ```
 */
export function quoted(prompt: string, max: number): string {
  if (chatOf(prompt) !== undefined) return promptPreview(prompt, max + 30);
  return JSON.stringify(prompt.length > max ? prompt.slice(0, max) + "…" : prompt);
}

function describeUnused({ recorded, read }: Unused): string {
  const prompt = recorded.prompt === undefined ? "" : ` ${quoted(recorded.prompt, 50)}`;
  const where = `  ${recorded.model} ${recorded.hash.slice(0, 12)}${prompt}`;
  if (read === 0) return `${where}: ${plural(recorded.indices.length, "sample")}, none read`;
  const past = recorded.indices.filter((i) => i >= read);
  return `${where}: ${plural(past.length, "sample")} from index ${past[0]} on ` +
    `(read ${read === 1 ? "index 0" : `indices 0 to ${read - 1}`})`;
}
