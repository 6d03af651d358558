/**
 * The samples view: the first items of a sequence as a table.
 *
 * @module
 */

import type { Model } from "../core/model.ts";
import { assertPrompt, type Prompt, promptText } from "../core/prompt.ts";
import { chatOf } from "../core/prompt_preview.ts";
import { assertLength } from "../internal/validate.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  foldedText,
  legend,
  type MimeBundle,
  MUTED,
  pill,
  table,
  textTable,
  View,
  wrap,
} from "./html.ts";
import { SWATCH } from "./_palette.ts";
import { readSamples, type SampleOrigin, type SampleRow } from "./_samples.ts";
import { chatTable, replyHtml, replyLine } from "./_turns.ts";

export type { SampleOrigin, SampleRow };

/** Options of {@linkcode showSamples}. */
export interface ShowSamplesOptions {
  /**
   * Samples fetched per miss, as in `model.sample(prompt, batch)`.
   * @default {1}
   */
  batch?: number;
  /**
   * Samples longer than this many characters, or of more than 3 lines, are
   * folded behind their first line.
   * @default {160}
   */
  fold?: number;
}

/**
 * Reads the first `n` items of `model.sample(prompt, batch)` and shows them
 * as a table: index, text (long ones folded, monospaced) and whether each
 * came from the cache or was fresh. Items are read whole (`repliesOf`): a
 * reply's tool calls are shown under its text, its reasoning folded, its
 * finish reason and model in a muted line; a chat prompt is shown as its
 * turns. As in `Repeatable.stats`, an item is
 * from the cache when it was stored before the stack drew it, and fresh when
 * it comes from the stack's own fresh draws (a whole batch is fresh, not
 * only its first item); with no caching layer every sample is fresh.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { showSamples } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1, { maxBatch: 2 }));
 * await showSamples(model, "p", 1, { batch: 2 }); // draws 0 and 1, serves 0
 * const view = await showSamples(model, "p", 3);
 * assert.deepEqual(view.rows.map((r) => r.origin), ["cache", "fresh", "fresh"]);
 * ```
 *
 * @example A chat, and replies that call tools
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, type Chat, type Prompt } from "../mod.ts";
 * import type { QueryResult } from "../core/engine.ts";
 * import { showSamples } from "./mod.ts";
 *
 * class Caller extends BufferedModel {
 *   protected query(_prompt: Prompt, n: number): Promise<QueryResult> {
 *     const call = { id: "c1", name: "add", arguments: '{"a":2,"b":2}' };
 *     return Promise.resolve({ samples: Array(n).fill({ text: "", toolCalls: [call] }) });
 *   }
 * }
 *
 * const chat: Chat = { system: "Use tools.", messages: [{ role: "user", content: "2 + 2?" }] };
 * const text = String(await showSamples(new Caller("caller", 1), chat, 1));
 * assert.match(text, /^ +system +Use tools\.$/m);
 * assert.match(text, /^0  \* fresh  → add\(\{"a":2,"b":2\}\)$/m);
 * ```
 *
 * @param model Any model stack.
 * @param prompt The prompt: a string or a chat.
 * @param n How many items to read.
 * @param options Batch size and folding.
 * @returns The view, which also holds the rows.
 */
export async function showSamples(
  model: Model,
  prompt: Prompt,
  n: number,
  options: ShowSamplesOptions = {},
): Promise<SamplesView> {
  assertPrompt(prompt);
  assertLength("n", n);
  const { batch = 1, fold = 160 } = options;
  return new SamplesView(prompt, await readSamples(model, prompt, n, batch), fold);
}

/**
 * A table of samples; see {@linkcode showSamples}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { SamplesView } from "./mod.ts";
 *
 * const view = new SamplesView("Pick a number", [
 *   { index: 0, text: "42", origin: "cache" },
 *   { index: 1, text: "7", origin: "fresh" },
 * ]);
 * assert(String(view).endsWith("2 samples · 1 from cache · 1 fresh"));
 * ```
 */
export class SamplesView extends View {
  /** The prompt the samples answer. */
  readonly prompt: Prompt;
  /** The samples in order. */
  readonly rows: readonly SampleRow[];
  #fold: number;

  /**
   * Makes the view from figures already gathered.
   *
   * @param prompt The prompt the samples answer: a string or a chat.
   * @param rows The samples in order.
   * @param fold Fold samples longer than this many characters.
   */
  constructor(prompt: Prompt, rows: readonly SampleRow[], fold = 160) {
    super();
    this.prompt = prompt;
    this.rows = rows;
    this.#fold = fold;
  }

  /**
   * The view as `text/html` and `text/plain`; long samples are folded in HTML.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SamplesView } from "./mod.ts";
   *
   * const long = "x".repeat(200);
   * const html = new SamplesView("p", [{ index: 0, text: long, origin: "fresh" }], 100)
   *   .bundle()["text/html"];
   * assert(html.includes("<details>") && html.includes("(200\u00a0chars)"));
   * assert.match(String(new SamplesView("p", [{ index: 0, text: "42", origin: "fresh" }])), /^0  \* fresh  42$/m);
   * ```
   */
  bundle(): MimeBundle {
    const fresh = this.rows.filter((r) => r.origin === "fresh").length;
    const caption = `${this.rows.length} samples · ${this.rows.length - fresh} from cache · ` +
      `${fresh} fresh`;
    const headers = ["#", "from", "sample"];
    const asked = this.#asked();
    const html = asked.html +
      table(
        headers,
        this.rows.map((r) => [
          String(r.index),
          badge(r.origin),
          replyHtml(r.reply ?? { text: r.text, toolCalls: [] }, this.#fold),
        ]),
        { numeric: [true] },
      ) +
      `<div style="${MUTED}">${escapeHtml(caption)} \u00a0${legend(["cache", "fresh"])}</div>`;
    const text = textTable(
      headers,
      this.rows.map((r) => [
        String(r.index),
        `${SWATCH[r.origin].mark} ${r.origin}`,
        replyLine(r.reply ?? { text: r.text, toolCalls: [] }, 70),
      ]),
      { numeric: [true] },
    );
    return {
      "text/html": container(html),
      "text/plain": `${asked.text}\n${text}\n${caption}`,
    };
  }

  /** The prompt: a string whole (a long one folded), a chat as its turns. */
  #asked(): { html: string; text: string } {
    const chat = chatOf(this.prompt);
    if (chat === undefined) {
      const prompt = promptText(this.prompt);
      return {
        // The whole prompt: a long one is folded, never cut without a way to read it.
        html: `<div style="${CAPTION}" title="${escapeHtml(prompt)}">` +
          `${foldedText(prompt, 300, 120)}</div>`,
        text: wrap(prompt, 100),
      };
    }
    const { html, text } = chatTable(chat, [], this.#fold);
    return { html, text };
  }
}

function badge(origin: SampleOrigin): string {
  return pill(origin, origin);
}
