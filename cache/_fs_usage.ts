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

import { asRecord } from "../core/_usage.ts";
import type { UsageRecord } from "../core/usage.ts";
import type { FileCalls } from "./_fs_calls.ts";
import type { Folders } from "./_fs_folders.ts";
import type { Listed } from "./_fs_samples.ts";

/** The file beside a prompt's samples that records what they cost to draw. */
export const USAGE_FILE = "usage.jsonl";

// Every record starts so (JSON.stringify keeps the order of the fields).
const RECORD_START = '{"from":';

const decoder = new TextDecoder();

/**
 * `records` as lines of the usage file, each ending with a newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecords } from "./_fs_usage.ts";
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
 * import { parseRecords } from "./_fs_usage.ts";
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
    if (line === "") continue;
    const record = parseLine(line) ?? parseLine(line.slice(line.lastIndexOf(RECORD_START)));
    if (record !== undefined) records.push(record);
  }
  return records;
}

function parseLine(line: string): UsageRecord | undefined {
  if (!line.startsWith(RECORD_START)) return undefined;
  try {
    return asRecord(JSON.parse(line));
  } catch {
    return undefined;
  }
}

/** One usage file, read as it grows. */
export class UsageFile {
  readonly #path: string;
  readonly #folders: Folders;
  #checked = false;
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
   * Every record of the file so far, in file order; none when there is no
   * file. `listed` is what a listing of its folder showed there, if known:
   * a file needs no look before it is read.
   */
  async read(calls: FileCalls, listed?: Listed | "absent"): Promise<readonly UsageRecord[]> {
    if (!this.#checked) {
      // Deno cannot open a file without following a link (O_NOFOLLOW), so look first.
      if (listed !== "file" && !(await calls.exists(this.#path))) return this.#records;
      if (listed === "link" || (listed !== "file" && (await calls.lstat(this.#path))?.isSymlink)) {
        throw this.#folders.linkError(this.#path, "file");
      }
      this.#checked = true;
    }
    const bytes = await calls.readFrom(this.#path, this.#offset);
    const end = bytes === undefined ? 0 : bytes.lastIndexOf(NEWLINE) + 1;
    if (end > 0) {
      this.#records.push(...parseRecords(bytes!.subarray(0, end)));
      this.#offset += end;
    }
    return this.#records;
  }
}

const NEWLINE = 0x0a;
