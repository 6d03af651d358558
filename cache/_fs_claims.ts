// FsStore's claims (see `Store.claim`): a prompt folder's claims are kept in
// its `claims.json` (not a `.md` file: the Python reader never sees it),
// read and rewritten under an exclusive lock of that file (`flock`), so that
// the step of `claimIn` is atomic among the processes sharing the folder
// (also across machines where the file system locks, as NFS does). A claim
// step costs a lock, a status, a read, (a write,) an unlock of a small file,
// and one look at the sample file of the first index asked for; the file is
// opened by the claim and kept open, while this process has claims there,
// until the append that stores them removes it (a file removed by another
// process meanwhile has no name left: its link count tells, and it is opened
// again). Creating and removing that file is the floor of a process alone:
// one small file made and removed per request.
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
  // The claims file of each prompt folder where this process wrote claims
  // that may not be over, kept open until they are (one open a claim, not two).
  #open = new Map<string, Deno.FsFile>();

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
    const locked = await this.#locked(folder, true);
    let keep = false;
    try {
      const taken = at !== undefined && pathExists(`${folder}/${at}.md`);
      const { claims, result } = change(decodeClaims(locked.text), taken);
      if (claims === undefined) keep = this.#open.has(folder);
      else if (claims.length === 0) Deno.removeSync(locked.path);
      else {
        rewrite(locked, encodeClaims(claims));
        keep = true;
      }
      return result;
    } finally {
      this.#let(folder, locked.file, keep);
    }
  }

  /**
   * After an append stored the samples of `folder` below `stored`: drops
   * the claims there that end at or below it, once this process wrote
   * claims in that folder, and removes the file when none is left. Claims
   * decide only who pays: a failure here leaves the file as it was.
   */
  async settled(folder: string, stored: number): Promise<void> {
    if (!this.#open.has(folder)) return;
    let locked: Locked | undefined;
    let keep = false;
    try {
      locked = await this.#locked(folder, false);
      if (locked === undefined) return;
      const claims = decodeClaims(locked.text);
      const kept = claims.filter((r) => r.from + r.count > stored);
      if (kept.length === 0) Deno.removeSync(locked.path);
      else {
        if (kept.length < claims.length) rewrite(locked, encodeClaims(kept));
        keep = true;
      }
    } catch {
      // Left for the next claim of the sequence, which drops what is over.
    } finally {
      if (locked !== undefined) this.#let(folder, locked.file, keep);
      else this.#open.delete(folder);
    }
  }

  /** Closes the claims files kept open (their claims stay, to lapse). */
  close(): void {
    for (const file of this.#open.values()) file.close();
    this.#open.clear();
  }

  /** Unlocks `file`, and keeps it open for `folder`'s next step or closes it. */
  #let(folder: string, file: Deno.FsFile, keep: boolean): void {
    file.unlockSync();
    if (keep) {
      this.#open.set(folder, file);
      return;
    }
    this.#open.delete(folder);
    file.close();
  }

  /**
   * The claims file of `folder`, open and locked, with what it holds: the
   * one kept open when this process has claims there, else opened (created
   * when `create`; else undefined when missing). Unlock it with #let.
   */
  async #locked(folder: string, create: true): Promise<Locked>;
  async #locked(folder: string, create: boolean): Promise<Locked | undefined>;
  async #locked(folder: string, create: boolean): Promise<Locked | undefined> {
    const path = `${folder}/${CLAIMS_FILE}`;
    for (;;) {
      let file = this.#open.get(folder);
      this.#open.delete(folder);
      if (file === undefined) {
        this.#check(path);
        try {
          file = Deno.openSync(path, { read: true, write: true, create });
        } catch (error) {
          if (!create && error instanceof Deno.errors.NotFound) return undefined;
          throw error;
        }
      }
      let info: Deno.FileInfo;
      try {
        await this.#lock(file, path);
        info = file.statSync();
      } catch (error) {
        file.close();
        throw error;
      }
      // Removed (and maybe made again) while this process did not hold the lock: not the file.
      if (isNamed(info, file, path)) {
        return { file, path, text: readAll(file, info.size), size: info.size };
      }
      file.unlockSync();
      file.close();
      if (!create) return undefined;
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

/** A claims file, open and locked, and what it held then. */
interface Locked {
  readonly file: Deno.FsFile;
  readonly path: string;
  readonly text: string;
  /** The file's size in bytes when it was read. */
  readonly size: number;
}

/**
 * Whether `path` still names the file `file` has open (`info`, its status):
 * a file with no name left was removed (told by its link count, where the
 * system gives one: no second look); else the name is looked at.
 */
function isNamed(info: Deno.FileInfo, file: Deno.FsFile, path: string): boolean {
  if (info.nlink !== null) return info.nlink > 0;
  return sameFile(file, path);
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

function readAll(file: Deno.FsFile, size: number): string {
  file.seekSync(0, Deno.SeekMode.Start);
  const bytes = new Uint8Array(size);
  let read = 0;
  while (read < size) {
    const n = file.readSync(bytes.subarray(read));
    if (n === null) break;
    read += n;
  }
  return new TextDecoder().decode(bytes.subarray(0, read));
}

/**
 * Writes `text` over the file from its start, padded with spaces to the size
 * it had (JSON allows them): a file is never truncated, since freeing and
 * allocating its block at every claim costs more than the claim itself.
 */
function rewrite({ file, size }: Locked, text: string): void {
  const encoded = new TextEncoder().encode(text);
  const bytes = encoded.length >= size ? encoded : new Uint8Array(size).fill(0x20);
  if (bytes !== encoded) bytes.set(encoded);
  file.seekSync(0, Deno.SeekMode.Start);
  for (let written = 0; written < bytes.length;) {
    written += file.writeSync(bytes.subarray(written));
  }
}
