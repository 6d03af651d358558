/**
 * `llmFixture`: a model for `deno test` that replays recorded samples, and
 * records them when asked to.
 *
 * @module
 */

import { Persistent } from "../cache/persistent.ts";
import { ReplicationCacheMiss } from "../cache/replication_cache_miss.ts";
import type { Model } from "../core/model.ts";
import type { Miss } from "../core/repeatable_options.ts";
import { type ModelInfo, modelInfo } from "../core/model_info.ts";
import { promptHash } from "../core/model_key.ts";
import { FixtureRun, quoted } from "./_fixture_run.ts";
import { moduleName } from "./_module_name.ts";
import { assertMaySpend, type FixtureMode, settingsOf } from "./_settings.ts";

export type { FixtureMode } from "./_settings.ts";

/** Options of {@linkcode llmFixture}; each wins over the flags and `LLM_FIXTURES`. */
export interface LlmFixtureOptions {
  /**
   * `replay` serves recorded samples only, and a sample that is not recorded
   * throws `ReplicationCacheMiss`; `record` draws and records what is
   * missing and never changes a recorded sample; `refresh` draws every
   * sample the tests use again and swaps the new recordings in when the
   * test module ends.
   * @default {`--llm-record`/`--llm-refresh`/`--llm-replay` after `--`, else `LLM_FIXTURES`, else "replay"}
   */
  mode?: FixtureMode;
  /**
   * At the end of the test module, remove the recordings it did not use:
   * whole sequences, and samples past the last index read. Only after a run
   * in which every test of the module ran and passed; else the run says why
   * it did not prune.
   * @default {`--llm-prune`, or `prune` in `LLM_FIXTURES`}
   */
  prune?: boolean;
  /**
   * Let `record` and `refresh` draw where the `CI` variable is set (they
   * refuse to by default, so that CI never spends money by accident).
   * @default {`--llm-allow-ci`, or `allow-ci` in `LLM_FIXTURES`}
   */
  allowCI?: boolean;
  /**
   * A folder to write the run manifest of the test module to, at its end,
   * as `<folder>/<test module>.json` (see `writeManifest`).
   * @default {`--llm-manifest=<folder>`, or `manifest=<folder>` in `LLM_FIXTURES`, else none}
   */
  manifest?: string | URL;
  /**
   * The test module's name: the sub-folder of `dir` its recordings go in,
   * and the file named in the record command. Names must not nest (`chat`
   * and `chat/extra`): in one module that throws a `TypeError`.
   * @default {the main module's path from the working directory, e.g. `tests/chat_test.ts`}
   */
  name?: string;
}

/**
 * A `Persistent` cache over one test module's recordings (see
 * {@linkcode llmFixture}); its `mode` says what this run does with them. It
 * configures `Persistent` (silent about the folders it creates, a miss
 * policy that says what to do in the fixture's terms) and overrides none of
 * its workings.
 */
export class LlmFixture extends Persistent {
  /** What this run does with the recordings. */
  readonly mode: FixtureMode;
  /**
   * The test module's recordings: `<dir>/<test module>`, a cache folder; in
   * another store, the store and the module's prefix (`sqlite:fixtures.db,
   * under tests/chat_test.ts/`).
   */
  readonly folder: string;
  #run: FixtureRun;

  /**
   * Prefer {@linkcode llmFixture}, which reads the mode from the command
   * line and the environment.
   *
   * @param inner The model to record.
   * @param run The test module's fixture folder in this run.
   */
  constructor(inner: Model, run: FixtureRun) {
    super(inner, run.store, {
      replication: run.settings.mode === "replay",
      // A folder is made for each test module as it records, and the run
      // reports what it recorded at the module's end.
      announce: false,
      miss: (miss, draw) => this.#onMiss(miss, draw),
    });
    this.mode = run.settings.mode;
    this.folder = run.folder;
    this.#run = run;
    run.add(this);
  }

  /** What this fixture says about itself: the folder it records in, and its mode. */
  override [modelInfo](): ModelInfo {
    return {
      ...super[modelInfo](),
      detail: `${this.folder}, key ${this.key}, ${this.mode}`,
      store: this.folder,
    };
  }

  /**
   * A miss that could not be served fails the run's picture of what the
   * tests use; its error says what to do in the fixture's terms.
   */
  async #onMiss(miss: Miss, draw: () => Promise<void>): Promise<void> {
    try {
      await draw();
    } catch (error) {
      this.#run.failed();
      throw this.#explained(error, miss);
    }
  }

  /** A miss in replay mode names the command that records it. */
  #explained(error: unknown, { prompt, index: wanted }: Miss): unknown {
    if (!this.replication) return this.#cannotRecord(error, prompt, wanted);
    const hint = `To record it, run: ${this.#run.command("--llm-record")}`;
    if (error instanceof ReplicationCacheMiss) {
      const { model, hash, index, stored, location, similar, closest } = error;
      return new ReplicationCacheMiss({
        model,
        hash,
        prompt,
        index,
        stored,
        location,
        similar,
        closest,
        hint,
      });
    }
    // Nothing recorded for this module yet.
    if (error instanceof Deno.errors.NotFound) {
      return new ReplicationCacheMiss({
        model: this.key,
        hash: promptHash(prompt),
        prompt,
        index: wanted,
        stored: 0,
        location: this.folder,
        hint,
      });
    }
    return error;
  }

  /**
   * A missing permission, said in the fixture's terms (`Persistent` would
   * advise its `replication` option); any other error as it is.
   */
  #cannotRecord(error: unknown, prompt: string, index: number): unknown {
    if (
      !(error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied)
    ) return error;
    const preview = quoted(prompt, 60);
    const what = `cannot record ${this.key}/${promptHash(prompt)} (prompt ${preview}) at ` +
      `index ${index} in ${this.folder}`;
    // The permission error itself, without Persistent's wrapping and advice.
    return this.#run.cannotRecord(what, error.cause instanceof Error ? error.cause : error);
  }
}

