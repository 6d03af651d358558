// FsStore's claims (see `Store.claim`): a prompt folder's claims are kept in
// its `claims.json` (not a `.md` file: the Python reader never sees it),
// read and rewritten under an exclusive lock of that file (`flock`), so that
// the step of `claimIn` is atomic among the processes sharing the folder
// (also across machines where the file system locks, as NFS does). The file
// is never removed: a process may be waiting for its lock. A claim step
// costs one open, lock, read, (write,) unlock and close of a small file, and
// one look at the sample file of the first index asked for.
//
// A killed writer leaves the file as it was or, killed while rewriting it,
// torn: a torn file reads as no claims (claims decide who pays, never what
// is stored). A file system that cannot lock makes the store claim nothing:
// every process pays, as before claims.

import type { ClaimChange, ClaimTable } from "./claims.ts";
import { decodeClaims, encodeClaims } from "./claims.ts";
import type { ClaimRecord, SequenceKey } from "./store.ts";

/** The file beside a prompt's samples that holds its claims. */
export const CLAIMS_FILE = "claims.json";

// How long to wait for another process's lock of a claims file: held for a
// few system calls, so only a stopped process holds it this long.
const LOCK_TIMEOUT = 30_000;

/** Thrown when the file system cannot lock the claims file: claims are off there. */
export class LocksUnsupported extends Error {}

/** The claims of a folder's prompt folders. */
export class FolderClaims implements ClaimTable {
  readonly #root: string;
  readonly #folder: (key: SequenceKey) => Promise<string>;
  readonly #kindError: (path: string, info: Deno.FileInfo) => Error;
  // Claims files checked to be plain files (a link would be followed).
  #checked = new Set<string>();

  /**
   * @param root The cache folder, for messages.
   * @param folder The prompt folder of a key, made when missing.
   * @param kindError The error for a claims file that is not a plain file.
   */
  constructor(
    root: string,
    folder: (key: SequenceKey) => Promise<string>,
    kindError: (path: string, info: Deno.FileInfo) => Error,
  ) {
    this.#root = root;
    this.#folder = folder;
    this.#kindError = kindError;
  }

  /** Reads and rewrites the claims of `key` under the lock of its claims file. */
  async update<T>(
    key: SequenceKey,
    at: number | undefined,
    change: (claims: readonly ClaimRecord[], taken: boolean) => ClaimChange<T>,
  ): Promise<T> {
    const folder = await this.#folder(key);
    const path = `${folder}/${CLAIMS_FILE}`;
    this.#check(path);
    using file = Deno.openSync(path, { read: true, write: true, create: true });
    await this.#lock(file, path);
    try {
      const taken = at !== undefined && exists(`${folder}/${at}.md`);
      const { claims, result } = change(decodeClaims(readAll(file)), taken);
      if (claims !== undefined) rewrite(file, claims.length === 0 ? "" : encodeClaims(claims));
      return result;
    } finally {
      file.unlockSync();
    }
  }

  /** Refuses a claims file that is a link, a folder, a FIFO: once per file and process. */
  #check(path: string): void {
    if (this.#checked.has(path)) return;
    let info: Deno.FileInfo;
    try {
      info = Deno.lstatSync(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
      this.#checked.add(path);
      return;
    }
    if (!info.isFile) throw this.#kindError(path, info);
    this.#checked.add(path);
  }

  /** Takes the exclusive lock of `file`, waiting (with growing pauses) while another holds it. */
  async #lock(file: Deno.FsFile, path: string): Promise<void> {
    const deadline = Date.now() + LOCK_TIMEOUT;
    for (let pause = 1;; pause = Math.min(50, pause * 2)) {
      let locked: boolean;
      try {
        locked = file.tryLockSync(true);
      } catch (error) {
        throw new LocksUnsupported(
          `FsStore ${this.#root}: the file system cannot lock ${path} (${
            error instanceof Error ? error.message : String(error)
          }), so processes sharing the folder cannot see each other's draws and may pay twice`,
          { cause: error },
        );
      }
      if (locked) return;
      if (Date.now() > deadline) {
        throw new Error(
          `FsStore ${this.#root}: ${path} stayed locked by another process for ` +
            `${LOCK_TIMEOUT / 1000} s (a process stopped while claiming?); resume or end it`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function readAll(file: Deno.FsFile): string {
  const size = file.statSync().size;
  const bytes = new Uint8Array(size);
  let read = 0;
  while (read < size) {
    const n = file.readSync(bytes.subarray(read));
    if (n === null) break;
    read += n;
  }
  return new TextDecoder().decode(bytes.subarray(0, read));
}

function rewrite(file: Deno.FsFile, text: string): void {
  const bytes = new TextEncoder().encode(text);
  file.truncateSync(0);
  file.seekSync(0, Deno.SeekMode.Start);
  for (let written = 0; written < bytes.length;) {
    written += file.writeSync(bytes.subarray(written));
  }
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
