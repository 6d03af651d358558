/**
 * Rich, live display in the Deno Jupyter kernel.
 *
 * Every model stack shows itself when it is a cell's last value (as plain
 * text without this module); importing this module makes that display the
 * rich {@linkcode modelView} (figures since the model was created, and since
 * it was last shown), and offers views
 * that do the same: {@linkcode showSamples} (a table of samples, cached or
 * fresh), {@linkcode samplesTable} (many prompts × their first samples),
 * {@linkcode cacheOverview} (what a store holds),
 * {@linkcode answerChart} (an SVG bar chart of answer frequencies, the
 * expected answer marked), {@linkcode progress} (a live progress display
 * while sampling) and
 * {@linkcode showAttempts} (what each attempt of `queryRetry` drew),
 * {@linkcode showChat} (a chat as its turns: an agent's trajectory, tool
 * calls and reasoning included) and
 * {@linkcode resultsTable} (pass@k, votes and intervals as a table). The
 * figures every view shows (`figuresOf` of the root module) are labelled
 * and rounded by one formatter, {@linkcode figureCells}. Every view
 * has `text/html` and readable `text/plain`; all prompt and sample text is
 * HTML-escaped. Nothing here touches `Deno.jupyter` outside the kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { answerChart, modelView } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1, { maxBatch: 10 }));
 * const samples = await collect(model.sample("Choose a number", 10), 10);
 * assert.equal(answerChart(samples).distinct, 10);
 * assert.equal(modelView(model).figures.requests, 1);
 * ```
 *
 * @module
 */

export { escapeHtml, type MimeBundle, View } from "./html.ts";
export { jupyter } from "./kernel.ts";
export { type Layer, ModelView, modelView } from "./model_view.ts";
export { type StackFigures, stackFigures } from "./stack_figures.ts";
export { type FigureCell, figureCells, formatFigures } from "../core/figure_text.ts";
import "./_display_hooks.ts";
export {
  type SampleOrigin,
  type SampleRow,
  SamplesView,
  showSamples,
  type ShowSamplesOptions,
} from "./samples_view.ts";
export { SamplesTable, samplesTable, type SamplesTableOptions } from "./samples_table.ts";
export { type CachedSequence, CacheOverview, cacheOverview } from "./cache_overview.ts";
export { formatBytes } from "../internal/format_bytes.ts";
export {
  AnswerChart,
  answerChart,
  type AnswerChartOptions,
  type AnswerCount,
} from "./answer_chart.ts";
export {
  progress,
  type ProgressOptions,
  type ProgressState,
  type ProgressStream,
} from "./progress.ts";
export { AttemptsView, showAttempts, type ShowAttemptsOptions } from "./attempts_view.ts";
export { ChatView, showChat, type ShowChatOptions } from "./chat_view.ts";
export {
  ResultsTable,
  resultsTable,
  type ResultsTableOptions,
  type ResultValue,
} from "./results_table.ts";
