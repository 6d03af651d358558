/**
 * The samples table: many prompts at once, each with its first samples.
 *
 * @module
 */

import type { Model } from "../core/model.ts";
import { assertPrompt, type Prompt } from "../core/prompt.ts";
import { assertCount, assertLength, describe } from "../internal/validate.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  legend,
  mark,
  type MimeBundle,
  table,
  textTable,
  View,
} from "./html.ts";
import { SWATCH } from "./_palette.ts";
import { readSamples, type SampleOrigin, type SampleRow } from "./_samples.ts";
import { foldedPrompt, promptLine, promptTitle, replyHtml, replyLine } from "./_turns.ts";

/** Options of {@linkcode samplesTable}. */
export interface SamplesTableOptions {
  /**
   * Samples fetched per miss, as in `model.sample(prompt, batch)`: by
   * default a prompt's samples missing from the cache come in one batch
   * (split by the provider's `maxBatch`).
   * @default {k, the samples per prompt}
   */
  batch?: number;
  /**
   * Samples longer than this many characters, or of more than 3 lines, are
   * folded behind the start of their first line.
   * @default {40}
   */
  fold?: number;
}

/**
 * Reads the first `k` items of `model.sample(prompt, batch)` for each prompt
 * and shows them as one table: a row per prompt, a column per index, each
 * sample folded when it is long and marked with where it came from (as in
 * {@linkcode showSamples}: from the cache when it was stored before the
 * stack drew it, fresh when it is one of the stack's own draws). Prompts are
 * read one after the other, in order. A prompt may be a chat (shown by its
 * preview, its turns folded behind it), and samples are read whole: a reply
 * that calls tools shows its calls (`→ name(arguments)`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { samplesTable } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1, { maxBatch: 10 }));
 * await collect(model.sample("Pick a number"), 2); // cached before the table
 * const view = await samplesTable(model, ["Pick a number", "Pick a colour"], 3);
 * assert.deepEqual(view.rows[0]!.map((s) => s.origin), ["cache", "cache", "fresh"]);
 * // A miss draws a batch of k = 3: "2" (and "3", "4", kept for later), then "5", "6", "7".
 * assert.deepEqual(view.rows[1]!.map((s) => s.text), ["5", "6", "7"]);
 * assert.match(String(view), /2 prompts × 3 samples · 2 from cache · 4 fresh/);
 * ```
 *
 * @param model Any model stack.
 * @param prompts The prompts, one row each: strings or chats.
 * @param k How many items to read per prompt.
 * @param options Batch size and folding.
 * @returns The view, which also holds the samples.
 */
export async function samplesTable(
  model: Model,
  prompts: Iterable<Prompt>,
  k: number,
  options: SamplesTableOptions = {},
): Promise<SamplesTable> {
  // A string is iterable too: one row per character is never what was meant.
  if (
    typeof prompts === "string" ||
    typeof (prompts as Partial<Iterable<Prompt>>)?.[Symbol.iterator] !== "function"
  ) {
    const chat = typeof prompts === "object" && prompts !== null && "messages" in prompts;
    throw new TypeError(
      `samplesTable: prompts must be a list of prompts, got ${
        chat ? "a chat" : describe(prompts)
      }; ` +
        `pass an array of prompts, e.g. [prompt] (or showSamples for one prompt)`,
    );
  }
  // Every prompt is checked before anything is read, so a bad one costs nothing.
  const list = [...prompts];
  list.forEach((prompt) => assertPrompt(prompt));
  assertLength("k", k, "samplesTable");
  const { batch = Math.max(1, k), fold = 40 } = options;
  assertCount("batch", batch, "samplesTable");
  const rows: SampleRow[][] = [];
  for (const prompt of list) rows.push(await readSamples(model, prompt, k, batch));
  return new SamplesTable(list, rows, fold);
}

