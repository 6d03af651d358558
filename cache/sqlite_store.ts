/**
 * A {@linkcode Store} in one SQLite file, on Deno's built-in `node:sqlite`
 * (no dependency, no `--unstable-*` flag): a cache to ship as one file, that
 * holds millions of samples, and that needs no hard links.
 *
 * It needs `--allow-read=<file> --allow-write=<file>` (SQLite itself opens
 * the `-wal` and `-shm` files beside it). With `--allow-read=<file>` alone,
 * an existing file opens read-only: replaying it works, and an append fails
 * with an error naming the flag to add.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../mod.ts";
 * import { Persistent } from "./persistent.ts";
 * import { SqliteStore } from "./sqlite_store.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["92"]);
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = await SqliteStore.open(`${dir}/cache.db`);
 * const model = new Persistent(new Constant("gpt-4o", 1), store);
 * assert.equal(await first(model.sample("Choose a number")), "92");
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { expandHome } from "./_home_path.ts";
import { assertSequenceKey, modelKeySegments } from "./_key_path.ts";
import { permissionHint } from "./_permission_hint.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";

export type { PromptEntry, SequenceKey, Store } from "./store.ts";

/** Options of {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * How long a call keeps trying while other processes hold the database's
   * write lock, before it fails (milliseconds).
   * @default {30000}
   */
  lockTimeout?: number;
}

