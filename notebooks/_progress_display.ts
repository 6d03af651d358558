/**
 * How progress is shown: the state a display shows, as one line of text (a
 * terminal's stderr, or a log's last line) or as HTML updated in place (the
 * Deno Jupyter kernel).
 *
 * @module
 */

import { container, escapeHtml, type MimeBundle, MUTED } from "./html.ts";
import { jupyter } from "./kernel.ts";
import { SWATCH } from "./_palette.ts";

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
   * With the model: of the items so far, how many came from the cache (the
   * rest, `done - cached`, were fresh draws).
   * @default {undefined}
   */
  readonly cached?: number;
  /**
   * The totals shown at the end, e.g. `58 from cache, 42 fresh, 5 requests`
   * (and `, cost 0.0123 USD` when the provider has a price); the items from
   * cache and the fresh ones add up to `done`.
   */
  readonly totals?: string;
  /**
   * With the model, while reading: samples it is waiting for, that another
   * process sharing its store is drawing (see `Store.claim`); absent while
   * none.
   * @default {undefined}
   */
  readonly waiting?: number;
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

/** The environment variable that silences progress outside notebooks (any value but `0`). */
export const QUIET_VARIABLE = "LLM_CACHE_QUIET";

/**
 * Where progress goes here: the Deno Jupyter kernel's output; stderr,
 * updated in place when it is a terminal, else one summary line at the end;
 * nowhere when `quiet` (or `LLM_CACHE_QUIET` is set, for a script run
 * outside a notebook).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { chooseSink } from "./_progress_display.ts";
 *
 * assert.equal(chooseSink(true), undefined);
 * assert.notEqual(chooseSink(false), undefined); // stderr: live on a terminal, else a summary
 * ```
 */
export function chooseSink(quiet: boolean): ProgressSink | undefined {
  if (quiet) return undefined;
  const kernel = jupyter();
  if (kernel !== undefined) return kernelSink(kernel);
  if (quietByEnvironment()) return undefined;
  return Deno.stderr.isTerminal() ? terminalSink() : summarySink();
}

