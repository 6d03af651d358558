// The folders of FsStore's layout: found, created, and checked to be real
// folders, never links, once per process: a look at each, or, once enough of
// a folder's subfolders were looked at one by one (a replay of many prompts),
// one listing of that folder, which tells the kinds of all of them (cheaper
// than a look at each, but a cost in proportion to the folder's size, so
// never for a run that reads a few prompts of a large cache).
//
// Links inside the layout are never followed: the OS would resolve them, so a
// linked folder or file would make reads and writes leave the root, past
// Deno's permissions too. A link made after the check is not noticed by this
// process. Nor is anything but a regular file or a folder ever opened: a FIFO
// would block a reader for ever, a device could be read without end.

import { type FileCalls, type Maybe, then } from "./_fs_calls.ts";
import { isPromptHash } from "./sequence_key.ts";

/** The model key and prompt folders under one root. */
export class Folders {
  readonly #root: string;
  // Folders under the root seen to be real folders, not links, by this process.
  #real = new Set<string>();
  // Per folder seen: how many subfolders may be looked at one by one before
  // it is listed (about where a listing costs what the looks do), and then
  // the names of its subfolders that its listing showed to be real folders.
  #lookups = new Map<string, number>();
  #listed = new Map<string, Set<string>>();

  /** @param root The cache folder. */
  constructor(root: string) {
    this.#root = root;
  }

  /**
   * The folder `path` (under the root) when every part of it exists, else
   * undefined; throws when a part is a link or a file. One look at each part
   * not seen before, and none once seen: at once with blocking calls.
   */
  existing(calls: FileCalls, path: string): Maybe<string | undefined> {
    if (this.#real.has(path)) return path;
    const segments = this.#segments(path);
    const from = (k: number, part: string): Maybe<string | undefined> => {
      for (; k < segments.length; k++) {
        const parent = part;
        part += `/${segments[k]}`;
        if (this.#real.has(part)) continue;
        const [next, at] = [k + 1, part];
        return then(this.#listedIn(calls, parent, segments[k]!), (listed) => {
          if (listed) return from(next, at);
          // Not listed (or listed as something else, or new since): looked at.
          return then(this.#check(calls, at), (found) => found ? from(next, at) : undefined);
        });
      }
      return path;
    };
    return from(0, this.#root);
  }

  /**
   * Whether a listing of `parent` showed `name` to be a real folder (which
   * it then notes): listed once enough of its subfolders were looked at.
   */
  #listedIn(calls: FileCalls, parent: string, name: string): Maybe<boolean> {
    const listed = this.#listed.get(parent);
    if (listed !== undefined) return this.#noted(parent, name, listed);
    const left = this.#lookups.get(parent);
    if (left === undefined) return false;
    if (left > 0) {
      this.#lookups.set(parent, left - 1);
      return false;
    }
    return then(calls.list(parent), (entries) => {
      const folders = new Set((entries ?? []).filter((e) => e.isDirectory).map((e) => e.name));
      this.#listed.set(parent, folders);
      return this.#noted(parent, name, folders);
    });
  }

  #noted(parent: string, name: string, folders: Set<string>): boolean {
    if (!folders.has(name)) return false;
    this.#real.add(`${parent}/${name}`);
    return true;
  }

  /**
   * Creates the folder `path` (under the root) where parts of it are
   * missing; refuses links. True when it created the last part (so it is empty).
   */
  async make(calls: FileCalls, path: string): Promise<boolean> {
    if (this.#real.has(path)) return false;
    let part = this.#root;
    let created = false;
    for (const segment of this.#segments(path)) {
      part += `/${segment}`;
      created = false;
      if (this.#real.has(part)) continue;
      // A folder this call creates is a real one; one that exists is looked at.
      created = await calls.mkdir(part);
      if (created) this.#real.add(part);
      else await this.#check(calls, part);
    }
    return created;
  }

  /** Every model key: each folder under the root that holds prompt folders. */
  async *models(
    calls: FileCalls,
    folder = this.#root,
    segments: string[] = [],
  ): AsyncIterableIterator<string> {
    const names = await this.names(calls, folder);
    if (segments.length > 0 && names.some(isPromptHash)) yield segments.join("/");
    for (const name of names) {
      if (!isPromptHash(name)) yield* this.models(calls, `${folder}/${name}`, [...segments, name]);
    }
  }

  /** The names of the folders in `folder`, sorted; none if it is missing. */
  async names(calls: FileCalls, folder: string): Promise<string[]> {
    const entries = await calls.list(folder) ?? [];
    return entries.filter((e) => e.isDirectory).map((e) => e.name).sort();
  }

  /** The error for a link found inside the layout. */
  linkError(path: string, what: "file" | "folder"): Error {
    return new Error(
      `FsStore ${this.#root}: ${path} is a symbolic link, which the cache does not follow ` +
        `inside its folder (it would read or write outside it, past Deno's permissions): ` +
        `replace the link with the real ${what} (the cache folder itself may be a link)`,
    );
  }

  /**
   * The error for an entry of the wrong kind where the layout has a `what`
   * (a link gets {@linkcode Folders.linkError}); it was not opened.
   */
  kindError(path: string, info: Deno.FileInfo, what: "file" | "folder"): Error {
    if (info.isSymlink) return this.linkError(path, what);
    const kind = kindOf(info);
    const why = info.isDirectory || info.isFile ? "" : ", which the cache never opens (reading " +
      "it could wait for ever or never end)";
    return new Error(
      `FsStore ${this.#root}: ${path} is ${kind} where the cache layout has a ${what}${why}: ` +
        `move it out of the cache folder`,
    );
  }

  /** The folder names of `path` under the root. */
  #segments(path: string): string[] {
    return path.slice(this.#root.length + 1).split("/");
  }

  /** Whether the folder `path` exists; throws when it is a link or not a folder. */
  #check(calls: FileCalls, path: string): Maybe<boolean> {
    return then(calls.lstat(path), (info) => {
      if (info === undefined) return false;
      if (!info.isDirectory) throw this.kindError(path, info, "folder");
      this.#real.add(path);
      // A listing costs under 1 µs per entry (an entry takes about 100 bytes
      // of a folder of 64-character names), a look about 3 µs: listed after
      // looks at about a tenth of the entries, a run that reads them all
      // pays less than a look at each, and one that reads a tenth pays at
      // most about three times as much.
      this.#lookups.set(path, Math.max(16, Math.ceil(info.size / 1000)));
      return true;
    });
  }
}

/**
 * What `info` describes, for messages: "a file", "a folder", "a FIFO (named
 * pipe)", "a socket", "a device", "a symbolic link".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { kindOf } from "./_fs_folders.ts";
 *
 * assert.equal(kindOf(Deno.lstatSync("cache")), "a folder");
 * assert.equal(kindOf(Deno.lstatSync("cache/fs_store.ts")), "a file");
 * ```
 */
export function kindOf(info: Deno.FileInfo): string {
  if (info.isSymlink) return "a symbolic link";
  if (info.isFile) return "a file";
  if (info.isDirectory) return "a folder";
  if (info.isFifo) return "a FIFO (named pipe)";
  if (info.isSocket) return "a socket";
  if (info.isCharDevice || info.isBlockDevice) return "a device";
  return "neither a file nor a folder";
}
