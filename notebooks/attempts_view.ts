/**
 * The attempts view: what each attempt of `queryRetry` drew and why it
 * failed or passed.
 *
 * @module
 */

import { type Attempt, LLMOutputError } from "../structured/mod.ts";
import { describe } from "../internal/validate.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  type MimeBundle,
  MONO,
  MUTED,
  pill,
  table,
  textTable,
  View,
  wrap,
} from "./html.ts";
import { SWATCH } from "./_palette.ts";
import { replyHtml, replyLine } from "./_turns.ts";

/**
 * Options of {@linkcode showAttempts}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { showAttempts, type ShowAttemptsOptions } from "./mod.ts";
 *
 * const options: ShowAttemptsOptions = { fold: 20 };
 * const view = showAttempts([{ index: 0, response: "x".repeat(30), ok: true, value: "x" }], options);
 * assert.match(view.bundle()["text/html"], /<details open>/); // the passing one, unfolded
 * ```
 */
export interface ShowAttemptsOptions {
  /**
   * Responses longer than this many characters, or of more than 3 lines, are
   * folded behind their first line.
   * @default {160}
   */
  fold?: number;
}

/**
 * Shows the attempts of a `queryRetry` call as a table: each attempt's
 * number, outcome (passed, or failed to parse or to validate), the reason or
 * the value, and the response (long ones folded; a reply's tool calls as
 * `→ name(arguments)`, its reasoning folded). Pass the attempts collected
 * with the `onAttempt` option, or the {@linkcode LLMOutputError} a call threw.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Attempt, BufferedModel, queryRetry, tag } from "../mod.ts";
 * import { showAttempts } from "./mod.ts";
 *
 * class Scripted extends BufferedModel {
 *   #replies = ["No tags.", "<answer>x</answer>", "<answer>42</answer>"];
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(this.#replies.splice(0, n));
 *   }
 * }
 *
 * const attempts: Attempt[] = [];
 * await queryRetry(new Scripted("scripted", 1), "A number in <answer> tags", tag("answer"), {
 *   retries: 3,
 *   validate: (s) => /^\d+$/.test(s),
 *   onAttempt: (a) => attempts.push(a),
 * });
 * const view = showAttempts(attempts);
 * assert.match(String(view), /3 attempts · passed on attempt 3/); // counted from 1
 * assert.match(String(view), /2\s+✗ validate\s+validate returned false/);
 * ```
 *
 * @param source The attempts, or the error that lists them.
 * @param options Folding of long responses.
 * @returns The view, which also holds the attempts.
 * @throws {TypeError} When `source` is neither attempts nor an `LLMOutputError`.
 */
export function showAttempts(
  source: LLMOutputError | Iterable<Attempt>,
  options: ShowAttemptsOptions = {},
): AttemptsView {
  const attempts = source instanceof LLMOutputError ? source.attempts : source;
  if (typeof (attempts as Iterable<Attempt> | null)?.[Symbol.iterator] !== "function") {
    throw new TypeError(
      `cannot show ${describe(source)} as attempts: it is neither a list of attempts nor an ` +
        `LLMOutputError; collect the attempts with queryRetry's onAttempt option, or pass ` +
        `the LLMOutputError it threw`,
    );
  }
  return new AttemptsView([...attempts], options.fold);
}

/**
 * A table of `queryRetry` attempts; see {@linkcode showAttempts}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { AttemptsView } from "./mod.ts";
 *
 * const view = new AttemptsView([{ index: 0, response: "<a>1</a>", ok: true, value: "1" }]);
 * assert.match(String(view), /^1 attempt · passed on attempt 1/);
 * ```
 */
export class AttemptsView extends View {
  /** The attempts, in order. */
  readonly attempts: readonly Attempt[];
  #fold: number;

  /**
   * Makes the view from attempts already gathered.
   *
   * @param attempts The attempts, in order.
   * @param fold Fold responses longer than this many characters.
   */
  constructor(attempts: readonly Attempt[], fold = 160) {
    super();
    this.attempts = attempts;
    this.#fold = fold;
  }

  /**
   * The view as `text/html` and `text/plain`; long responses are folded in HTML.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { AttemptsView } from "./mod.ts";
   *
   * const view = new AttemptsView([
   *   {
   *     index: 0,
   *     response: "none",
   *     ok: false,
   *     stage: "parse",
   *     reason: "no <a> tag",
   *     excerpt: "none",
   *     error: undefined,
   *   },
   * ]);
   * const { "text/html": html, "text/plain": text } = view.bundle();
   * assert(html.includes("no &lt;a&gt; tag"));
   * assert(text.startsWith("1 attempt · none passed"));
   * assert.match(text, /^ +1 +✗ parse +no <a> tag/m);
   * ```
   */
  bundle(): MimeBundle {
    const passed = this.attempts.find((a) => a.ok);
    const count = this.attempts.length === 1 ? "1 attempt" : `${this.attempts.length} attempts`;
    const caption = `${count} · ${
      passed === undefined ? "none passed" : `passed on attempt ${passed.index + 1}`
    }`;
    const headers = ["attempt", "outcome", "reason or value", "response"];
    const html = `<div style="${CAPTION}">${escapeHtml(caption)}</div>` +
      table(
        headers,
        this.attempts.map((a) => [
          String(a.index + 1),
          pill(outcome(a), a.ok ? "pass" : "fail"),
          detailHtml(a),
          // The response that passed is the one to read: it starts unfolded.
          replyHtml(a.reply ?? { text: a.response, toolCalls: [] }, this.#fold, 80, a.ok),
        ]),
        { numeric: [true], widths: ["4.5em", "7em", "36%", ""] },
      );
    const text = textTable(
      headers,
      this.attempts.map((a) => {
        const { cause, excerpt } = detail(a);
        return [
          String(a.index + 1),
          `${SWATCH[a.ok ? "pass" : "fail"].mark} ${outcome(a)}`,
          wrap(excerpt === undefined ? cause : `${cause}\ntext there: ${excerpt}`, 60),
          replyLine(a.reply ?? { text: a.response, toolCalls: [] }, 40),
        ];
      }),
      { numeric: [true] },
    );
    return { "text/html": container(html), "text/plain": `${caption}\n${text}` };
  }
}

function outcome(attempt: Attempt): string {
  return attempt.ok ? "passed" : attempt.stage;
}

/**
 * Why an attempt failed (its excerpt apart, unescaped, when the reason ends
 * with it as JSON), or the value it passed with.
 */
function detail(attempt: Attempt): { cause: string; excerpt?: string } {
  if (!attempt.ok) {
    const tail = ` (text there: ${JSON.stringify(attempt.excerpt)})`;
    return attempt.reason.endsWith(tail)
      ? { cause: attempt.reason.slice(0, -tail.length), excerpt: attempt.excerpt }
      : { cause: attempt.reason };
  }
  const { value } = attempt;
  return { cause: typeof value === "string" ? value : JSON.stringify(value) ?? String(value) };
}

function detailHtml(attempt: Attempt): string {
  const { cause, excerpt } = detail(attempt);
  const text = `<pre style="${MONO}">${escapeHtml(cause)}</pre>`;
  if (excerpt === undefined) return text;
  return `${text}<div style="${MUTED}">text there: <code style="${MONO}">` +
    `${escapeHtml(excerpt)}</code></div>`;
}
