/**
 * The run manifest file: what a manifest holds (format version 1), the JSON
 * text `writeManifest` writes (one index range per line, so that a diff
 * shows what changed), and reading and checking a manifest file.
 *
 * @module
 */

import type { CostFigures, SavedFigures } from "../core/cost.ts";
import type { IndexRanges } from "../core/model_info.ts";
import { describe } from "../internal/validate.ts";
import { assertSequenceKey } from "./sequence_key.ts";

/** What a manifest's `format` field says. */
export const MANIFEST_FORMAT = "llm-cache run manifest";

/** The format version this library writes; it reads this one and older ones. */
export const MANIFEST_VERSION = 1;

/**
 * What a run used: the JSON a manifest file holds. Version 1; readers ignore
 * fields they do not know, so fields may be added without a new version.
 */
export interface Manifest {
  /** Always `"llm-cache run manifest"`. */
  readonly format: "llm-cache run manifest";
  /** The format version, `1`. */
  readonly version: number;
  /** When the manifest was made (ISO 8601, UTC). */
  readonly created: string;
  /** The model stacks it describes, each as its layers, outermost first. */
  readonly models: readonly ManifestModel[];
  /** One entry per cache layer and prompt that served or drew something. */
  readonly sequences: readonly ManifestSequence[];
  /** Sums over the whole run. */
  readonly totals: ManifestTotals;
}

/** One model stack in a {@linkcode Manifest}. */
export interface ManifestModel {
  /** Its layers, outermost first: class name and one-line detail. */
  readonly layers: readonly { readonly kind: string; readonly detail: string }[];
}

/** One prompt's sequence in one cache layer, in a {@linkcode Manifest}. */
export interface ManifestSequence {
  /** The model key, e.g. `gpt-4o_1`. */
  readonly model: string;
  /** The SHA-256 hex digest of the prompt (its folder name in a cache folder). */
  readonly hash: string;
  /**
   * The start of the prompt, at most 100 characters and a `…`; a chat by
   * its preview (at most 100 characters: what it holds, its first turn and
   * its last).
   */
  readonly prompt: string;
  /**
   * The location of the store the cache layer keeps its sequences in, or
   * null for a cache in memory (whose indices are its own, not a store's).
   */
  readonly store: string | null;
  /** Indices served, as `[first, last]` ranges (both included). */
  readonly served: IndexRanges;
  /** Served indices that were stored before the run drew them. */
  readonly hits: IndexRanges;
  /** Indices drawn from the model in this run, served or not (paid for). */
  readonly drawn: IndexRanges;
  /**
   * What the provider under this layer spent on the prompt in this run
   * (with `cost` when the provider has a `price`); only on the cache layer
   * that draws from the provider.
   */
  readonly spent?: ManifestSpending | undefined;
  /**
   * What the indices in `hits` cost when they were drawn, from the usage
   * stored with them (with `cost` when the provider has a `price`); samples
   * stored without usage are counted in `unknown`. Only on the cache layer
   * that draws from the provider, and only when it served something from
   * the cache.
   */
  readonly saved?: ManifestSaving | undefined;
}

/**
 * Requests, tokens, cost and time spent, in a {@linkcode Manifest}: the
 * {@linkcode CostFigures} of the provider, `queryTime` to the microsecond and
 * `cost` (present when the provider has a `price`) to 12 significant digits.
 */
export type ManifestSpending = CostFigures;

/**
 * What a run saved, in a {@linkcode Manifest}: the {@linkcode SavedFigures}
 * of the samples served from the cache, rounded as {@linkcode ManifestSpending}.
 */
export type ManifestSaving = SavedFigures;

/**
 * The sums of a {@linkcode Manifest}: the indices over the sequences listed,
 * and the figures of its model stacks summed (`figuresOf`, what `stats` and
 * the displays show): what their providers spent (`requests` as the
 * providers count them; `cost` only when every stack has a price) and what
 * their caches saved.
 */
export interface ManifestTotals extends ManifestSpending {
  /** Sequences listed. */
  readonly sequences: number;
  /** Indices served, over the sequences listed. */
  readonly served: number;
  /** Served indices that were hits. */
  readonly hits: number;
  /** Indices drawn. */
  readonly drawn: number;
  /**
   * What the stacks' caches saved (`cost` only when each has one); absent
   * when nothing was served from a cache.
   */
  readonly saved?: ManifestSaving | undefined;
}

