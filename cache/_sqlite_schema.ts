/**
 * The tables a SQLite database file declares, read from its bytes without
 * SQLite: opening a file with SQLite, even read-only, may create `-wal` and
 * `-shm` files beside it, which a look at another program's database must
 * not do. Only what the main file holds is seen (not a write-ahead log's
 * newer pages), and only the schema's pages are read.
 *
 * The format is SQLite's (https://sqlite.org/fileformat2.html): a 100-byte
 * header, then the schema table's b-tree, rooted in page 1.
 *
 * @module
 */

/** What the header and the schema of a SQLite file say. */
export interface SqliteSchema {
  /** The file is in write-ahead-log mode: newer pages may sit in its `-wal`. */
  readonly wal: boolean;
  /** The names of its tables, in schema order. */
  readonly tables: readonly string[];
}

const MAGIC = "SQLite format 3\0";
const HEADER_BYTES = 100;
// Corrupt files must not make the walk loop or read without end.
const MAX_SCHEMA_PAGES = 1000;
const LEAF_TABLE = 0x0d;
const INTERIOR_TABLE = 0x05;

/**
 * The schema of the SQLite database `file`, or undefined when the file is
 * not a SQLite database (no SQLite header).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DatabaseSync } from "node:sqlite";
 * import { readSqliteSchema } from "./_sqlite_schema.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const db = new DatabaseSync(`${dir}/app.db`);
 * db.exec("CREATE TABLE notes (text TEXT); CREATE INDEX by_text ON notes (text)");
 * db.close();
 * assert.deepEqual(await readSqliteSchema(`${dir}/app.db`), { wal: false, tables: ["notes"] });
 * await Deno.writeTextFile(`${dir}/notes.txt`, "not a database");
 * assert.equal(await readSqliteSchema(`${dir}/notes.txt`), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @throws {TypeError} When the file has a SQLite header but its schema
 * pages cannot be read (a damaged or cut-off file).
 */
export async function readSqliteSchema(file: string): Promise<SqliteSchema | undefined> {
  using handle = await Deno.open(file);
  const header = await readAt(handle, 0, HEADER_BYTES);
  if (header === undefined || new TextDecoder().decode(header.subarray(0, 16)) !== MAGIC) {
    return undefined;
  }
  const view = new DataView(header.buffer, header.byteOffset);
  const size = view.getUint16(16);
  const pageSize = size === 1 ? 65_536 : size;
  const usable = pageSize - header[20]!;
  const damaged = (why: string) =>
    new TypeError(`${file}: its SQLite schema cannot be read (${why}); the file is damaged`);
  const tables: string[] = [];
  const pending = [1];
  const seen = new Set<number>();
  while (pending.length > 0) {
    const number = pending.pop()!;
    if (seen.has(number) || seen.size >= MAX_SCHEMA_PAGES) throw damaged("a loop in its pages");
    seen.add(number);
    const page = await readAt(handle, (number - 1) * pageSize, pageSize);
    if (page === undefined) throw damaged(`page ${number} is past the end of the file`);
    const cells = pageCells(page, number === 1 ? HEADER_BYTES : 0);
    if (cells === undefined) throw damaged(`page ${number} is no table page`);
    if (cells.children !== undefined) pending.push(...cells.children.reverse());
    for (const at of cells.leaves) {
      const entry = schemaEntry(page, at, usable);
      if (entry?.type === "table") tables.push(entry.name);
    }
  }
  return { wal: header[18] === 2 || header[19] === 2, tables };
}

/**
 * Where the cells of a table b-tree page start: a leaf's entries, or an
 * interior page's child pages (in key order); undefined for another kind
 * of page.
 */
function pageCells(
  page: Uint8Array,
  start: number,
): { leaves: number[]; children?: number[] } | undefined {
  const view = new DataView(page.buffer, page.byteOffset, page.length);
  const type = page[start];
  if (type !== LEAF_TABLE && type !== INTERIOR_TABLE) return undefined;
  const count = view.getUint16(start + 3);
  const pointers = start + (type === LEAF_TABLE ? 8 : 12);
  const offsets = Array.from({ length: count }, (_, k) => view.getUint16(pointers + 2 * k));
  if (type === LEAF_TABLE) return { leaves: offsets };
  const children = offsets.map((at) => view.getUint32(at));
  children.push(view.getUint32(start + 8));
  return { leaves: [], children };
}

/**
 * The type and name of the schema entry in the leaf cell at `at`; undefined
 * when they are not in the page (a record larger than its local part).
 */
function schemaEntry(
  page: Uint8Array,
  at: number,
  usable: number,
): { type: string; name: string } | undefined {
  const [payload, afterSize] = varint(page, at);
  const [, start] = varint(page, afterSize);
  // The payload's bytes in this page (the rest is on overflow pages).
  const most = usable - 35;
  const least = Math.floor((usable - 12) * 32 / 255) - 23;
  const spill = least + (payload - least) % (usable - 4);
  const local = payload <= most ? payload : spill <= most ? spill : least;
  const end = Math.min(start + local, page.length);
  const [headerBytes, first] = varint(page, start);
  const columns: number[] = [];
  for (let k = first; k < start + headerBytes && columns.length < 2;) {
    const [type, next] = varint(page, k);
    columns.push(type);
    k = next;
  }
  let body = start + headerBytes;
  const texts: string[] = [];
  for (const type of columns) {
    // Text is an odd serial type of 13 or more; type and name are text.
    if (type < 13 || type % 2 === 0) return undefined;
    const length = (type - 13) / 2;
    if (body + length > end) return undefined;
    texts.push(new TextDecoder().decode(page.subarray(body, body + length)));
    body += length;
  }
  return texts.length === 2 ? { type: texts[0]!, name: texts[1]! } : undefined;
}

/** SQLite's variable-length integer at `at`, and where the next field starts. */
function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let k = 0; k < 8; k++) {
    const byte = bytes[at + k] ?? 0;
    value = value * 128 + (byte & 0x7f);
    if (byte < 0x80) return [value, at + k + 1];
  }
  return [value * 256 + (bytes[at + 8] ?? 0), at + 9];
}

/** `length` bytes of `handle` from `offset`, or undefined when the file ends before. */
async function readAt(
  handle: Deno.FsFile,
  offset: number,
  length: number,
): Promise<Uint8Array | undefined> {
  await handle.seek(offset, Deno.SeekMode.Start);
  const bytes = new Uint8Array(length);
  let read = 0;
  while (read < length) {
    const n = await handle.read(bytes.subarray(read));
    if (n === null) return undefined;
    read += n;
  }
  return bytes;
}
