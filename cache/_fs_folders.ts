// The folders of FsStore's layout: found, created, and checked to be real
// folders, never links, once per process.
//
// Links inside the layout are never followed: the OS would resolve them, so a
// linked folder or file would make reads and writes leave the root, past
// Deno's permissions too. A link made after the check is not noticed by this
// process.

import type { FileCalls } from "./_fs_calls.ts";
import { isPromptHash } from "./_key_path.ts";

/** The model key and prompt folders under one root. */
export class Folders {
  readonly #root: string;
  // Folders under the root seen to be real folders, not links, by this process.
  #real = new Set<string>();

  /** @param root The cache folder. */
  constructor(root: string) {
    this.#root = root;
  }

  /**
   * The folder `path` (under the root) when every part of it exists, else
   * undefined; throws when a part is a link or a file.
   */
  async existing(calls: FileCalls, path: string): Promise<string | undefined> {
    if (this.#real.has(path)) return path;
    let part = this.#root;
    for (const segment of this.#segments(path)) {
      part += `/${segment}`;
      // A missing folder is the usual case of a new prompt: no error is built for it.
      if (this.#real.has(part)) continue;
      if (!(await calls.exists(part)) || !(await this.#check(calls, part))) return undefined;
    }
    return path;
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

  /** The folder names of `path` under the root. */
  #segments(path: string): string[] {
    return path.slice(this.#root.length + 1).split("/");
  }

  /** Whether the folder `path` exists; throws when it is a link or not a folder. */
  async #check(calls: FileCalls, path: string): Promise<boolean> {
    const info = await calls.lstat(path);
    if (info === undefined) return false;
    if (info.isSymlink) throw this.linkError(path, "folder");
    if (!info.isDirectory) {
      throw new Error(
        `FsStore ${this.#root}: ${path} is a file where the cache layout has a folder ` +
          `(a model key folder or a prompt folder): move it away`,
      );
    }
    this.#real.add(path);
    return true;
  }
}