/**
 * Samples of many prompts in one table; see {@linkcode samplesTable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SamplesTable } from "./mod.ts";
 *
 * const view = new SamplesTable(["Pick a number"], [[
 *   { index: 0, text: "42", origin: "cache" },
 *   { index: 1, text: "7", origin: "fresh" },
 * ]]);
 * assert.match(String(view), /^Pick a number +42 +7 \*$/m);
 * assert.match(String(view), /1 prompt × 2 samples · 1 from cache · 1 fresh \(\* fresh\)$/);
 * ```
 */
export class SamplesTable extends View {
  /** The prompts, one row each. */
  readonly prompts: readonly Prompt[];
  /** Each prompt's samples, in order. */
  readonly rows: readonly (readonly SampleRow[])[];
  #fold: number;

  /**
   * Makes the view from samples already read.
   *
   * @param prompts The prompts, one row each.
   * @param rows Each prompt's samples, in order.
   * @param fold Fold samples longer than this many characters.
   */
  constructor(prompts: readonly Prompt[], rows: readonly (readonly SampleRow[])[], fold = 40) {
    super();
    this.prompts = prompts;
    this.rows = rows;
    this.#fold = fold;
  }

  /**
   * The view as `text/html` and `text/plain`: in HTML every sample is folded
   * when it is long and its cell is edged in the colour of its origin beside
   * its mark (`↺` from cache, `*` fresh), with the legend on the caption's
   * line; in text, fresh samples carry a `*`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SamplesTable } from "./mod.ts";
   *
   * const html = new SamplesTable(["<p>"], [[{ index: 0, text: "<b>", origin: "fresh" }]])
   *   .bundle()["text/html"];
   * assert(html.includes("&lt;b&gt;") && !html.includes("<b>"));
   * assert(html.includes('title="fresh"'));
   * ```
   */
  bundle(): MimeBundle {
    const columns = this.#columns();
    const headers = ["prompt", ...Array.from({ length: columns }, (_, i) => String(i))];
    const samples = this.rows.flat();
    const fresh = samples.filter((s) => s.origin === "fresh").length;
    const caption = `${count(this.prompts.length, "prompt")} × ${count(columns, "sample")} · ` +
      `${samples.length - fresh} from cache · ${fresh} fresh`;
    const html =
      `<div style="${CAPTION}">${escapeHtml(caption)} \u00a0${legend(["cache", "fresh"])}</div>` +
      table(
        headers,
        this.prompts.map((prompt, p) => [
          `<div title="${escapeHtml(promptTitle(prompt))}">${foldedPrompt(prompt, 40, 40)}</div>`,
          ...this.#cells(p, (s) => edged(replyHtml(replyOf(s), this.#fold, this.#fold), s.origin)),
        ]),
        { widths: ["28%", ...Array(columns).fill("")] },
      );
    const text = textTable(
      headers,
      this.prompts.map((prompt, p) => [
        promptLine(prompt, 40),
        ...this.#cells(p, (s) => replyLine(replyOf(s), 24) + (s.origin === "fresh" ? " *" : "")),
      ]),
    );
    return {
      "text/html": container(html),
      "text/plain": `${text}\n${caption}${fresh > 0 ? " (* fresh)" : ""}`,
    };
  }

  /** As many columns as the longest row has samples. */
  #columns(): number {
    return Math.max(0, ...this.rows.map((r) => r.length));
  }

  /** A row's cells, one per column (empty where its stream ended early). */
  #cells(p: number, cell: (sample: SampleRow) => string): string[] {
    const row = this.rows[p] ?? [];
    return Array.from({ length: this.#columns() }, (_, i) => {
      const sample = row[i];
      return sample === undefined ? "" : cell(sample);
    });
  }
}

/**
 * `html` in a cell edged with the colour of `origin`, after its mark (which
 * says the same without colour); the title names it.
 */
function edged(html: string, origin: SampleOrigin): string {
  const { colour, label } = SWATCH[origin];
  return `<div title="${label}" style="display:flex;gap:4px;border-left:3px solid ${colour};` +
    `padding-left:4px">${mark(origin)} <div style="min-width:0;flex:1">${html}</div></div>`;
}

function replyOf(sample: SampleRow) {
  return sample.reply ?? { text: sample.text, toolCalls: [] };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
