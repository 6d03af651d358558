/**
 * What a path given to `KvStore.open` holds, looked at before `Deno.openKv`
 * opens it: Deno KV makes any SQLite file its database (adding its tables to
 * another program's), so a file that is not a Deno KV database is refused
 * first, with nothing written.
 *
 * @module
 */

import { DatabaseSync } from "node:sqlite";
import { readSqliteSchema } from "./_sqlite_schema.ts";

/** What a Deno KV database file holds: nothing yet, or Deno KV's tables. */
export type KvFile = "missing" | "empty" | "database";

// Tables every Deno KV database has.
const KV_TABLES = ["kv", "migration_state"];

/**
 * Whether `file` is missing, empty (a file of no bytes, or a SQLite database
 * without tables: Deno KV makes it a database), or a Deno KV database.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kvFile } from "./_kv_file.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * assert.equal(await kvFile(`${dir}/cache.kv`), "missing");
 * await Deno.writeTextFile(`${dir}/notes.txt`, "my notes");
 * await assert.rejects(kvFile(`${dir}/notes.txt`), /it is not a database/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {TypeError} When `file` is a folder or another special file, or a
 * file that is not a Deno KV database (another program's SQLite database,
 * or no database at all).
 */
export async function kvFile(file: string): Promise<KvFile> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
  if (!info.isFile) {
    throw new TypeError(
      `cannot use ${file} as a Deno KV database: it is a ${
        info.isDirectory ? "folder" : "special file"
      }, ` +
        `not a file; pass the database file (e.g. ${file}/cache.kv)`,
    );
  }
  if (info.size === 0) return "empty";
  const schema = await readSqliteSchema(file);
  const refuse = (what: string) =>
    new TypeError(
      `cannot use ${file} as a Deno KV database: it is ${what}; nothing was written to it. ` +
        `Choose a new file for the cache`,
    );
  if (schema === undefined) throw refuse("not a database (no SQLite header)");
  // A database in write-ahead-log mode may have its first tables in its
  // -wal still: SQLite sees them (and creates nothing, since the -wal is there).
  const tables = schema.tables.length === 0 && schema.wal ? tablesOf(file) : schema.tables;
  if (tables.length === 0) return "empty";
  if (KV_TABLES.every((name) => tables.includes(name))) return "database";
  const listed = tables.slice(0, 5).map((name) => JSON.stringify(name)).join(", ");
  throw refuse(
    `a SQLite database of another program (tables ${listed}${tables.length > 5 ? ", …" : ""})`,
  );
}

function tablesOf(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const rows = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
    return rows.map((row) => String(row.name));
  } finally {
    db.close();
  }
}
