/**
 * Run manifests: what a model stack used in a run, per model key and prompt
 * (the indices served, which were hits and which were drawn, requests,
 * tokens, cost and time spent, and what the hits saved), as plain data or a
 * JSON file that `copyStore` and `cache copy --manifest` use to copy exactly
 * that slice of a store.
 *
 * This file builds a manifest from a model stack: its sequences from what
 * each layer says it served and drew per prompt, its totals from the one
 * figures model (`figuresOf`), so that they are the figures every display
 * shows. The file format (its types, JSON text, reading and checking) is in
 * _manifest_json.ts.
 *
 * @module
 */

import type { CostFigures, SavedFigures } from "../core/cost.ts";
import { type Figures, figuresOf } from "../core/figures.ts";
import type { Model } from "../core/model.ts";
import {
  type IndexRanges,
  infoOf,
  type ModelInfo,
  type PromptUsage,
  type SequenceUse,
} from "../core/model_info.ts";
import { modelKey, promptHash } from "../core/model_key.ts";
import { chatOf, promptPreview } from "../core/prompt_preview.ts";
import {
  formatManifest,
  type Manifest,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  type ManifestModel,
  type ManifestSaving,
  type ManifestSequence,
  type ManifestSpending,
  type ManifestTotals,
} from "./_manifest_json.ts";

export {
  formatManifest,
  type Manifest,
  type ManifestModel,
  type ManifestSaving,
  type ManifestSequence,
  type ManifestSpending,
  type ManifestTotals,
  parseManifest,
  readManifest,
} from "./_manifest_json.ts";

/**
 * How long a prompt preview in a manifest is, at most: a string's start
 * before its `…`, a chat's preview in all.
 */
const PREVIEW = 100;

/**
 * What `model` (a stack, or several) used since it was created: for each
 * cache layer (`Repeatable`, `Persistent`) and prompt, the indices it served,
 * which of them were hits (stored before) and which it drew, and what the
 * provider spent on the prompt (requests, tokens, query time, and the cost
 * when the provider has a `price`); in its totals, the figures of the
 * stacks (`figuresOf`): what their providers spent and their caches saved,
 * as `stats` and the displays count them. Plain data, ready for
 * `JSON.stringify`; {@linkcode writeManifest} writes it to a file.
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
  const stacks: readonly Model[] = Array.isArray(model) ? model : [model as Model];
  const models: ManifestModel[] = [];
  const sequences: ManifestSequence[] = [];
  for (const stack of stacks) {
    const layers = layersOf(stack);
    models.push({ layers: layers.map(({ info }) => ({ kind: info.kind, detail: info.detail })) });
    // Each provider's spending per prompt goes to the cache just above it,
    // the one that draws from it; what the stack saved, to its innermost cache.
    let drawing: Drawing | undefined;
    let innermost = true;
    const entries: ManifestSequence[][] = [];
    for (const { model: layer, info } of layers.toReversed()) {
      const usage = info.usage?.();
      if (usage !== undefined) {
        const byPrompt = new Map(usage.map((u) => [u.prompt, u]));
        drawing = { byPrompt, priced: info.price !== undefined };
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
    totals: totalsOf(sequences, stacks.map((stack) => figuresOf(stack))),
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

interface Layer {
  readonly model: Model;
  readonly info: ModelInfo;
}

/** The provider a cache layer draws from: its usage by prompt, and whether it has a price. */
interface Drawing {
  readonly byPrompt: ReadonlyMap<string, PromptUsage>;
  readonly priced: boolean;
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
    prompt: chatOf(use.prompt) !== undefined
      ? promptPreview(use.prompt, PREVIEW)
      : use.prompt.length > PREVIEW
      ? `${use.prompt.slice(0, PREVIEW)}…`
      : use.prompt,
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

/**
 * The totals: indices over the sequences listed, and the sums of the
 * stacks' figures (a cost only when every stack has one).
 */
function totalsOf(
  sequences: readonly ManifestSequence[],
  figures: readonly Figures[],
): ManifestTotals {
  const count = (field: "served" | "hits" | "drawn") =>
    sequences.reduce((n, s) => n + sizeOf(s[field]), 0);
  const saved = figures.flatMap((f) =>
    f.saved === undefined || f.saved.samples === 0 ? [] : [f.saved]
  );
  return {
    sequences: sequences.length,
    served: count("served"),
    hits: count("hits"),
    drawn: count("drawn"),
    ...spendingOf(figures, figures.length > 0 && figures.every((f) => f.cost !== undefined)),
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
