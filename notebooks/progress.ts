/**
 * Live progress while sampling many items: `progress` counts the items read
 * and, with the model, what came from the cache and what was drawn fresh.
 * How a state is shown (terminal line, notebook HTML) is in
 * _progress_display.ts.
 *
 * @module
 */

import { type AsyncSource, take } from "../core/iterators.ts";
import type { Model } from "../core/model.ts";
import { assertLength } from "../internal/validate.ts";
import { figureCells } from "../core/figure_text.ts";
import { type Figures, figuresOf, servedFigures } from "../core/figures.ts";
import { chooseSink, type ProgressSink, type ProgressState } from "./_progress_display.ts";

export type { ProgressState } from "./_progress_display.ts";

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
   * The model stack being read, to report cache hits, fresh samples, the
   * samples it waits for while another process sharing its store draws
   * them, and requests and (when the provider has a price) their cost at
   * the end.
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
  /**
   * Shows nothing at all (the stream and its `state` work as usual). Outside
   * a notebook, setting the environment variable `LLM_CACHE_QUIET=1` does
   * the same for every progress display of a script or test run (read only
   * when `--allow-env` grants it).
   * @default {false}
   */
  quiet?: boolean;
}

/** The stream {@linkcode progress} returns, with the state it shows. */
export interface ProgressStream<T> extends AsyncIterableIterator<T> {
  /** What the display shows now (the final state once reading is over). */
  readonly state: ProgressState;
}

/**
 * The next `total` items of `source`, like `take` (the source is left
 * open), with live progress: percent, count, rate, time left and (with the
 * model) how many items came from the cache and how many were fresh draws,
 * counted as `Repeatable.stats` counts hits and misses. In the Deno Jupyter
 * kernel it is one output updated in place (a `display_id`); in `deno run`
 * or `deno test` it goes to stderr: one line rewritten in place when stderr
 * is a terminal, and one summary line at the end when it is not (a log
 * file, CI). `quiet: true`, or the environment variable `LLM_CACHE_QUIET=1`
 * outside a notebook, shows nothing. The final display adds the requests
 * (and cost); after a `break` it says it stopped, and where. With
 * `timing: false` the final display holds no time, so a rerun with the same
 * results leaves a saved notebook unchanged.
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
 * const stream = progress(model.sample("p", 10), 30, { model, quiet: true });
 * const items = await collect(stream, 30);
 * assert.equal(items.length, 30);
 * assert.equal(stream.state.totals, "0 from cache, 30 fresh, 3 requests");
 *
 * // For a notebook that is committed: no time in the final display.
 * const again = progress(model.sample("p", 10), 30, { model, timing: false, quiet: true });
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
  return new Progress(take(source, total), total, options, chooseSink(options.quiet === true));
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
  #before: Snapshot | undefined;

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
      if (this.#options.model !== undefined) this.#before = snapshotOf(this.#options.model);
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
    const cached = this.#cached();
    const waiting = final ? undefined : this.#waiting();
    return {
      label: this.#options.label ?? "sampling",
      done: this.#done,
      total: this.#total,
      elapsed: (performance.now() - (this.#start ?? performance.now())) / 1000,
      finished: final,
      ...(final && this.#done < this.#total ? { stopped: true } : {}),
      ...(cached === undefined ? {} : { cached }),
      ...(totals === undefined ? {} : { totals }),
      ...(waiting === undefined ? {} : { waiting }),
      ...(final && this.#options.timing === false ? { timing: false } : {}),
    };
  }

  /** Of the items read, how many came from the cache (with the model). */
  #cached(): number | undefined {
    const model = this.#options.model;
    if (model === undefined || this.#before === undefined) return undefined;
    const served = servedFigures(model);
    // Items served meanwhile by the stack's outermost cache; without one, all are fresh.
    const misses = served !== undefined && this.#before.cached
      ? served.misses - this.#before.stack.misses
      : this.#done;
    return this.#done - Math.min(this.#done, Math.max(0, misses));
  }

  /** With the model: samples it waits for, that another process is drawing (see `Figures.waiting`). */
  #waiting(): number | undefined {
    const model = this.#options.model;
    return model === undefined ? undefined : figuresOf(model).waiting;
  }

  async #show(final: boolean): Promise<void> {
    this.#shownAt = performance.now();
    if (this.#sink === undefined) return;
    await this.#sink.show(this.state, final);
  }

  #totals(): string | undefined {
    const model = this.#options.model;
    const cached = this.#cached();
    if (model === undefined || this.#before === undefined || cached === undefined) return undefined;
    const cells = figureCells(figuresOf(model, this.#before.stack));
    const requests = cells.find((c) => c.name === "requests")!;
    const cost = cells.find((c) => c.name === "cost");
    return `${cached} from cache, ${this.#done - cached} fresh, ` +
      `${requests.text} request${requests.value === 1 ? "" : "s"}` +
      (cost === undefined ? "" : `, cost ${cost.text} ${cost.unit}`);
  }
}

/** The figures of a stack when reading started. */
interface Snapshot {
  /** Whether the stack has a cache. */
  cached: boolean;
  stack: Figures;
}

function snapshotOf(model: Model): Snapshot {
  return { cached: servedFigures(model) !== undefined, stack: figuresOf(model) };
}
