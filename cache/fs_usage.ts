// The usage file of FsStore's prompt folders: `usage.jsonl`, one JSON usage
// record per line (see `UsageRecord`), beside the samples. Not a `.md` file,
// so the Python original never reads it.
//
// An append adds its records in one write of a file opened for appending
// (O_APPEND): writers of several processes never mix their lines, and the
// lines say which indices they are for, so they need no order. A writer
// killed mid-write, or a full disk, can leave a torn last line: readers skip
// any line that is not a whole record, and a record written after a torn one
// on the same line is still found.
//
// A reader reads a file once, then only what was added since (complete lines
// only: a line still being written by another process is read when whole).
// It reads a chunk at a time, so that a file of any size (one larger than a
// string can be) costs a chunk of memory and its records. The file is
// auxiliary: what cannot be read in it (lines too long to be records, bytes
// the disk cannot return) costs the usage figures there, with a warning,
// never the samples. Only a regular file is opened: a link, a FIFO or a
// folder by its name is refused, naming it.

import { asRecord } from "../core/usage_records.ts";
import type { UsageRecord } from "../core/usage.ts";
import { type FileCalls, type Maybe, then } from "./_fs_calls.ts";
import type { Folders } from "./_fs_folders.ts";
import type { Listed } from "./fs_samples.ts";
import { concatBytes } from "../internal/concat_bytes.ts";

/** The file beside a prompt's samples that records what they cost to draw. */
export const USAGE_FILE = "usage.jsonl";

// Every record starts so (JSON.stringify keeps the order of the fields).
const RECORD_START = '{"from":';

const decoder = new TextDecoder();
const NEWLINE = 0x0a;
// Bytes read at a time.
const CHUNK_BYTES = 1 << 20;
// A record's line is about 100 bytes: a line longer than this is none
// (garbage after a power cut, say). Only its last bytes are kept, where a
// record appended after the garbage, on the same line, would be.
const MAX_LINE = 4096;

/**
 * `records` as lines of the usage file, each ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecords } from "./fs_usage.ts";
 *
 * const line = formatRecords([{ from: 3, count: 1, requests: 1, latencyMs: 12 }]);
 * assert.equal(line, '{"from":3,"count":1,"requests":1,"latencyMs":12}\n');
 * ```
 */
export function formatRecords(records: readonly UsageRecord[]): string {
  let text = "";
  for (const record of records) text += `${JSON.stringify(record)}\n`;
  return text;
}

/**
 * The records of a usage file's bytes, in file order; lines that are not a
 * whole record (torn by a crash, garbage after a power cut) are skipped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRecords } from "./fs_usage.ts";
 *
 * const text = '{"from":0,"count":1,"requests":1,"latencyMs":5}\n{"from":1,"cou';
 * assert.deepEqual(parseRecords(new TextEncoder().encode(text)), [
 *   { from: 0, count: 1, requests: 1, latencyMs: 5 },
 * ]);
 * ```
 */
