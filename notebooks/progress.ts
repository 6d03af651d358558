/**
 * Live progress while sampling many items.
 *
 * @module
 */

import { type AsyncSource, take } from "../core/iterators.ts";
import type { Model } from "../core/model.ts";
import { assertLength } from "../core/_validate.ts";
import { container, escapeHtml, type MimeBundle, MUTED } from "./html.ts";
import { jupyter } from "./kernel.ts";
import { formatCost, seconds } from "./_figure_text.ts";
import { servedFigures, type StackFigures, stackFigures } from "./stack_figures.ts";

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
   * The model stack being read, to report cache hits, fresh samples,
   * requests and (when the provider has a price) their cost at the end.
   * @default {undefined}
   */
  model?: Model;
  /**
   * Whether the final display shows the time taken and the rate. `false`
   * leaves them out of it (live updates still show them while items
   * arrive), so that a saved notebook is unchanged by a rerun that gives the
   * same results: commit notebooks with `timing: false`.
   * @default {true}
   */
  timing?: boolean;
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

/** The stream {@linkcode progress} returns, with the state it shows. */
export interface ProgressStream<T> extends AsyncIterableIterator<T> {
  /** What the display shows now (the final state once reading is over). */
  readonly state: ProgressState;
}

/**
 * The next `total` items of `source`, like `take` (the source is left
 * open), with live progress: in the Deno Jupyter kernel one output updated in
 * place (a `display_id`), ending with the totals; in a terminal a single
 * progress line on stderr when stderr is a TTY; nothing otherwise. With the
 * model, the totals say how many items came from the cache and how many were
 * fresh draws, counted as `Repeatable.stats` counts hits and misses; after a
 * `break` the display says it stopped, and where. With `timing: false` the
 * final display holds no time, so a rerun with the same results leaves a
 * saved notebook unchanged.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
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
 * const stream = progress(model.sample("p", 10), 30, { model });
 * const items = await collect(stream, 30);
 * assert.equal(items.length, 30);
 * assert.equal(stream.state.totals, "0 from cache, 30 fresh, 3 requests");
 *
 * // For a notebook that is committed: no time in the final display.
 * const again = progress(model.sample("p", 10), 30, { model, timing: false });
 * await collect(again, 30);
 * assert.equal(again.state.totals, "30 from cache, 0 fresh, 0 requests");
 * assert.equal(again.state.timing, false);
 * ```
 *
 * @param source The stream to read.
 * @param total How many items to read, a non-negative integer.
 * @param options Label, update interval, the model for the totals, timing.
 * @returns A stream of at most `total` items, with its {@linkcode ProgressState}.
 */
export function progress<T>(
  source: AsyncSource<T>,
  total: number,
  options: ProgressOptions = {},
): ProgressStream<T> {
  assertLength("total", total);
  return new Progress(take(source, total), total, options, chooseSink());
}

// Where progress goes.
interface ProgressSink {
  /** Shows a state; `final` is the last call. */
  show(state: ProgressState, final: boolean): Promise<void> | void;
}

class Progress<T> implements ProgressStream<T> {
  #it: AsyncIterator<T>;
  #total: number;
  #options: ProgressOptions;
  #sink: ProgressSink | undefined;
  #done = 0;
  #start: number | undefined;
  #shownAt = -Infinity;
  #finished = false;
  #before: Figures | undefined;

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
      if (this.#options.model !== undefined) this.#before = figuresOf(this.#options.model);
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

  get state(): ProgressState {
    const final = this.#finished;
    const totals = final ? this.#totals() : undefined;
    return {
      label: this.#options.label ?? "sampling",
      done: this.#done,
      total: this.#total,
      elapsed: (performance.now() - (this.#start ?? performance.now())) / 1000,
      finished: final,
      ...(final && this.#done < this.#total ? { stopped: true } : {}),
      ...(totals === undefined ? {} : { totals }),
      ...(final && this.#options.timing === false ? { timing: false } : {}),
    };
  }

  async #show(final: boolean): Promise<void> {
    this.#shownAt = performance.now();
    if (this.#sink === undefined) return;
    await this.#sink.show(this.state, final);
  }

  #totals(): string | undefined {
    const model = this.#options.model;
    if (model === undefined || this.#before === undefined) return undefined;
    const cached = servedFigures(model) !== undefined;
    const meanwhile = stackFigures(model, this.#before.stack);
    // Items served meanwhile by the stack's outermost cache; without one, all are fresh.
    const misses = cached && this.#before.cached ? meanwhile.misses : this.#done;
    const fresh = Math.min(this.#done, Math.max(0, misses));
    const { requests, cost } = meanwhile;
    return `${this.#done - fresh} from cache, ${fresh} fresh, ` +
      `${requests} request${requests === 1 ? "" : "s"}` +
      (cost === undefined ? "" : `, cost ${formatCost(cost)}`);
  }
}

interface Figures {
  /** Whether the stack has a cache. */
  cached: boolean;
  stack: StackFigures;
}

function figuresOf(model: Model): Figures {
  return { cached: servedFigures(model) !== undefined, stack: stackFigures(model) };
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
 * import assert from "node:assert/strict";
 * import { progressLine } from "./progress.ts";
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
 * import { progressBundle } from "./progress.ts";
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
