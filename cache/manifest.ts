/**
 * Run manifests: what a model stack used in a run, per model key and prompt
 * (the indices served, which were hits and which were drawn, requests,
 * tokens, cost and time spent, and what the hits saved), as plain data or a
 * JSON file that `copyStore` and `cache copy --manifest` use to copy exactly
 * that slice of a store.
 *
 * @module
 */

import type { CostFigures, SavedFigures } from "../core/cost.ts";
import type { Model } from "../core/model.ts";
import {
  type IndexRanges,
  infoOf,
  type ModelInfo,
  type PromptUsage,
  type SequenceUse,
} from "../core/model_info.ts";
import { modelKey, promptHash } from "../core/model_key.ts";
import { describe } from "../core/_validate.ts";
import { assertSequenceKey } from "./_key_path.ts";

const MANIFEST_FORMAT = "llm-cache run manifest";

// The format version this library writes; it reads this one and older ones.
const MANIFEST_VERSION = 1;

/** How long a prompt preview in a manifest is, at most, before its `…`. */
const PREVIEW = 100;

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
  /** The start of the prompt, at most 100 characters and a `…`. */
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
 * The sums of a {@linkcode Manifest}: over the sequences listed, what the
 * providers spent (`cost` only when every provider has a price), and what
 * the cache saved.
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
   * The sum of the sequences' `saved` (`cost` only when each has one);
   * absent when nothing was served from a cache.
   */
  readonly saved?: ManifestSaving | undefined;
}

/**
 * What `model` (a stack, or several) used since it was created: for each
 * cache layer (`Repeatable`, `Persistent`) and prompt, the indices it served,
 * which of them were hits (stored before) and which it drew, and what the
 * provider spent on the prompt (requests, tokens, query time, and the cost
 * when the provider has a `price`). Plain data,
 * ready for `JSON.stringify`; {@linkcode writeManifest} writes it to a file.
 *
 * Layers are read through the `modelInfo` protocol, so a custom model that
 * describes its sequences (`ModelInfo.sequences`) is listed too.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { manifest } from "./manifest.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1));
 * await collect(model.sample("Choose a number"), 3);
 * await collect(model.sample("Choose a number"), 2); // replayed
 * const [entry] = manifest(model).sequences;
 * assert.equal(entry!.model, "gpt-4o_1");
 * assert.deepEqual(entry!.served, [[0, 2]]);
 * assert.deepEqual(entry!.drawn, [[0, 2]]);
 * assert.equal(entry!.spent!.requests, 3);
 * ```
 *
 * @param model A model stack, or several.
 * @returns The manifest.
 */
export function manifest(model: Model | readonly Model[]): Manifest {
  const models: ManifestModel[] = [];
  const sequences: ManifestSequence[] = [];
  const providers: Provider[] = [];
  for (const stack of Array.isArray(model) ? model : [model as Model]) {
    const layers = layersOf(stack);
    models.push({ layers: layers.map(({ info }) => ({ kind: info.kind, detail: info.detail })) });
    // Each provider's spending goes to the cache just above it, the one that
    // draws from it; what the stack saved, to its innermost cache.
    let drawing: Drawing | undefined;
    let innermost = true;
    const entries: ManifestSequence[][] = [];
    for (const { model: layer, info } of layers.toReversed()) {
      const usage = info.usage?.();
      if (usage !== undefined) {
        const provider = { usage: [...usage], priced: info.figures.cost !== undefined };
        providers.push(provider);
        drawing = { ...provider, byPrompt: new Map(usage.map((u) => [u.prompt, u])) };
      }
      const uses = info.sequences?.();
      if (uses === undefined) continue;
      const key = modelKey(layer);
      const store = info.store ?? null;
      const used = uses.filter((use) => use.served.length + use.drawn.length > 0);
      entries.unshift(used.map((use) => entryOf(key, store, use, drawing, innermost)));
      drawing = undefined;
      innermost = false;
    }
    sequences.push(...entries.flat());
  }
  return {
    format: MANIFEST_FORMAT,
    version: MANIFEST_VERSION,
    created: new Date().toISOString(),
    models,
    sequences,
    totals: totalsOf(sequences, providers),
  };
}

/**
 * Writes the {@linkcode manifest} of `model` to `path` as JSON (one index
 * range per line, so that a diff shows what changed) and returns it. Needs
 * `--allow-write` for the file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { readManifest, writeManifest } from "./manifest.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill("42"));
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const model = new Repeatable(new Constant("gpt-4o", 0));
 * await collect(model.sample("What is 6 × 7?"), 2);
 * await writeManifest(`${dir}/run.json`, model);
 * const read = await readManifest(`${dir}/run.json`);
 * assert.deepEqual(read.sequences[0]!.served, [[0, 1]]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param path Where to write, a path or a `file:` URL.
 * @param model A model stack, or several.
 * @returns The manifest written.
 */