// Read only when allowed: asking would prompt, and a progress line is not
// worth a permission.
function quietByEnvironment(): boolean {
  const env = { name: "env", variable: QUIET_VARIABLE } as const;
  if (Deno.permissions.querySync(env).state !== "granted") return false;
  const value = Deno.env.get(QUIET_VARIABLE);
  return value !== undefined && value !== "" && value !== "0";
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

const encoder = new TextEncoder();

function terminalSink(): ProgressSink {
  return {
    show: (state, final) => {
      // One line, rewritten in place: cut to the terminal's width (a wrapped
      // line could not be rewritten), then "erase to the end of the line".
      let width = 0;
      try {
        width = Deno.consoleSize().columns;
      } catch {
        // no size known: leave the line whole
      }
      const line = progressLine(state);
      const fitted = width > 1 && [...line].length >= width
        ? [...line].slice(0, width - 2).join("") + "…"
        : line;
      Deno.stderr.writeSync(encoder.encode(`\r${fitted}\x1b[K${final ? "\n" : ""}`));
    },
  };
}

function summarySink(): ProgressSink {
  return {
    show: (state, final) => {
      if (final) Deno.stderr.writeSync(encoder.encode(`${progressLine(state)}\n`));
    },
  };
}

/** The status mark: running, done or stopped (the same slot in every state). */
function statusMark(state: ProgressState): string {
  if (state.stopped === true) return SWATCH.stopped.mark;
  return state.finished ? SWATCH.pass.mark : "▸";
}

function percent(state: ProgressState): number {
  if (state.total === 0) return 100;
  // 100% only when every item is in.
  return Math.min(
    state.done === state.total ? 100 : 99,
    Math.floor(state.done / state.total * 100),
  );
}

/** The figures after the count: time (rate, time left) and where items came from. */
function figures(state: ProgressState): string[] {
  const timed = state.timing !== false;
  const rate = state.elapsed > 0 ? state.done / state.elapsed : 0;
  const time = !timed
    ? []
    : state.finished
    ? [`${seconds(state.elapsed)}${rate > 0 ? ` (${rate.toFixed(1)}/s)` : ""}`]
    : [
      rate > 0 ? `${rate.toFixed(1)}/s` : "",
      rate > 0 ? `${duration((state.total - state.done) / rate)} left` : "",
    ];
  const origin = state.totals ??
    (state.cached === undefined
      ? ""
      : `${state.cached} from cache, ${state.done - state.cached} fresh`);
  const waiting = state.waiting === undefined || state.waiting === 0
    ? ""
    : `waiting for another process: ${state.waiting} sample${state.waiting === 1 ? "" : "s"}`;
  return [...time, origin, waiting].filter((t) => t !== "");
}

/**
 * The one-line text of a progress state: status mark, label, bar, percent,
 * count, then rate and time left (or the time taken) and where the items
 * came from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressLine } from "./_progress_display.ts";
 *
 * const line = progressLine({ label: "sampling", done: 5, total: 10, elapsed: 1, finished: false, cached: 2 });
 * assert.equal(line, "▸ sampling ██████████░░░░░░░░░░ 50% 5/10 · 5.0/s · 1 s left · 2 from cache, 3 fresh");
 *
 * // Another process sharing the store draws samples this one needs.
 * const waiting = progressLine({ label: "sampling", done: 5, total: 10, elapsed: 1, finished: false, cached: 5, waiting: 3 });
 * assert.match(waiting, / · waiting for another process: 3 samples$/);
 * ```
 */
export function progressLine(state: ProgressState): string {
  const width = 20;
  const filled = state.total === 0 ? width : Math.floor((state.done / state.total) * width);
  const bar = "█".repeat(filled) + "░".repeat(width - filled);
  const stopped = state.stopped === true ? " stopped" : "";
  return `${statusMark(state)} ${state.label} ${bar} ${percent(state)}% ` +
    `${state.done}/${state.total}${stopped}` + figures(state).map((t) => ` · ${t}`).join("");
}

/**
 * The MIME bundle of a progress state; the final one carries
 * `data-progress="done"` (or `"stopped"` when reading stopped early). The
 * bar is split by where items came from (the cache's colour, then the fresh
 * colour) when the model is known; every figure is also text, separated by
 * spaces, so a render without styles still reads.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { progressBundle } from "./_progress_display.ts";
 *
 * const bundle = progressBundle({ label: "a & b", done: 1, total: 2, elapsed: 0, finished: true });
 * assert(bundle["text/html"].includes("a &amp; b"));
 * assert.equal(bundle["text/html"].replace(/<[^>]+>/g, "").replace(/\s+/g, " "), "✓ a &amp; b 50% · 1 / 2 · 0.00 s");
 * ```
 */
export function progressBundle(state: ProgressState): MimeBundle {
  const stopped = state.stopped === true;
  const phase = stopped ? "stopped" : state.finished ? "done" : "running";
  const share = (n: number) => state.total === 0 ? 100 : (n / state.total) * 100;
  const segment = (n: number, colour: string) =>
    n <= 0 ? "" : `<span style="display:inline-block;height:100%;vertical-align:top;` +
      `width:${share(n).toFixed(2)}%;background:${colour}"></span>`;
  const segments = state.cached === undefined
    ? segment(state.total === 0 ? 1 : state.done, SWATCH.count.colour)
    : segment(state.cached, SWATCH.cache.colour) +
      segment(state.done - state.cached, SWATCH.fresh.colour);
  const text = [`${percent(state)}%`, `${state.done} / ${state.total}${stopped ? " stopped" : ""}`]
    .concat(figures(state)).join(" · ");
  // Fixed slots for the mark and the label keep the bar in one place.
  const html = `<div data-progress="${phase}"><span style="display:inline-block;width:1.2em">` +
    `${statusMark(state)}</span> <span title="${escapeHtml(state.label)}" style="display:` +
    `inline-block;width:12em;overflow:hidden;text-overflow:ellipsis;vertical-align:bottom">` +
    `${escapeHtml(state.label)}</span> <span style="display:inline-block;width:160px;` +
    `height:10px;border-radius:5px;background:rgba(128,128,128,.25);overflow:hidden;` +
    `vertical-align:middle;white-space:nowrap;font-size:0">${segments}</span> ` +
    `<span style="${MUTED}">${escapeHtml(text)}</span></div>`;
  return { "text/html": container(html), "text/plain": progressLine(state) };
}

/**
 * Seconds with a sensible precision: hundredths below ten seconds, tenths above.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { seconds } from "./_progress_display.ts";
 *
 * assert.equal(seconds(0.123), "0.12 s");
 * assert.equal(seconds(42.25), "42.3 s");
 * ```
 */
export function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

/**
 * A duration for people: seconds below a minute, then `m:ss`, then `h:mm:ss`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { duration } from "./_progress_display.ts";
 *
 * assert.equal(duration(4.2), "4 s");
 * assert.equal(duration(75), "1:15");
 * assert.equal(duration(3725), "1:02:05");
 * ```
 */
export function duration(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total} s`;
  const [h, m, sec] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const two = (n: number) => String(n).padStart(2, "0");
  return h === 0 ? `${m}:${two(sec)}` : `${h}:${two(m)}:${two(sec)}`;
}
