// Where the command line writes: stdout for results, stderr for messages and
// progress. Tests pass their own Io to capture both.

/** The command line's output channels. */
export interface Io {
  /** Writes results. */
  out(text: string): void;
  /** Writes messages. */
  err(text: string): void;
  /** Whether to draw progress on stderr (only when it is a terminal). */
  readonly progress: boolean;
}

/**
 * The process's own stdout and stderr.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { processIo } from "./_io.ts";
 *
 * const io = processIo();
 * assert.equal(typeof io.progress, "boolean");
 * ```
 */
export function processIo(): Io {
  const encoder = new TextEncoder();
  const write = (stream: typeof Deno.stdout | typeof Deno.stderr, text: string) => {
    const bytes = encoder.encode(text);
    for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
  };
  return {
    out: (text) => write(Deno.stdout, text),
    err: (text) => write(Deno.stderr, text),
    progress: Deno.stderr.isTerminal(),
  };
}

/**
 * A progress line on stderr, redrawn in place at most ten times a second;
 * silent unless `io.progress`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Progress } from "./_io.ts";
 *
 * let err = "";
 * const progress = new Progress({ out: () => {}, err: (t) => err += t, progress: true });
 * progress.update("1 of 2");
 * progress.done();
 * assert.equal(err, "\r\x1b[K1 of 2\r\x1b[K");
 * ```
 */
export class Progress {
  #io: Io;
  #last = 0;
  #shown = false;

  constructor(io: Io) {
    this.#io = io;
  }

  /** Shows `text` unless the line was redrawn less than 100 ms ago. */
  update(text: string): void {
    if (!this.#io.progress) return;
    const now = Date.now();
    if (now - this.#last < 100) return;
    this.#last = now;
    this.#shown = true;
    this.#io.err(`\r\x1b[K${text}`);
  }

  /** Clears the line. */
  done(): void {
    if (this.#shown) this.#io.err("\r\x1b[K");
    this.#shown = false;
  }
}