export async function writeManifest(
  path: string | URL,
  model: Model | readonly Model[],
): Promise<Manifest> {
  const written = manifest(model);
  await Deno.writeTextFile(path, formatManifest(written));
  return written;
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

interface Layer {
  readonly model: Model;
  readonly info: ModelInfo;
}

/** A provider's usage per prompt, and whether it has a price (so a cost). */
interface Provider {
  readonly usage: readonly PromptUsage[];
  readonly priced: boolean;
}

/** The provider a cache layer draws from, its usage by prompt. */
interface Drawing extends Provider {
  readonly byPrompt: ReadonlyMap<string, PromptUsage>;
}

function layersOf(model: Model): Layer[] {
  const layers: Layer[] = [];
  const seen = new Set<Model>();
  for (let layer: Model | undefined = model; layer !== undefined && !seen.has(layer);) {
    seen.add(layer);
    const info = infoOf(layer);
    layers.push({ model: layer, info });
    layer = info.inner;
  }
  return layers;
}

function entryOf(
  model: string,
  store: string | null,
  use: SequenceUse,
  drawing: Drawing | undefined,
  innermost: boolean,
): ManifestSequence {
  let entry: ManifestSequence = {
    model,
    hash: promptHash(use.prompt),
    prompt: use.prompt.length > PREVIEW ? `${use.prompt.slice(0, PREVIEW)}…` : use.prompt,
    store,
    served: use.served,
    hits: subtract(use.served, use.drawn),
    drawn: use.drawn,
  };
  if (drawing !== undefined) {
    const usage = drawing.byPrompt.get(use.prompt);
    entry = { ...entry, spent: spendingOf(usage === undefined ? [] : [usage], drawing.priced) };
  }
  const { saved } = use;
  if (!innermost || saved === undefined || saved.samples === 0) return entry;
  return { ...entry, saved: savingOf([saved], saved.cost !== undefined) };
}

function spendingOf(figures: readonly CostFigures[], priced: boolean): ManifestSpending {
  const sum = (field: keyof ManifestSpending) => figures.reduce((n, u) => n + (u[field] ?? 0), 0);
  // Rounded so that float noise stays out of the file: microseconds are
  // plenty, and 12 significant digits keep any price exact.
  const cost = Number(sum("cost").toPrecision(12));
  return {
    requests: sum("requests"),
    promptTokens: sum("promptTokens"),
    completionTokens: sum("completionTokens"),
    ...(priced ? { cost } : {}),
    queryTime: Math.round(sum("queryTime") * 1e6) / 1e6,
  };
}

function savingOf(figures: readonly SavedFigures[], priced: boolean): ManifestSaving {
  return {
    samples: figures.reduce((n, f) => n + f.samples, 0),
    unknown: figures.reduce((n, f) => n + f.unknown, 0),
    ...spendingOf(figures, priced),
  };
}

function totalsOf(
  sequences: readonly ManifestSequence[],
  providers: readonly Provider[],
): ManifestTotals {
  const count = (field: "served" | "hits" | "drawn") =>
    sequences.reduce((n, s) => n + sizeOf(s[field]), 0);
  const saved = sequences.flatMap((s) => s.saved === undefined ? [] : [s.saved]);
  return {
    sequences: sequences.length,
    served: count("served"),
    hits: count("hits"),
    drawn: count("drawn"),
    ...spendingOf(
      providers.flatMap((p) => p.usage),
      providers.length > 0 && providers.every((p) => p.priced),
    ),
    ...(saved.length === 0
      ? {}
      : { saved: savingOf(saved, saved.every((s) => s.cost !== undefined)) }),
  };
}

function sizeOf(ranges: IndexRanges): number {
  return ranges.reduce((n, [first, last]) => n + last - first + 1, 0);
}

/** The indices of `a` that are not in `b`. */
function subtract(a: IndexRanges, b: IndexRanges): [number, number][] {
  const out: [number, number][] = [];
  for (const [first, last] of a) {
    let from = first;
    for (const [bFirst, bLast] of b) {
      if (bLast < from || bFirst > last) continue;
      if (bFirst > from) out.push([from, bFirst - 1]);
      from = bLast + 1;
    }
    if (from <= last) out.push([from, last]);
  }
  return out;
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
