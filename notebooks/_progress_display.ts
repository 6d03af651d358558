/**
 * How progress is shown: the state a display shows, as one line of text (a
 * terminal's stderr) or as HTML updated in place (the Deno Jupyter kernel).
 *
 * @module
 */

import { container, escapeHtml, type MimeBundle, MUTED } from "./html.ts";
import { jupyter } from "./kernel.ts";
import { seconds } from "./_figure_text.ts";

/** What a progress display shows. */
export interface ProgressState {
  /** What is being counted. */
  readonly label: string;
  /** Items so far. */
  readonly done: number;
  /** Items expected. */
  readonly total: number;
  /** Seconds since the first item was asked for. */
  readonly elapsed: number;
  /** Whether this is the final state (all items read, or the reader stopped). */
  readonly finished: boolean;
  /**
   * Whether reading stopped before `total` items: a `break` or `return()`,
   * or a stream that ended.
   * @default {false}
   */
  readonly stopped?: boolean;
  /**
   * The totals shown at the end, e.g. `58 from cache, 42 fresh, 5 requests`
   * (and `, cost 0.0123` when the provider has a price); the items from
   * cache and the fresh ones add up to `done`.
   */
  readonly totals?: string;
  /**
   * `false` when the rendering leaves out `elapsed` and the rate (the final
   * state of a `progress` with `timing: false`).
   * @default {true}
   */
  readonly timing?: boolean;
}

/** Where progress goes. */
export interface ProgressSink {
  /** Shows a state; `final` is the last call. */
  show(state: ProgressState, final: boolean): Promise<void> | void;
}

/**
 * Where progress goes here: the Deno Jupyter kernel's output, stderr when it
 * is a terminal, or nowhere.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseSink } from "./_progress_display.ts";
 *
 * // Under `deno test` there is no kernel, and stderr is rarely a terminal.
 * assert.equal(chooseSink() === undefined, !Deno.stderr.isTerminal());
 * ```
 */
export function chooseSink(): ProgressSink | undefined {
  const kernel = jupyter();
  if (kernel !== undefined) return kernelSink(kernel);
  return Deno.stderr.isTerminal() ? terminalSink() : undefined;
}

function kernelSink(kernel: typeof Deno.jupyter): ProgressSink {
  const id = `llm-cache-progress-${crypto.randomUUID()}`;
  let shown = false;
  return {
    show: async (state) => {
      const update = shown;
      shown = true;
      await kernel.display(progressBundle(state), { raw: true, update, display_id: id });
    },
  };
}

function terminalSink(): ProgressSink {
  const encoder = new TextEncoder();
  return {
    show: (state, final) => {
      // \r and "erase to end of line" keep the progress on a single line.
      const text = `\r${progressLine(state)}\x1b[K${final ? "\n" : ""}`;
      Deno.stderr.writeSync(encoder.encode(text));
    },
  };
}

/**
 * The one-line text of a progress state.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./_progress_display.ts";
 *
 * const line = progressLine({ label: "sampling", done: 5, total: 10, elapsed: 1, finished: false });
 * assert(line.includes("5/10"));
 * ```
 */
export function progressLine(state: ProgressState): string {
  const width = 20;
  const filled = state.total === 0 ? width : Math.round((state.done / state.total) * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const timed = state.timing !== false;
  const rate = timed && state.elapsed > 0 ? ` (${(state.done / state.elapsed).toFixed(1)}/s)` : "";
  const head = state.stopped === true ? "■ stopped: " : state.finished ? "✓ " : "";
  const at = state.stopped === true ? `stopped at ${state.done} of ${state.total}` : "";
  const parts = [timed ? `${seconds(state.elapsed)}${rate}` : "", at, state.totals ?? ""];
  return `${head}${state.label} ${bar} ${state.done}/${state.total}` +
    parts.filter(Boolean).map((t) => ` · ${t}`).join("");
}

/**
 * The MIME bundle of a progress state; the final one carries
 * `data-progress="done"` (or `"stopped"` when reading stopped early).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressBundle } from "./_progress_display.ts";
 *
 * const bundle = progressBundle({ label: "a & b", done: 1, total: 2, elapsed: 0, finished: true });
 * assert(bundle["text/html"].includes("a &amp; b"));
 * ```
 */
export function progressBundle(state: ProgressState): MimeBundle {
  const percent = state.total === 0 ? 100 : Math.round((state.done / state.total) * 100);
  const stopped = state.stopped === true;
  const colour = stopped ? "#d2691e" : state.finished ? "#2e8b57" : "#4c8bd6";
  const figures = [
    `${state.done} / ${state.total}`,
    state.timing === false ? "" : seconds(state.elapsed),
    stopped ? `stopped at ${state.done} of ${state.total}` : "",
    state.totals ?? "",
  ].filter(Boolean).join(" · ");
  const phase = stopped ? "stopped" : state.finished ? "done" : "running";
  const html = `<div data-progress="${phase}" ` +
    `style="display:flex;align-items:center;gap:8px">` +
    `<span>${stopped ? "■ stopped: " : state.finished ? "✓ " : ""}${
      escapeHtml(state.label)
    }</span>` +
    `<span style="display:inline-block;width:200px;height:10px;border-radius:5px;` +
    `background:rgba(128,128,128,.25);overflow:hidden"><span style="display:block;` +
    `height:100%;width:${percent}%;background:${colour}"></span></span>` +
    `<span style="${MUTED}">${escapeHtml(figures)}</span></div>`;
  return { "text/html": container(html), "text/plain": progressLine(state) };
}
