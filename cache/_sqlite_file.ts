/**
 * Opening and closing a cache database file for `SqliteStore`: read-write,
 * or read-only when Deno may read the file but not write it (or when asked);
 * a new file gets the store's tables; an existing one is checked, so that the
 * store never writes into another program's database or a newer format.
 *
 * A file is in WAL mode while a read-write connection has it open (readers
 * never wait for writers), and each such connection puts it back in
 * rollback-journal mode as it closes, when it is the last one (else it moves
 * the log into the file as far as it can): a file at rest is one file, that
 * can be copied alone and read from read-only media, where SQLite can create
 * no `-wal` or `-shm` beside it, and a read-only connection creates none.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";

// "LLMC": marks the file as this library's, for `PRAGMA application_id`.
const APPLICATION_ID = 0x4c4c4d43;
// The layout's version, in `PRAGMA user_version`; a newer file is refused.
const FORMAT = 1;
// 8 KiB pages hold seven 1 KB samples where 4 KiB pages hold three (1.33×
// the data on disk); larger pages make every small commit write more.
const PAGE_SIZE = 8192;
// SQLite's own wait for a lock blocks the event loop, so it stays short; longer
// waits are retried with timers (_sqlite_lock.ts).
const BUSY_MS = 10;

// What each sample cost to draw: one row per append (see `UsageRecord`).
// Files written before it existed get it when first opened for writing; older
// versions of the library ignore it, so the format version stays.
const USAGE_SCHEMA = `
CREATE TABLE IF NOT EXISTS usage (
  sequence INTEGER NOT NULL REFERENCES sequences (id),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  count INTEGER NOT NULL CHECK (count >= 1),
  requests INTEGER NOT NULL,
  prompt_tokens INTEGER,
  completion_tokens INTEGER,
  latency_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS usage_of_sequence ON usage (sequence, idx);
`;

// What each sample's reply holds beyond its text (`StoreWrite.meta`), as
// canonical JSON, for the samples that have any; added like the usage table.
const REPLIES_SCHEMA = `
CREATE TABLE IF NOT EXISTS replies (
  sequence INTEGER NOT NULL REFERENCES sequences (id),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  reply TEXT NOT NULL,
  PRIMARY KEY (sequence, idx)
) WITHOUT ROWID;
`;

// Who is drawing which indices now (see `Store.claim`): one row per sequence
// that has claims, its claims as compact JSON (cache/claims.ts); added like
// the usage table. Claims decide only who pays: nothing reads them to serve.
const CLAIMS_SCHEMA = `
CREATE TABLE IF NOT EXISTS claims (
  sequence INTEGER PRIMARY KEY REFERENCES sequences (id),
  claims TEXT NOT NULL
);
`;

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
${USAGE_SCHEMA}
${REPLIES_SCHEMA}
${CLAIMS_SCHEMA}
PRAGMA application_id = ${APPLICATION_ID};
PRAGMA user_version = ${FORMAT};
`;

/** An open database, and why it is read-only (if it is). */
export interface Connection {
  /** The database. */
  readonly db: DatabaseSync;
  /**
   * Why appends are refused, when the file was opened read-only: write
   * permission missing (`Deno.errors.NotCapable`), the file on read-only
   * media (`Deno.errors.PermissionDenied`), or read-only asked for (`TypeError`).
   */
  readonly denied: Error | undefined;
}

/**
 * A connection to `file`: read-write, or read-only when asked (`readOnly`
 * says why writes are refused) or when Deno may read the file but not write
 * it (replaying a cache needs no more).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./_sqlite_file.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const { db, denied } = connect(`${dir}/cache.db`, (error) => error);
 * assert.equal(denied, undefined);
 * db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param file The database file.
 * @param fail Turns an error into the one to throw (naming the file and the flags).
 * @param readOnly Why to open the file read-only, if it must be.
 * @throws What `fail` makes of an error: a missing permission, a folder that
 * does not exist, write permission missing for a file that does not exist,
 * a missing file opened read-only.
 */
export function connect(
  file: string,
  fail: (error: unknown) => unknown,
  readOnly?: Error,
): Connection {
  let denied: Error | undefined = readOnly;
  if (denied === undefined) {
    try {
      return { db: new DatabaseSync(file, { timeout: BUSY_MS }), denied: undefined };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotCapable && /write access/.test(error.message))) {
        throw fail(error);
      }
      denied = error;
    }
  }
  // Without the file there is nothing to read, and it cannot be created.
  if (!exists(file)) {
    throw fail(
      denied instanceof Deno.errors.NotCapable
        ? denied
        : new Deno.errors.NotFound(`no cache database at ${file}: check the path`),
    );
  }
  try {
    return { db: new DatabaseSync(file, { timeout: BUSY_MS, readOnly: true }), denied };
  } catch (error) {
    throw fail(error);
  }
}

/**
 * Whether `error` says SQLite may not write the file or beside it, although
 * Deno may (read-only media, a file or folder without write access).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReadOnlyFile } from "./_sqlite_file.ts";
 *
 * assert.ok(isReadOnlyFile(new Error("attempt to write a readonly database")));
 * ```
 */