/**
 * Wraps `model` for `deno test`: a `Persistent` cache over the recordings of
 * the calling test module, kept in `<dir>/<test module>/` (a cache folder in
 * the mnimi layout, e.g. `tests/fixtures/llm/tests/chat_test.ts/`). Commit
 * that folder; CI replays it with no network, no key and read access only.
 * `dir` may also be any other spec `openStore` takes (`sqlite:fixtures.db`,
 * `kv:`, `redis://`, a registered kind): every module's recordings are then
 * in that one store, under model keys that start with the module's name
 * (`tests/chat_test.ts/gpt-4o_0`), and the module's end (refresh, prune)
 * runs after its last test, so such a fixture is made at the top level of
 * the module; pruning and refreshing need a store that deletes
 * (`Store.delete`).
 *
 * What a run does comes from the options, else from the flags after `--`
 * (`deno test … -- --llm-record`), else from the `LLM_FIXTURES` variable,
 * which holds the same words without `--llm-` (`LLM_FIXTURES=record,prune`):
 *
 * | flag after `--`      | `LLM_FIXTURES` | option            | what the run does                                              |
 * | -------------------- | -------------- | ----------------- | -------------------------------------------------------------- |
 * | none, `--llm-replay` | none, `replay` | `mode: "replay"`  | serves recordings; a missing one throws `ReplicationCacheMiss` |
 * | `--llm-record`       | `record`       | `mode: "record"`  | draws and records what is missing, never changes a recording   |
 * | `--llm-refresh`      | `refresh`      | `mode: "refresh"` | draws all the tests use again, swapped in at the module's end  |
 * | `--llm-prune`        | `prune`        | `prune: true`     | removes the recordings the module did not use, at its end      |
 * | `--llm-allow-ci`     | `allow-ci`     | `allowCI: true`   | lets `record`/`refresh` run where `CI` is set                  |
 * | `--llm-manifest=F`   | `manifest=F`   | `manifest: "F"`   | writes the run manifest to `F/<test module>.json`              |
 *
 * At the end of a test module (when its runtime unloads), in any mode, the
 * recordings it did not use (whole sequences, and samples past the last
 * index read) are listed, like obsolete snapshots; with prune they are
 * removed, so that the folder holds exactly what the module uses, but only
 * after a run in which every test of the module ran and passed (importing
 * this module wraps `Deno.test` to follow them). Each test module records
 * into a folder of its own, so a run of one module never prunes what another
 * uses.
 *
 * `record` and `refresh` spend money: where `CI` is set (or cannot be read:
 * grant `--allow-env=CI`) they throw unless allowed with `--llm-allow-ci`.
 * Replay needs only `--allow-read=<dir>`; record also needs
 * `--allow-write=<dir>`, the provider's host and its key variable.
 *
 * @example Replaying a recording
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../mod.ts";
 * import { llmFixture } from "./mod.ts";
 *
 * class Scripted extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["Paris"]);
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const prompt = "What is the capital of France?";
 * const recorder = llmFixture(new Scripted("gpt-4o", 0), dir, {
 *   mode: "record",
 *   allowCI: true,
 *   name: "capital_test.ts",
 * });
 * assert.equal(await first(recorder.sample(prompt)), "Paris");
 *
 * const replayed = llmFixture(new Scripted("gpt-4o", 0), `${dir}/replay`, {
 *   name: "capital_test.ts",
 * });
 * assert.equal(replayed.mode, "replay");
 * await assert.rejects(first(replayed.sample(prompt)), /--llm-record$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param model The model to record: a provider, or any model stack.
 * @param dir Where every test module's recordings are: a folder (a path or a
 * `file:` URL), or any other spec `openStore` takes (`kv:`, `sqlite:`,
 * `redis://`, a registered kind), read by the same parser.
 * @param options The mode and the rest, when not from the command line.
 * @returns The model to use in the tests.
 * @throws {TypeError} For an unknown `--llm-` flag or `LLM_FIXTURES` word, a
 * name that nests with another fixture's of the module, a `dir` that is no
 * store spec, or a refresh or prune of a store (not a folder) asked for
 * inside a test.
 * @throws {Error} For `record` or `refresh` where `CI` is set, without an opt-in.
 * @throws {Deno.errors.NotCapable} For `refresh` without write access beside
 * the module's folder.
 */
export function llmFixture(
  model: Model,
  dir: string | URL,
  options: LlmFixtureOptions = {},
): LlmFixture {
  const settings = settingsOf(options);
  assertMaySpend(settings, "-- --llm-allow-ci (or allow-ci in LLM_FIXTURES)");
  return new LlmFixture(model, FixtureRun.of(dir, moduleName(options.name), settings));
}
