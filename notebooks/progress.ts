/**
 * Live progress while sampling many items.
 *
 * @module
 */

import { type AsyncSource, take } from "../iterators.ts";
import type { Model } from "../model.ts";
import { assertLength } from "../validate.ts";
import { container, escapeHtml, type MimeBundle, MUTED } from "./html.ts";
import { jupyter } from "./kernel.ts";
import { seconds, stackFigures } from "./model_view.ts";

/** Options of {@linkcode progress}. */
export interface ProgressOptions {
  /**
   * What is being counted, shown before the figures.
   * @default {"sampling"}
   */
  label?: string;
  /**
   * The least milliseconds between two updates; the final state is always shown.
   * @default {200}
   */
  interval?: number;
  /**
   * The model stack being read, to report cache hits, fresh samples and
   * requests at the end.
   * @default {undefined}
   */
  model?: Model;
}

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
  /** Whether the stream has finished. */
  readonly finished: boolean;
  /** The totals shown at the end, e.g. `58 from cache, 42 fresh`. */
  readonly totals?: string;
}

/**
 * The first `total` items of `source`, like `take`, with live progress: in
 * the Deno Jupyter kernel one output updated in place (a `display_id`),
 * ending with the totals; in a terminal a single progress line on stderr
 * when stderr is a TTY; nothing otherwise.
 *
 * @example
 * ```ts
 * import { BufferedModel, collect, Repeatable } from "../mod.ts";
 * import { progress } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("gpt-4o", 1, { maxBatch: 10 }));
 * const items = await collect(progress(model.sample("p", 10), 30, { model }), 30);
 * console.assert(items.length === 30);
 * ```
 *
 * @param source The stream to read.
 * @param total How many items to read, a non-negative integer.
 * @param options Label, update interval and the model for the totals.
 * @returns A stream of at most `total` items.
 */
export function progress<T>(
  source: AsyncSource<T>,
  total: number,
  options: ProgressOptions = {},
): AsyncIterableIterator<T> {
  assertLength("total", total);
  return new Progress(take(source, total), total, options, chooseSink());
}

// Where progress goes.
interface ProgressSink {
  /** Shows a state; `final` is the last call. */
  show(state: ProgressState, final: boolean): Promise<void> | void;
}

class Progress<T> implements AsyncIterableIterator<T> {
  #it: AsyncIterator<T>;
  #total: number;
  #options: ProgressOptions;
  #sink: ProgressSink | undefined;
  #done = 0;
  #start: number | undefined;
  #shownAt = -Infinity;
  #finished = false;
  #before: ReturnType<typeof stackFigures> | undefined;

  constructor(
    it: AsyncIterator<T>,
    total: number,
    options: ProgressOptions,
    sink: ProgressSink | undefined,
  ) {
    this.#it = it;
    this.#total = total;
    this.#options = options;
    this.#sink = sink;
  }

  async next(): Promise<IteratorResult<T>> {
    if (this.#start === undefined) {
      this.#start = performance.now();
      if (this.#options.model !== undefined) this.#before = stackFigures(this.#options.model);
      await this.#show(false);
    }
    const result = await this.#it.next();
    if (result.done) {
      await this.#finish();
      return result;
    }
    this.#done++;
    if (this.#done >= this.#total) await this.#finish();
    else if (performance.now() - this.#shownAt >= (this.#options.interval ?? 200)) {
      await this.#show(false);
    }
    return result;
  }

  async return(): Promise<IteratorResult<T>> {
    await this.#it.return?.();
    if (this.#start !== undefined) await this.#finish();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async #finish(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await this.#show(true);
  }

  async #show(final: boolean): Promise<void> {
    this.#shownAt = performance.now();
    if (this.#sink === undefined) return;
    const totals = final ? this.#totals() : undefined;
    await this.#sink.show({
      label: this.#options.label ?? "sampling",
      done: this.#done,
      total: this.#total,
      elapsed: (performance.now() - (this.#start ?? performance.now())) / 1000,
      finished: final,
      ...(totals === undefined ? {} : { totals }),
    }, final);
  }

  #totals(): string | undefined {
    const model = this.#options.model;
    if (model === undefined || this.#before === undefined) return undefined;
    const now = stackFigures(model);
    const fresh = now.fresh - this.#before.fresh;
    const requests = now.requests - this.#before.requests;
    return `${Math.max(0, this.#done - fresh)} from cache, ${fresh} fresh, ` +
      `${requests} request${requests === 1 ? "" : "s"}`;
  }
}

function chooseSink(): ProgressSink | undefined {
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
 * import { progressLine } from "./progress.ts";
 *
 * const line = progressLine({ label: "sampling", done: 5, total: 10, elapsed: 1, finished: false });
 * console.assert(line.includes("5/10"));
 * ```
 */
export function progressLine(state: ProgressState): string {
  const width = 20;
  const filled = state.total === 0 ? width : Math.round((state.done / state.total) * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const rate = state.elapsed > 0 ? ` (${(state.done / state.elapsed).toFixed(1)}/s)` : "";
  const head = state.finished ? "✓ " : "";
  const tail = state.totals === undefined ? "" : ` · ${state.totals}`;
  return `${head}${state.label} ${bar} ${state.done}/${state.total} · ` +
    `${seconds(state.elapsed)}${rate}${tail}`;
}

/**
 * The MIME bundle of a progress state; the final one carries
 * `data-progress="done"`.
 *
 * @example
 * ```ts
 * import { progressBundle } from "./progress.ts";
 *
 * const bundle = progressBundle({ label: "a & b", done: 1, total: 2, elapsed: 0, finished: true });
 * console.assert(bundle["text/html"].includes("a &amp; b"));
 * ```
 */
export function progressBundle(state: ProgressState): MimeBundle {
  const percent = state.total === 0 ? 100 : Math.round((state.done / state.total) * 100);
  const colour = state.finished ? "#2e8b57" : "#4c8bd6";
  const figures = `${state.done} / ${state.total} · ${seconds(state.elapsed)}` +
    (state.totals === undefined ? "" : ` · ${state.totals}`);
  const html = `<div data-progress="${state.finished ? "done" : "running"}" ` +
    `style="display:flex;align-items:center;gap:8px">` +
    `<span>${state.finished ? "✓ " : ""}${escapeHtml(state.label)}</span>` +
    `<span style="display:inline-block;width:200px;height:10px;border-radius:5px;` +
    `background:rgba(128,128,128,.25);overflow:hidden"><span style="display:block;` +
    `height:100%;width:${percent}%;background:${colour}"></span></span>` +
    `<span style="${MUTED}">${escapeHtml(figures)}</span></div>`;
  return { "text/html": container(html), "text/plain": progressLine(state) };
}
