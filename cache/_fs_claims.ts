// FsStore's claims (see `Store.claim`): a prompt folder's claims are kept in
// its `claims.json` (not a `.md` file: the Python reader never sees it),
// read and rewritten under an exclusive lock of that file (`flock`), so that
// the step of `claimIn` is atomic among the processes sharing the folder
// (also across machines where the file system locks, as NFS does). A claim
// step costs one open, lock, read, (write,) unlock and close of a small
// file, and one look at the sample file of the first index asked for.
//
// A folder's claims leave no trace once they are over: the append that
// stores the samples of a claim this process wrote drops the claims that end
// at or below what is stored, and removes the file when none is left, so a
// cache folder (a notebook's, a test's fixtures, kept in git) holds only
// what Python's layout holds after a run. The file is removed under its
// lock; a process that opened it before and got the lock after sees that
// the name no longer leads to the file it locked, and opens it again.
//
// A killed writer leaves the file as it was or, killed while rewriting it,
// torn: a torn file reads as no claims (claims decide who pays, never what
// is stored). A file system that cannot lock makes the store claim nothing:
// every process pays, as before claims.

import type { ClaimChange, ClaimTable } from "./claims.ts";
import { decodeClaims, encodeClaims } from "./claims.ts";
import type { ClaimRecord, SequenceKey } from "./store.ts";
import { pathExists } from "../internal/path_exists.ts";

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
  // Prompt folders where this process wrote claims that may not be over.
  #written = new Set<string>();

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
    using locked = await this.#locked(folder, true);
    const taken = at !== undefined && pathExists(`${folder}/${at}.md`);
    const { claims, result } = change(decodeClaims(readAll(locked.file)), taken);
    if (claims === undefined) return result;
    if (claims.length === 0) {
      Deno.removeSync(locked.path);
      this.#written.delete(folder);
    } else {
      rewrite(locked.file, encodeClaims(claims));
      this.#written.add(folder);
    }
    return result;
  }

  /**
   * After an append stored the samples of `folder` below `stored`: drops
   * the claims there that end at or below it, once this process wrote
   * claims in that folder, and removes the file when none is left. Claims
   * decide only who pays: a failure here leaves the file as it was.
   */
  async settled(folder: string, stored: number): Promise<void> {
    if (!this.#written.has(folder)) return;
    try {
      using locked = await this.#locked(folder, false);
      if (locked === undefined) return;
      const claims = decodeClaims(readAll(locked.file));
      const kept = claims.filter((r) => r.from + r.count > stored);
      if (kept.length > 0) {
        if (kept.length < claims.length) rewrite(locked.file, encodeClaims(kept));
        return;
      }
      this.#written.delete(folder);
      Deno.removeSync(locked.path);
    } catch {
      // Left for the next claim of the sequence, which drops what is over.
    }
  }

  /**
   * The claims file of `folder`, open and locked (created when `create`;
   * else undefined when missing); the lock is let go with it.
   */
  async #locked(folder: string, create: true): Promise<Locked>;
  async #locked(folder: string, create: false): Promise<Locked | undefined>;
  async #locked(folder: string, create: boolean): Promise<Locked | undefined> {
    const path = `${folder}/${CLAIMS_FILE}`;
    this.#check(path);
    for (;;) {
      let file: Deno.FsFile;
      try {
        file = Deno.openSync(path, { read: true, write: true, create });
      } catch (error) {
        if (!create && error instanceof Deno.errors.NotFound) return undefined;
        throw error;
      }
      try {
        await this.#lock(file, path);
        // Removed (and maybe made again) while this process waited for the lock: not the file.
        if (sameFile(file, path)) {
          return { file, path, [Symbol.dispose]: () => (file.unlockSync(), file.close()) };
        }
      } catch (error) {
        file.close();
        throw error;
      }
      file.close();
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

/** A claims file, open and locked: disposing of it unlocks and closes it. */
interface Locked extends Disposable {
  readonly file: Deno.FsFile;
  readonly path: string;
}

/** Whether `path` still names the file `file` has open (no other removed and made it since). */
function sameFile(file: Deno.FsFile, path: string): boolean {
  try {
    const named = Deno.statSync(path);
    const open = file.statSync();
    return named.ino === open.ino && named.dev === open.dev;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
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