/**
 * A manifest as JSON text: two-space indents, each index range on one line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { formatManifest, manifest, parseManifest } from "./manifest.ts";
 *
 * class Silent extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["x"]);
 *   }
 * }
 *
 * const text = formatManifest(manifest(new Repeatable(new Silent("m", 1))));
 * assert.equal(parseManifest(text).version, 1);
 * ```
 */
export function formatManifest(value: Manifest): string {
  return `${stringify(value, "")}\n`;
}

/**
 * Reads and checks a manifest file (see {@linkcode parseManifest}).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readManifest } from "./manifest.ts";
 *
 * await assert.rejects(readManifest("tests/.tmp/no-such-manifest.json"), Deno.errors.NotFound);
 * ```
 *
 * @param path The file, a path or a `file:` URL.
 * @throws {TypeError} When the file is not a manifest this library can read.
 */
export async function readManifest(path: string | URL): Promise<Manifest> {
  const text = await Deno.readTextFile(path);
  try {
    return parseManifest(text);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    throw new TypeError(`${path}: ${error.message}`, { cause: error });
  }
}

/**
 * Checks that `value` (JSON text, or parsed JSON) is a manifest this
 * library can read, and returns it. Fields it does not know are kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseManifest } from "./manifest.ts";
 *
 * assert.throws(() => parseManifest('{"format": "something else"}'), TypeError);
 * ```
 *
 * @throws {TypeError} When it is not JSON, not a manifest, of a newer
 * version, or a sequence is malformed; the message says which.
 */
export function parseManifest(value: unknown): Manifest {
  let data = value;
  if (typeof value === "string") {
    try {
      data = JSON.parse(value);
    } catch (error) {
      throw new TypeError(`not a run manifest: not JSON (${(error as Error).message})`);
    }
  }
  const record = data as Partial<Manifest> | null;
  if (typeof record !== "object" || record === null || record.format !== MANIFEST_FORMAT) {
    throw new TypeError(
      `not a run manifest: expected an object with "format": ${JSON.stringify(MANIFEST_FORMAT)}` +
        ` (made by manifest() or writeManifest()), got ${describe(data)}`,
    );
  }
  if (!Number.isInteger(record.version) || record.version! < 1) {
    throw new TypeError(`run manifest has a bad version: ${describe(record.version)}`);
  }
  if (record.version! > MANIFEST_VERSION) {
    throw new TypeError(
      `run manifest version ${record.version} is newer than this library reads ` +
        `(${MANIFEST_VERSION}): upgrade @mnimi/llm-cache`,
    );
  }
  if (!Array.isArray(record.sequences)) {
    throw new TypeError(`run manifest has no "sequences" list`);
  }
  record.sequences.forEach(checkSequence);
  return record as Manifest;
}

function checkSequence(entry: unknown, k: number): void {
  const where = `run manifest sequence ${k}`;
  if (typeof entry !== "object" || entry === null) {
    throw new TypeError(`${where} is not an object: ${describe(entry)}`);
  }
  const { model, hash, served, store } = entry as Record<string, unknown>;
  try {
    assertSequenceKey({ model, hash } as { model: string; hash: string });
  } catch (error) {
    throw new TypeError(`${where}: ${(error as Error).message}`);
  }
  if (store !== null && store !== undefined && typeof store !== "string") {
    throw new TypeError(`${where}: "store" must be a string or null, got ${describe(store)}`);
  }
  if (!isRanges(served)) {
    throw new TypeError(
      `${where} (${model} ${hash}): "served" must be ascending [first, last] index ranges, ` +
        `got ${describe(served)}`,
    );
  }
}

function isRanges(value: unknown): value is IndexRanges {
  if (!Array.isArray(value)) return false;
  let next = 0;
  for (const range of value) {
    if (!Array.isArray(range) || range.length !== 2) return false;
    const [first, last] = range;
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(last)) return false;
    if (first < next || last < first) return false;
    next = last + 1;
  }
  return true;
}

/** JSON with two-space indents, arrays of numbers (and of number pairs) on one line. */
function stringify(value: unknown, indent: string): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((v) => typeof v === "number" || isPair(v))) {
      return `[${value.map((v) => JSON.stringify(v).replace(",", ", ")).join(", ")}]`;
    }
    const inner = indent + "  ";
    return `[\n${value.map((v) => inner + stringify(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const inner = indent + "  ";
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${stringify(v, inner)}`);
    return `{\n${lines.join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

function isPair(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === "number");
}