export function isReadOnlyFile(error: unknown): boolean {
  return error instanceof Error && /attempt to write a readonly database/.test(error.message);
}

/**
 * Prepares a read-write connection to close: moves the write-ahead log into
 * the file and, when no other connection has it open, puts the file back in
 * rollback-journal mode, which removes the `-wal` and `-shm` files.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { settle } from "./_sqlite_file.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const db = new DatabaseSync(`${dir}/cache.db`);
 * db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (x)");
 * settle(db);
 * db.close();
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["cache.db"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {Error} What SQLite throws, but for other connections holding the file.
 */
export function settle(db: DatabaseSync): void {
  try {
    db.exec("PRAGMA journal_mode = DELETE");
  } catch (error) {
    if (!(error instanceof Error && /database is locked/.test(error.message))) throw error;
    // Others have the file open: move what they do not still read into it.
    db.exec("PRAGMA wal_checkpoint(PASSIVE)");
  }
}

/**
 * Puts the file in WAL mode for a read-write connection, and creates the
 * tables in a new file; checks an existing one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { connect, prepareFile } from "./_sqlite_file.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const other = new DatabaseSync(`${dir}/other.db`);
 * other.exec("CREATE TABLE notes (text TEXT)");
 * other.close();
 * const connection = connect(`${dir}/other.db`, (error) => error);
 * assert.throws(() => prepareFile(connection, "other.db"), /database of another program/);
 * connection.db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {TypeError} When the file is another program's database, or was
 * written by a newer version of this library.
 * @throws {Deno.errors.NotCapable} When a new file would need write permission.
 * @throws {Error} When SQLite cannot write the file (see {@linkcode isReadOnlyFile}).
 */
export function prepareFile({ db, denied }: Connection, file: string): void {
  // Per connection: commits reach the OS (safe from a process crash), not the disk.
  db.exec("PRAGMA synchronous = NORMAL");
  const { id, tables } = look(db);
  if (id === APPLICATION_ID) {
    checkFormat(db, file);
    if (denied !== undefined) return;
    if (!hasTable(db, "usage")) transaction(db, () => db.exec(USAGE_SCHEMA));
    if (!hasTable(db, "replies")) transaction(db, () => db.exec(REPLIES_SCHEMA));
    if (!hasTable(db, "claims")) transaction(db, () => db.exec(CLAIMS_SCHEMA));
    // A file at rest is in rollback mode (see `settle`).
    db.exec("PRAGMA journal_mode = WAL");
    return;
  }
  if (id !== 0 || tables > 0) {
    throw new TypeError(
      `cannot use ${file} as a cache: it is a SQLite database of another program ` +
        `(no llm-cache tables); choose a new file for the cache`,
    );
  }
  if (denied instanceof TypeError) {
    throw new TypeError(`${file} holds no cache yet (no tables): there is nothing to read`);
  }
  if (denied !== undefined) throw denied;
  // The page size is fixed once the file has content, so set it first.
  db.exec(`PRAGMA page_size = ${PAGE_SIZE}`);
  db.exec("PRAGMA journal_mode = WAL");
  transaction(db, () => {
    // Another process may have made the cache since the look: then it is the one to use.
    if (pragma(db, "application_id") === APPLICATION_ID) checkFormat(db, file);
    else db.exec(SCHEMA);
  });
}

/**
 * The file's mark and how many tables it has, read in one transaction: read
 * apart, another process creating the cache in between would make a new
 * file look like another program's database.
 */
function look(db: DatabaseSync): { id: number; tables: number } {
  db.exec("BEGIN");
  try {
    const id = pragma(db, "application_id");
    const { tables } = db.prepare("SELECT count(*) AS tables FROM sqlite_schema").get() as {
      tables: number;
    };
    return { id, tables };
  } finally {
    db.exec("COMMIT");
  }
}

/**
 * Runs `work` in one write transaction; all of it is stored, or none.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { transaction } from "./_sqlite_file.ts";
 *
 * const db = new DatabaseSync(":memory:");
 * db.exec("CREATE TABLE t (x INTEGER)");
 * assert.throws(() =>
 *   transaction(db, () => {
 *     db.exec("INSERT INTO t VALUES (1)");
 *     throw new Error("changed my mind");
 *   })
 * );
 * assert.equal(db.prepare("SELECT count(*) AS n FROM t").get()?.n, 0);
 * db.close();
 * ```
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
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

function exists(file: string): boolean {
  try {
    return Deno.statSync(file).size > 0;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

function checkFormat(db: DatabaseSync, file: string): void {
  const version = pragma(db, "user_version");
  if (version > FORMAT) {
    throw new TypeError(
      `cannot read ${file}: it was written by a newer version of the LLM cache ` +
        `(format ${version}, this one reads format ${FORMAT}); upgrade the library`,
    );
  }
}

/** Whether the database has the table `name`. */
export function hasTable(db: DatabaseSync, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?").get(name) !==
    undefined;
}

function pragma(db: DatabaseSync, name: string): number {
  return (db.prepare(`PRAGMA ${name}`).get() as Record<string, number>)[name]!;
}