// "LLMC": marks the file as this library's, for `PRAGMA application_id`.
const APPLICATION_ID = 0x4c4c4d43;
// The layout's version, in `PRAGMA user_version`; a newer file is refused.
const FORMAT = 1;
// 8 KiB pages hold seven 1 KB samples where 4 KiB pages hold three (1.33×
// the data on disk); larger pages make every small commit write more.
const PAGE_SIZE = 8192;
// SQLite's own wait for a lock blocks the event loop, so it stays short; longer
// waits are retried with timers.
const BUSY_MS = 10;
const LIST_PAGE = 500;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sequences (
  id INTEGER PRIMARY KEY,
  model TEXT NOT NULL,
  hash TEXT NOT NULL,
  prompt TEXT,
  UNIQUE (model, hash)
);
CREATE TABLE IF NOT EXISTS samples (
  id INTEGER PRIMARY KEY,
  sequence INTEGER NOT NULL REFERENCES sequences (id),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  sample TEXT NOT NULL,
  UNIQUE (sequence, idx)
);
PRAGMA application_id = ${APPLICATION_ID};
PRAGMA user_version = ${FORMAT};
`;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** The prepared statements of one connection. */
function statements(db: DatabaseSync) {
  const sql = (text: string) => db.prepare(text);
  return {
    sequenceId: sql("SELECT id FROM sequences WHERE model = ? AND hash = ?"),
    addSequence: sql(
      "INSERT INTO sequences (model, hash, prompt) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    setPrompt: sql("UPDATE sequences SET prompt = ? WHERE id = ? AND prompt IS NULL"),
    next: sql("SELECT coalesce(max(idx) + 1, 0) AS next FROM samples WHERE sequence = ?"),
    from: sql("SELECT idx, sample FROM samples WHERE sequence = ? AND idx >= ? ORDER BY idx"),
    bytes: sql("SELECT CAST(sample AS BLOB) AS bytes FROM samples WHERE sequence = ? AND idx = ?"),
    insert: sql("INSERT INTO samples (sequence, idx, sample) VALUES (?, ?, ?)"),
    nextModel: sql("SELECT min(model) AS model FROM sequences WHERE model > ?"),
    prompts: sql(
      `SELECT hash, prompt FROM sequences WHERE model = ? AND hash > ? ORDER BY hash LIMIT ${LIST_PAGE}`,
    ),
    promptBytes: sql(
      "SELECT CAST(prompt AS BLOB) AS bytes FROM sequences WHERE model = ? AND hash = ?",
    ),
  };
}

type Statements = ReturnType<typeof statements>;

/**
 * Sequences in one SQLite database file, shared safely by several processes.
 *
 * Layout (readable with any SQLite tool):
 *
 * | table | columns |
 * | --- | --- |
 * | `sequences` | `id`, `model` (model key), `hash` (prompt hash), `prompt` (text or NULL) |
 * | `samples` | `sequence` (a `sequences.id`), `idx` (the index), `sample` (the text) |
 *
 * Text holding a NUL character is stored as a BLOB of its UTF-8 bytes, since
 * SQLite hands text back only up to its first NUL. Write to the file only
 * through this class: another writer could break what it promises.
 *
 * The file is in WAL mode, so readers never wait for writers. Each append is
 * one transaction that takes the write lock first (`BEGIN IMMEDIATE`),
 * stores the samples after the last stored index and commits: indices stay
 * contiguous from 0, and a plain `INSERT` on the unique (sequence, index)
 * pair can never overwrite a sample. A writer killed at any moment leaves
 * either its whole transaction or nothing. Commits are not fsynced
 * (`synchronous = NORMAL`): a process crash loses nothing, a power cut may
 * lose the latest samples, as with the folder store.
 *
 * While other processes hold the write lock, a call waits up to 10 ms inside
 * SQLite, then retries with timers (so the event loop keeps running) until
 * `lockTimeout`. All processes must run on one machine: SQLite's WAL mode
 * shares memory between them, which a network file system cannot do across
 * machines (use Redis for that).
 *
 * Samples and prompts are stored as UTF-8 text and come back exactly (BOM,
 * NUL, CR/LF and all). A string with a lone UTF-16 surrogate has no UTF-8
 * form: it is stored with U+FFFD in its place, as in a file.
 *
 * @example Two stores on one file see each other's samples
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptHash } from "../mod.ts";
 * import { SqliteStore } from "./sqlite_store.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const a = await SqliteStore.open(`${dir}/cache.db`);
 * const b = await SqliteStore.open(`${dir}/cache.db`);
 * const key = { model: "gpt-4o_1", hash: promptHash("p") };
 * await a.append(key, 0, ["x"], "p");
 * // b's claim of index 0 loses: its sample goes to index 1.
 * assert.deepEqual(await b.append(key, 0, ["y"], "p"), ["x", "y"]);
 * await a.close();
 * await b.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SqliteStore implements Store {
  /** `sqlite:` and the database file, with a leading `~` expanded. */
  readonly location: string;
  #file: string;
  #db: DatabaseSync;
  // Why the file was opened read-only, if it was.
  #denied: Deno.errors.NotCapable | undefined;
  #sql: Statements;
  #lockTimeout: number;
  // Sequence ids known to be committed; a row, once committed, never changes.
  #ids = new Map<string, number>();
  // Sequences whose prompt this process has recorded (or found recorded).
  #prompted = new Set<string>();

  private constructor(file: string, connection: Connection, lockTimeout: number) {
    this.#file = file;
    this.location = `sqlite:${file}`;
    this.#db = connection.db;
    this.#denied = connection.denied;
    this.#sql = statements(connection.db);
    this.#lockTimeout = lockTimeout;
  }

  /**
   * Opens a database file, creating it (and its tables) when it is missing.
   * Without write permission for the file, an existing file is opened
   * read-only: loads work, appends throw `Deno.errors.NotCapable`.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * assert.equal(store.location, `sqlite:${dir}/cache.db`);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @param path The database file; a leading `~` is the home folder.
   * @param options How long to wait for other writers.
   * @returns The opened store; close it when done.
   * @throws {TypeError} When `path` is empty, or the file is not a SQLite
   * database of this library.
   * @throws {Deno.errors.NotCapable} When read permission for the file is
   * missing, or write permission for a file that does not exist yet (the
   * message names the flags).
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(
        `SqliteStore needs a database file path, got ${JSON.stringify(path)}: ` +
          `pass e.g. "~/.llm_cache.db"`,
      );
    }
    const lockTimeout = options.lockTimeout ?? 30_000;
    if (!Number.isFinite(lockTimeout) || lockTimeout < 0) {
      throw new RangeError(
        `lockTimeout must be a non-negative number of milliseconds, got ${lockTimeout}`,
      );
    }
    const file = expandHome(path);
    const fail = (error: unknown) => failure(error, file, `opening ${file}`);
    const connection = connect(file, fail);
    try {
      await attempt(lockTimeout, () => prepareFile(connection, file), fail);
    } catch (error) {
      connection.db.close();
      throw error;
    }
    return new SqliteStore(file, connection, lockTimeout);
  }

  /** The samples at index `from` and after, up to the first missing index. */
  load(key: SequenceKey, from: number): Promise<string[]> {
    return this.#run(() => `loading ${describeKey(key)}`, () => {
      assertIndex(from);
      const id = this.#id(key);
      return id === undefined ? [] : this.#readFrom(id, from);
    });
  }

  /**
   * Stores `samples` after the last stored index in one transaction and
   * returns the samples from `from` on, other writers' included; see
   * {@linkcode Store.append}.
   *
   * @throws {RangeError} When `from` lies beyond the stored samples (a
   * sequence has no gaps).
   * @throws {Deno.errors.NotCapable} When the file was opened read-only, for
   * want of write permission (the message names the flag).
   */
  append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
  ): Promise<string[]> {
    return this.#run(() => `appending to ${describeKey(key)}`, () => {
      assertIndex(from);
      const id = this.#id(key);
      if (samples.length === 0) return id === undefined ? [] : this.#readFrom(id, from);
      if (this.#denied !== undefined) throw this.#denied;
      const name = keyName(key);
      const prompted = this.#prompted.has(name);
      let sequence = id;
      const result = transaction(this.#db, () => {
        // Another process may have listed the sequence since it was looked up.
        sequence = id ?? this.#id(key) ?? this.#addSequence(key, prompt);
        // The first writer's prompt stays; one that was not recorded is filled in.
        if (!prompted && prompt !== undefined) {
          this.#sql.setPrompt.run(toColumn(prompt), sequence);
        }
        return this.#append(key, sequence, from, samples);
      });
      // Known only now that the row is committed: a rolled-back id may be reused.
      this.#ids.set(name, sequence!);
      if (prompt !== undefined) this.#prompted.add(name);
      return result;
    });
  }

  /**
   * Resolves when the store can be used for `mode`: the file is open, and for
   * `"write"` it was opened read-write; else rejects naming the flag to add.
   */
  checkAccess(mode: "read" | "write"): Promise<void> {
    return this.#run(() => `opening the cache to ${mode}`, () => {
      if (mode === "write" && this.#denied !== undefined) throw this.#denied;
    });
  }

  /** Every model key in the database, sorted. */
  async *models(): AsyncIterableIterator<string> {
    let after = "";
    while (true) {
      const { model } = await this.#run(() => "listing the models", () => {
        return this.#sql.nextModel.get(after) as { model: string | null };
      });
      if (model === null) return;
      yield after = model;
    }
  }

  /** Every prompt stored under `model`, sorted by hash, with its text when recorded. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    let after = "";
    while (true) {
      const rows = await this.#run(() => `listing the prompts of ${model}`, () => {
        modelKeySegments(model);
        return this.#sql.prompts.all(model, after) as { hash: string; prompt: Column | null }[];
      });
      for (const { hash, prompt } of rows) {
        yield {
          hash,
          prompt: prompt === null ? undefined : fromColumn(
            prompt,
            () => this.#sql.promptBytes.get(model, hash)?.bytes,
            () => `the prompt of ${model}/${hash}`,
          ),
        };
      }
      if (rows.length < LIST_PAGE) return;
      after = rows.at(-1)!.hash;
    }
  }

  /**
   * Closes the database (closing twice is harmless). The last connection to
   * close moves the write-ahead log into the file and removes the `-wal` and
   * `-shm` files, so the file alone holds everything.
   */
  close(): Promise<void> {
    if (this.#db.isOpen) this.#db.close();
    return Promise.resolve();
  }

  #append(key: SequenceKey, id: number, from: number, samples: readonly string[]): string[] {
    const { next } = this.#sql.next.get(id) as { next: number };
    if (from > next) {
      throw new RangeError(
        `cannot append at index ${from} of ${describeKey(key)} in ${this.location}: ` +
          `only ${next} samples are stored and a sequence has no gaps; ` +
          `append at index ${next} or below`,
      );
    }
    const result = from < next ? this.#readFrom(id, from) : [];
    for (const [k, sample] of samples.entries()) {
      this.#sql.insert.run(id, next + k, toColumn(sample));
    }
    result.push(...samples);
    return result;
  }

  /** The id of the sequence, when it is stored. */
  #id(key: SequenceKey): number | undefined {
    assertSequenceKey(key);
    const name = keyName(key);
    const known = this.#ids.get(name);
    if (known !== undefined) return known;
    const row = this.#sql.sequenceId.get(key.model, key.hash) as { id: number } | undefined;
    // Outside this process's own write transaction, a row found is committed.
    if (row !== undefined && !this.#db.isTransaction) this.#ids.set(name, row.id);
    return row?.id;
  }

  #addSequence(key: SequenceKey, prompt: string | undefined): number {
    this.#sql.addSequence.run(key.model, key.hash, prompt === undefined ? null : toColumn(prompt));
    return (this.#sql.sequenceId.get(key.model, key.hash) as { id: number }).id;
  }

  #readFrom(id: number, from: number): string[] {
    const rows = this.#sql.from.all(id, from) as { idx: number; sample: Column }[];
    const out: string[] = [];
    // Indices are contiguous unless the file was edited by hand: stop at a gap.
    for (const { idx, sample } of rows) {
      if (idx !== from + out.length) break;
      out.push(
        isPlainText(sample)
          ? sample
          : fromColumn(sample, () => this.#sql.bytes.get(id, idx)?.bytes, () => `sample ${idx}`),
      );
    }
    return out;
  }

  /**
   * `work` run at once (it is synchronous), and again later while the
   * database is locked; its errors explained.
   */
  #run<T>(doing: () => string, work: () => T): Promise<T> {
    const guarded = () => {
      if (!this.#db.isOpen) throw new Error("the store was closed");
      return work();
    };
    return attempt(this.#lockTimeout, guarded, (error) => failure(error, this.#file, doing()));
  }
}

/**
 * A connection to `file`: read-write, or read-only when Deno may read the
 * file but not write it (replaying a cache needs no more).
 */
function connect(file: string, fail: (error: unknown) => unknown): Connection {
  let denied: Deno.errors.NotCapable;
  try {
    return { db: new DatabaseSync(file, { timeout: BUSY_MS }), denied: undefined };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotCapable && /write access/.test(error.message))) {
      throw fail(error);
    }
    denied = error;
  }
  // Without the file there is nothing to read, and it cannot be created.
  if (!exists(file)) throw fail(denied);
  try {
    return { db: new DatabaseSync(file, { timeout: BUSY_MS, readOnly: true }), denied };
  } catch (error) {
    throw fail(error);
  }
}

function exists(file: string): boolean {
  try {
    return Deno.statSync(file).size > 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** An open database, and why it is read-only (if it is). */
interface Connection {
  readonly db: DatabaseSync;
  /** The refusal of write permission, when the file was opened read-only. */
  readonly denied: Deno.errors.NotCapable | undefined;
}

/** Puts a new file in WAL mode and creates the tables; checks an existing one. */
function prepareFile({ db, denied }: Connection, file: string): void {
  // Per connection: commits reach the OS (safe from a process crash), not the disk.
  db.exec("PRAGMA synchronous = NORMAL");
  const id = pragma(db, "application_id");
  if (id === APPLICATION_ID) return checkFormat(db, file);
  const { tables } = db.prepare("SELECT count(*) AS tables FROM sqlite_schema").get() as {
    tables: number;
  };
  if (id !== 0 || tables > 0) {
    throw new TypeError(
      `${file} is a SQLite database of another program (no llm-cache tables): ` +
        `choose a new file for the cache`,
    );
  }
  if (denied !== undefined) throw denied;
  // The page size is fixed once the file has content, so set it first.
  db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
  db.exec("PRAGMA journal_mode = WAL");
  transaction(db, () => db.exec(SCHEMA));
}

/** Runs `work` in one write transaction; all of it is stored, or none. */
function transaction<T>(db: DatabaseSync, work: () => T): T {
  // The write lock is taken first: a transaction that read, then asked for
  // it, could not wait for it, since another writer may commit in between.
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

function checkFormat(db: DatabaseSync, file: string): void {
  const version = pragma(db, "user_version");
  if (version > FORMAT) {
    throw new TypeError(
      `${file} was written by a newer version of the LLM cache (format ${version}, ` +
        `this one reads format ${FORMAT}): upgrade the library`,
    );
  }
}

function pragma(db: DatabaseSync, name: string): number {
  return (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]!;
}

/** What a text column holds: text, or a BLOB of UTF-8 bytes for text with a NUL. */
type Column = string | Uint8Array;

/**
 * `text` as stored: text holding a NUL as a BLOB of its UTF-8 bytes, since
 * SQLite hands text back only up to its first NUL.
 */
function toColumn(text: string): Column {
  return text.includes("\0") ? encoder.encode(text) : text;
}

/**
 * The text a column holds. Text that is not valid UTF-8 reaches JavaScript
 * with U+FFFD in place of the bad bytes, so the rare text holding U+FFFD is
 * checked against its `bytes`.
 */
function fromColumn(
  value: Column,
  bytes: () => unknown,
  what: () => string,
): string {
  if (typeof value !== "string") return decode(value, what);
  if (!isPlainText(value)) decode(bytes() as Uint8Array, what);
  return value;
}

/** Whether `value` is text that needs no check: all of it but text holding U+FFFD. */
function isPlainText(value: Column): value is string {
  return typeof value === "string" && !value.includes("\uFFFD");
}

function decode(bytes: Uint8Array, what: () => string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw new Error(
      `${what()} is not valid UTF-8 (the database was changed outside the LLM cache): ` +
        `fix or delete that row with a SQLite tool`,
    );
  }
}

/**
 * `work()` now, without waiting for a timer when it succeeds (the common
 * case), and again after jittered, growing pauses while the database is
 * locked, for up to `timeout` ms; a failure is rejected as `explain` makes it.
 */
function attempt<T>(
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

/** `error`, with what was being done and, where it helps, what to do. */
function failure(error: unknown, file: string, doing: string): unknown {
  if (error instanceof RangeError || error instanceof TypeError) return error;
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
    hint = ": the file or its folder is read-only; SQLite needs to write beside it (-wal, -shm)";
  }
  return new Error(`SqliteStore ${doing} (sqlite:${file}) failed: ${message}${hint}`, {
    cause: error,
  });
}

function assertIndex(from: number): void {
  if (!Number.isInteger(from) || from < 0) {
    throw new RangeError(`index must be a non-negative integer, got ${from}`);
  }
}

function keyName(key: SequenceKey): string {
  return `${key.model}\n${key.hash}`;
}

function describeKey(key: SequenceKey): string {
  return typeof key === "object" && key !== null
    ? `${String(key.model)}/${String(key.hash).slice(0, 12)}`
    : "a sequence";
}