export function parseRecords(bytes: Uint8Array): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (const line of decoder.decode(bytes).split("\n")) {
    const record = line === "" ? undefined : recordOf(line);
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** The record a line holds, also after a torn one on the same line. */
function recordOf(line: string): UsageRecord | undefined {
  return parseLine(line) ?? parseLine(line.slice(line.lastIndexOf(RECORD_START)));
}

function parseLine(line: string): UsageRecord | undefined {
  if (!line.startsWith(RECORD_START)) return undefined;
  try {
    return asRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** What a scan of a usage file's whole lines found. */
export interface UsageScan {
  /** The records, in file order. */
  readonly records: UsageRecord[];
  /** The lines that ended, records or not (empty ones aside). */
  lines: number;
  /** The lines too long to be records (only their ends were looked at). */
  overlong: number;
  /** Where the next scan starts: past the last whole line, or inside a long one. */
  end: number;
}

/**
 * Scans the lines of a usage file from byte `offset` on, `read` giving up to
 * `length` bytes at a time (fewer at the end, none or undefined past it):
 * whatever the file's size, at most a chunk and a line's last bytes are held.
 * A last line without its newline is left for the next scan. At once when
 * `read` answers at once.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { scanUsage } from "./fs_usage.ts";
 *
 * const bytes = new TextEncoder().encode(
 *   "x".repeat(10_000) + '{"from":0,"count":1,"requests":1,"latencyMs":5}\n{"from":1',
 * );
 * const scan = await scanUsage((offset, length) => bytes.slice(offset, offset + length), 0);
 * assert.deepEqual(scan.records, [{ from: 0, count: 1, requests: 1, latencyMs: 5 }]);
 * assert.equal(scan.overlong, 1);
 * assert.equal(scan.end, bytes.length - 9);
 * ```
 */
export function scanUsage(
  read: (offset: number, length: number, into?: Uint8Array) => Maybe<Uint8Array | undefined>,
  offset: number,
): Maybe<UsageScan> {
  const scan: UsageScan = { records: [], lines: 0, overlong: 0, end: offset };
  const line = new LineTail();
  // Each chunk is read into the last one, which is scanned by then.
  const from = (at: number, last?: Uint8Array): Maybe<UsageScan> =>
    then(read(at, CHUNK_BYTES, last), (chunk) => {
      if (chunk === undefined || chunk.length === 0) return scan;
      const next = scanChunk(scan, line, chunk, at);
      return chunk.length < CHUNK_BYTES ? scan : from(next, chunk);
    });
  return from(offset);
}

/** Scans `chunk`, read at byte `at`, into `scan`; where the next chunk starts. */
function scanChunk(scan: UsageScan, line: LineTail, chunk: Uint8Array, at: number): number {
  const first = chunk.indexOf(NEWLINE);
  if (first === -1) line.add(chunk);
  else {
    // The line begun before the chunk, the chunk's own lines, the start of the next.
    line.add(chunk.subarray(0, first));
    count(scan, line.take());
    const last = chunk.lastIndexOf(NEWLINE);
    if (last > first) {
      for (const text of decoder.decode(chunk.subarray(first + 1, last)).split("\n")) {
        const overlong = text.length > MAX_LINE;
        count(scan, { text: overlong ? text.slice(-MAX_LINE) : text, overlong });
      }
    }
    line.add(chunk.subarray(last + 1));
    scan.end = at + last + 1;
  }
  const next = at + chunk.length;
  // A long unfinished line is read again from its kept end only.
  if (line.overflowed) scan.end = next - line.length;
  return next;
}

/** Adds a whole line (its kept end, when `overlong`) to `scan`. */
function count(scan: UsageScan, { text, overlong }: { text: string; overlong: boolean }): void {
  if (text === "") return;
  scan.lines++;
  if (overlong) scan.overlong++;
  const record = recordOf(text);
  if (record !== undefined) scan.records.push(record);
}

/** The last {@linkcode MAX_LINE} bytes of the line being read. */
class LineTail {
  #parts: Uint8Array[] = [];
  length = 0;
  overflowed = false;

  add(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#parts.push(bytes.slice(Math.max(0, bytes.length - MAX_LINE)));
    this.length += bytes.length;
    if (this.length <= MAX_LINE) return;
    this.overflowed = true;
    const all = concatBytes(this.#parts);
    this.#parts = [all.subarray(all.length - MAX_LINE)];
    this.length = MAX_LINE;
  }

  /** The line's (kept) text, and whether it was longer; starts a new line. */
  take(): { text: string; overlong: boolean } {
    const text = decoder.decode(concatBytes(this.#parts));
    const overlong = this.overflowed;
    [this.#parts, this.length, this.overflowed] = [[], 0, false];
    return { text, overlong };
  }
}

/** One usage file, read as it grows. */
export class UsageFile {
  readonly #path: string;
  readonly #folders: Folders;
  #checked = false;
  #warned = false;
  #offset = 0;
  #records: UsageRecord[] = [];

  /**
   * @param path The file.
   * @param folders The store's folders, for the link error.
   */
  constructor(path: string, folders: Folders) {
    this.#path = path;
    this.#folders = folders;
  }

  /**
   * Throws the error for what is there instead of a file (a link, a FIFO, a
   * folder), as a listing of its folder showed.
   */
  async refuse(calls: FileCalls): Promise<void> {
    await this.#look(calls);
  }

  /**
   * Every record of the file so far, in file order; none when there is no
   * file. `listed` is what a listing of its folder showed there, if known:
   * a file needs no look before it is read. What cannot be read loses only
   * usage figures, with a warning. At once with blocking calls.
   */
  read(calls: FileCalls, listed?: Listed | "absent"): Maybe<readonly UsageRecord[]> {
    // A listing is a snapshot: a file may have come since.
    const there = this.#checked || listed === "file" ? true : this.#look(calls);
    return then(there, (found) => {
      if (!found) return this.#records;
      this.#checked = true;
      const read = (offset: number, length: number, into?: Uint8Array) =>
        calls.readFrom(this.#path, offset, length, into);
      let scan: Maybe<UsageScan>;
      try {
        scan = scanUsage(read, this.#offset);
      } catch (error) {
        return this.#unreadable(error);
      }
      return scan instanceof Promise
        ? scan.then((s) => this.#add(s), (error) => this.#unreadable(error))
        : this.#add(scan);
    });
  }

  /** Adds what a scan found. */
  #add(scan: UsageScan): readonly UsageRecord[] {
    this.#records.push(...scan.records);
    this.#offset = scan.end;
    if (scan.overlong > 0) {
      this.#warn(`has ${scan.overlong} line(s) too long to be usage records (garbage?), skipped`);
    }
    return this.#records;
  }

  /** The records read so far, after a warning that the file cannot be read. */
  #unreadable(error: unknown): readonly UsageRecord[] {
    if (error instanceof Deno.errors.NotCapable) throw error;
    this.#warn(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
    return this.#records;
  }

  /** Whether the file is there; throws when something else than a file is. */
  #look(calls: FileCalls): Maybe<boolean> {
    // Deno cannot open a file without following a link (O_NOFOLLOW), nor
    // without blocking on a FIFO (O_NONBLOCK), so look first.
    return then(calls.lstat(this.#path), (info) => {
      if (info === undefined) return false;
      if (!info.isFile) throw this.#folders.kindError(this.#path, info, "file");
      return true;
    });
  }

  #warn(what: string): void {
    if (this.#warned) return;
    this.#warned = true;
    console.warn(
      `FsStore: ${this.#path} ${what}: the samples load as they are, and the usage figures ` +
        `there count as unknown (delete or repair the file to silence this)`,
    );
  }
}
