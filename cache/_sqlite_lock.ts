/**
 * How `SqliteStore` waits while other processes hold the database's write
 * lock, without blocking the event loop (SQLite's own wait would), and how
 * its failures are explained: what was being done, on which file, why it
 * failed and what to do.
 *
 * @module
 */

import { permissionHint } from "./_permission_hint.ts";

/**
 * `work()` now, without waiting for a timer when it succeeds (the common
 * case), and again after jittered, growing pauses while the database is
 * locked, for up to `timeout` ms; a failure is rejected as `explain` makes it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { attempt } from "./_sqlite_lock.ts";
 *
 * let calls = 0;
 * const busy = () => {
 *   if (++calls < 3) throw new Error("database is locked");
 *   return "done";
 * };
 * assert.equal(await attempt(1_000, busy, (error) => error), "done");
 * assert.equal(calls, 3);
 * ```
 *
 * @param timeout How long to keep trying while the database is locked (ms).
 * @param work Synchronous work on the database.
 * @param explain Turns the last error into the one to reject with.
 */
export function attempt<T>(
  timeout: number,
  work: () => T,
  explain: (error: unknown) => unknown,
): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    if (!isLocked(error)) return Promise.reject(explain(error));
    return retry(Date.now() + timeout, work, error).catch((error) => {
      throw explain(error);
    });
  }
}

/**
 * `error`, with what was being done and, where it helps, what to do: a
 * missing permission names the flags; a RangeError or TypeError (a refused
 * argument, a file that is no cache, text that is not UTF-8), a missing file
 * or a store on read-only media passes as it is.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { failure } from "./_sqlite_lock.ts";
 *
 * const error = failure(new Error("database is locked"), "c.db", "appending to m_1/ab") as Error;
 * assert.match(error.message, /^SqliteStore appending to m_1\/ab \(sqlite:c\.db\) failed: /);
 * assert.match(error.message, /raise lockTimeout or retry later$/);
 * ```
 *
 * @param error What went wrong.
 * @param file The database file.
 * @param doing What was being done, e.g. `loading gpt-4o_1/ab12…`.
 * @returns The error to throw.
 */
export function failure(error: unknown, file: string, doing: string): unknown {
  if (
    error instanceof RangeError || error instanceof TypeError ||
    error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied
  ) {
    return error;
  }
  if (error instanceof Deno.errors.NotCapable) {
    return permissionHint(
      error,
      `SqliteStore ${doing}`,
      `--allow-read=${file} --allow-write=${file}`,
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  let hint = "";
  if (isLocked(error)) {
    hint = ": other processes held the write lock for too long; raise lockTimeout or retry later";
  } else if (/file is not a database/.test(message)) {
    hint = ": it is not a SQLite database; choose a new file for the cache";
  } else if (/unable to open database file/.test(message)) {
    hint = ": check that its folder exists and is writable, and that it is not a folder";
  } else if (/readonly database|read-only/.test(message)) {
    hint = ": the file or its folder is read-only, and the file is in write-ahead-log mode (its " +
      "writer did not close it, or an older version wrote it), which SQLite cannot read " +
      "without writing beside it (-wal, -shm); open and close it once where it can be " +
      `written, or make one file to ship with "cache copy sqlite:${file} sqlite:<new file>"`;
  }
  return new Error(`SqliteStore ${doing} (sqlite:${file}) failed: ${message}${hint}`, {
    cause: error,
  });
}

/**
 * `work()` again after jittered, growing pauses, while the database stays
 * locked and `deadline` (a `Date.now()` time) is ahead; else the last error.
 */
async function retry<T>(deadline: number, work: () => T, error: unknown): Promise<T> {
  for (let round = 0; Date.now() < deadline; round++) {
    const pause = Math.min(200, 2 ** round) * (0.5 + Math.random());
    await new Promise((resolve) => setTimeout(resolve, pause));
    try {
      return work();
    } catch (again) {
      if (!isLocked(again)) throw again;
      error = again;
    }
  }
  throw error;
}

function isLocked(error: unknown): boolean {
  return error instanceof Error &&
    /database is locked|database table is locked/.test(error.message);
}
