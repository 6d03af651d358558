/**
 * The filesystem store: the Python original's (mnimi's) cache layout, made
 * crash-safe and safe for several processes at once.
 *
 * @module
 */

import { assertSequenceKey, isPromptHash, modelKeySegments } from "./_key_path.ts";
import { localPath } from "./_home_path.ts";
import { permissionHint } from "./_permission_hint.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";
import { checkUtf8 } from "./_utf8.ts";

/** The file beside a prompt's samples that records the prompt text. */
export const PROMPT_FILE = "prompt.txt";

/**
 * Sequences stored as files, byte for byte as Python's `cached_llm.py` does:
 *
 * ```
 * <root>/<alias>_<temperature>/<sha256 hex of the UTF-8 prompt>/0.md, 1.md, …
 * ```
 *
 * A sample is the exact text of its file (UTF-8, no added newline). A model
 * key with `/` makes nested folders; `..`, absolute paths and empty segments
 * are refused, so nothing is written outside the root. The prompt text is
 * recorded in `prompt.txt` beside the samples (not a `.md` file, so the Python
 * reader ignores it); caches written by Python have none.
 *
 * Writes are crash-safe and multi-process safe: each sample is written to a
 * temporary file `.tmp-<uuid>` in the prompt folder, then hard-linked to
 * `<i>.md`, which fails if `<i>.md` exists. A reader never sees half a sample,
 * and an existing sample is never overwritten: a writer that loses index `i`
 * reads the winner's sample there and tries `i + 1`. A writer killed before
 * it removed its temporary file leaves that file behind; readers ignore it.
 *
 * Reading looks for `0.md`, `1.md`, … by name and stops at the first missing
 * index. So:
 * - a gap hides the samples after it until an append fills the gap (the
 *   Python reader would instead shift them down to lower indices, and its
 *   writer would then overwrite the last file);
 * - `.md` files whose name is not a plain index (`notes.md`, `01.md`, `-1.md`)
 *   are ignored and never touched (the Python reader fails on `notes.md` with
 *   a `ValueError` and reads `01.md` as index 1).
 *
 * Reads cost O(1) per new item: `load(key, from)` reads `<from>.md`,
 * `<from + 1>.md`, … until one is missing, and a sequence asks only for what
 * it has not seen yet, when it misses. Samples that other processes write
 * meanwhile are found that way too. File calls are synchronous: for files of
 * a few kilobytes they take microseconds, two to three times less than Deno's
 * async file calls. Files are not fsynced (nor are they by Python): a process
 * crash never leaves half a sample, a power cut may lose the latest ones.
 *
 * A sample is returned byte for byte (a leading byte order mark too); a file
 * that is not valid UTF-8 is a `TypeError` naming it, never text with
 * replacement characters. Symbolic links inside the cache folder (a model key
 * folder, a prompt folder, a sample file) are refused with an error naming
 * the link: the OS would follow them out of the folder, past Deno's
 * permissions. The cache folder itself may be a link. Folders are checked
 * once per process, and the samples of a prompt folder by one listing when it
 * is first read (a file that appears later is checked before it is read). A
 * write that fails leaves no temporary file behind; on a full disk the error
 * says so and names the folder.
 *
 * Constructing the store creates nothing; when read access to the root is
 * already granted, it checks that the root is not a file. The store needs
 * `--allow-read=<root>` and, to write, `--allow-write=<root>` (and
 * `--allow-env=HOME` for a root starting with `~`); a missing permission
 * throws `Deno.errors.NotCapable` naming the flag. {@linkcode FsStore.checkAccess}
 * says, before anything is paid for, whether the folder exists and can be
 * written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../mod.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * const key = { model: "gpt-4o_1", hash: promptHash("Choose a number") };
 * await store.append(key, 0, ["92", "417"], "Choose a number");
 * assert.equal((await store.load(key, 1)).join(), "417");
 * assert.equal(await Deno.readTextFile(`${dir}/gpt-4o_1/${key.hash}/0.md`), "92");
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FsStore implements Store {
  /** The root folder, with a leading `~` expanded. */
  readonly location: string;
  #root: string;
  // Prompt folders created (with their prompt file) by this process.
  #prepared = new Set<string>();
  // Folders under the root seen to be real folders, not links, by this process.
  #real = new Set<string>();
  // Per prompt folder: how many samples from index 0 on are known to be real
  // files (listed once, or read or written by this process): reading them
  // needs no look for a link first.
  #plain = new Map<string, number>();

  /**
   * A store in the folder `root`; nothing is created until it is written.
   *
   * @param root The cache folder, or its `file:` URL; a leading `~` is the
   * home folder.
   * @throws {TypeError} When `root` is empty, a URL of another scheme, or
   * starts with `~` and HOME is unset.
   * @throws {Deno.errors.NotADirectory} When `root` is a file (checked only
   * when read access to it is already granted).
   */
  constructor(root: string | URL) {
    // "cache/" and "cache" are one folder; the slash would double in paths.
    this.#root = localPath(root, "FsStore").replace(/(?<=[^/])\/+$/, "");
    this.location = this.#root;
    const granted = Deno.permissions.querySync({ name: "read", path: this.#root });
    if (granted.state === "granted") this.#assertNotFile();
  }

  /**
   * Resolves when the cache folder exists and can be read (`"read"`), or can
   * be written (`"write"`: the folder is created if it is new, and a
   * temporary file is written in it and removed).
   *
   * @throws {Deno.errors.NotFound} For `"read"`, when the folder does not exist.
   * @throws {Deno.errors.NotADirectory} When the root is a file.
   * @throws {Deno.errors.NotCapable} When a permission is missing (the
   * message names the flag).
   * @throws {Deno.errors.PermissionDenied} When the folder is read-only.
   */
  checkAccess(mode: "read" | "write"): Promise<void> {
    return settle(() => {
      if (mode === "read") {
        if (!this.#assertNotFile()) {
          throw new Deno.errors.NotFound(
            `the cache folder ${this.#root} does not exist: check the path for a typo ` +
              `(a cache that is only replayed must exist already)`,
          );
        }
        return;
      }
      this.#assertNotFile();
      try {
        this.#sync(`writing to ${this.#root}`, "write", () => {
          Deno.mkdirSync(this.#root, { recursive: true });
          Deno.removeSync(Deno.makeTempFileSync({ dir: this.#root, prefix: ".tmp-" }));
        });
      } catch (error) {
        if (error instanceof Deno.errors.NotCapable) throw error;
        const message = `the cache folder ${this.#root} cannot be written ` +
          `(${error instanceof Error ? error.message : String(error)}): make it writable ` +
          `(e.g. chmod u+w ${this.#root}) or choose another folder`;
        throw error instanceof Deno.errors.PermissionDenied
          ? new Deno.errors.PermissionDenied(message, { cause: error })
          : new Error(message, { cause: error });
      }
    });
  }

  /** The samples at index `from` and after, up to the first missing index. */
  load(key: SequenceKey, from: number): Promise<string[]> {
    return settle(() => {
      const folder = this.#existingFolder(sequenceSegments(key));
      return folder === undefined ? [] : this.#readFrom(folder, from);
    });
  }

  /**
   * Claims the first free indices at or after `from` for `samples`, one hard
   * link each, and returns the samples from `from` up to the last one it
   * stored, other writers' included.
   */
  append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
  ): Promise<string[]> {
    return settle(() => this.#append(key, from, samples, prompt));
  }

  /**
   * Every index that has a sample file, gaps included (what
   * {@linkcode FsStore.load} does not see past a missing index): lists the
   * prompt folder, so it is for tools such as `copyStore`, not for reading.
   */
  async indices(key: SequenceKey): Promise<number[]> {
    const folder = this.#existingFolder(sequenceSegments(key));
    if (folder === undefined) return [];
    const names = await this.#list(folder, () => true);
    return names.map(sampleIndex).filter((i) => i !== undefined).sort((a, b) => a - b);
  }

  /** Every model key: each folder under the root that holds prompt folders. */
  async *models(): AsyncIterableIterator<string> {
    yield* this.#walk(this.#root, []);
  }

  /** Every prompt folder under `model`, with the prompt text when recorded. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    const folder = this.#existingFolder(modelKeySegments(model));
    if (folder === undefined) return;
    for (const name of await this.#list(folder)) {
      if (!isPromptHash(name)) continue;
      yield { hash: name, prompt: this.#readFile(`${folder}/${name}/${PROMPT_FILE}`) };
    }
  }

  /** Nothing to release: every file is closed after each operation. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt: string | undefined,
  ): string[] {
    const folder = this.#prepare(sequenceSegments(key), prompt);
    const out: string[] = [];
    let i = from;
    for (const sample of samples) {
      const temp = this.#writeTemp(folder, sample);
      try {
        while (!this.#claim(temp, sampleFile(folder, i))) {
          out.push(this.#readClaimed(folder, i++));
        }
      } finally {
        this.#sync(`removing ${temp}`, "write", () => Deno.removeSync(temp));
      }
      this.#isPlain(folder, i);
      out.push(sample);
      i++;
    }
    // Index i was free when this writer claimed i - 1, so `out` is everything
    // stored from `from` on at that moment; later samples come with the next load.
    return out;
  }

  /** Whether the root exists; throws when it is a file. */
  #assertNotFile(): boolean {
    let info: Deno.FileInfo;
    try {
      info = this.#sync(`looking for ${this.#root}`, "read", () => Deno.statSync(this.#root));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
    if (info.isDirectory) return true;
    throw new Deno.errors.NotADirectory(
      `the cache folder ${this.#root} is a file, not a folder: pass the folder that holds ` +
        `(or will hold) the cache, e.g. ${JSON.stringify(parentOf(this.#root))}`,
    );
  }

  // File operations are synchronous: for files of a few kilobytes they take
  // microseconds, two to three times less than Deno's async file calls.

  /** Reads index after index until one is missing. */
  #readFrom(folder: string, from: number): string[] {
    let plain = this.#plain.get(folder);
    let end = Infinity;
    if (plain === undefined) {
      // The listing is this load's snapshot: no need to look past its end.
      ({ plain, end } = this.#listPlain(folder));
    }
    const out: string[] = [];
    for (let i = from, sample; i < end; i++) {
      if ((sample = this.#readSample(folder, i, plain)) === undefined) break;
      out.push(sample);
    }
    return out;
  }

  /** Sample `index`, or undefined when there is none; `plain` as in `#plain`. */
  #readSample(folder: string, index: number, plain: number): string | undefined {
    const path = sampleFile(folder, index);
    if (index < plain) return this.#readText(path);
    const sample = this.#readFile(path);
    if (sample !== undefined) this.#isPlain(folder, index);
    return sample;
  }

  /** Notes that sample `index` of `folder` is a real file. */
  #isPlain(folder: string, index: number): void {
    if (this.#plain.get(folder) === index) this.#plain.set(folder, index + 1);
  }

  /**
   * From one listing of the folder (cheaper than a look at each file before
   * reading it): how many samples from index 0 on are real files, and the
   * first index with no entry at all.
   */
  #listPlain(folder: string): { plain: number; end: number } {
    const plain = new Set<number>();
    const other = new Set<number>();
    try {
      this.#sync(`listing ${folder}`, "read", () => {
        for (const entry of Deno.readDirSync(folder)) {
          const index = sampleIndex(entry.name);
          if (index !== undefined) (entry.isFile ? plain : other).add(index);
        }
      });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    let count = 0;
    while (plain.has(count)) count++;
    this.#plain.set(folder, count);
    // An entry at `count` that is no plain file (a link) is read, and refused.
    return { plain: count, end: other.has(count) ? Infinity : count };
  }

  // Links inside the layout are never followed: the OS would resolve them, so
  // a linked folder or file would make reads and writes leave the root, past
  // Deno's permissions too. Folders are checked once per process (below);
  // sample files by one listing of their folder (above) or, when they appear
  // later, by a look before they are read. A link made after the check is not
  // noticed by this process.

  /**
   * The folder of `segments` under the root, or undefined when part of it is
   * missing; throws when a part is a link or a file.
   */
  #existingFolder(segments: readonly string[]): string | undefined {
    const folder = `${this.#root}/${segments.join("/")}`;
    if (this.#real.has(folder)) return folder;
    let path = this.#root;
    for (const segment of segments) {
      path += `/${segment}`;
      if (!this.#real.has(path) && !this.#checkFolder(path)) return undefined;
    }
    return folder;
  }

  /**
   * Creates the folder of `segments` under the root where missing; refuses
   * links. True when it created the last one (so it is empty).
   */
  #makeFolder(segments: readonly string[]): boolean {
    let path = this.#root;
    let created = false;
    for (const segment of segments) {
      path += `/${segment}`;
      created = false;
      if (this.#real.has(path)) continue;
      // A folder this call creates is a real one; one that exists is looked at.
      created = this.#mkdir(path);
      if (created) this.#real.add(path);
      else this.#checkFolder(path);
    }
    return created;
  }

  /** True when it created `path`, false when something is there already. */
  #mkdir(path: string): boolean {
    try {
      this.#sync(`creating ${path}`, "write", () => {
        try {
          Deno.mkdirSync(path);
        } catch (error) {
          if (!(error instanceof Deno.errors.NotFound)) throw error;
          // The root is missing (the folders below it were made or checked).
          Deno.mkdirSync(dirname(path), { recursive: true });
          Deno.mkdirSync(path);
        }
      });
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    }
  }

  /** Whether the folder `path` exists; throws when it is a link or not a folder. */
  #checkFolder(path: string): boolean {
    let info: Deno.FileInfo;
    try {
      info = this.#sync(`looking at ${path}`, "read", () => Deno.lstatSync(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
    if (info.isSymlink) throw this.#linkError(path, "folder");
    if (!info.isDirectory) {
      throw new Error(
        `FsStore ${this.#root}: ${path} is a file where the cache layout has a folder ` +
          `(a model key folder or a prompt folder): move it away`,
      );
    }
    this.#real.add(path);
    return true;
  }

  #linkError(path: string, what: "file" | "folder"): Error {
    return new Error(
      `FsStore ${this.#root}: ${path} is a symbolic link, which the cache does not follow ` +
        `inside its folder (it would read or write outside it, past Deno's permissions): ` +
        `replace the link with the real ${what} (the cache folder itself may be a link)`,
    );
  }

  #prepare(segments: readonly string[], prompt: string | undefined): string {
    const folder = `${this.#root}/${segments.join("/")}`;
    if (this.#prepared.has(folder)) return folder;
    if (this.#makeFolder(segments)) this.#plain.set(folder, 0);
    const promptFile = `${folder}/${PROMPT_FILE}`;
    if (prompt !== undefined && !this.#exists(promptFile)) {
      // Written once, atomically, like a sample; the first writer's stays.
      const temp = this.#writeTemp(folder, prompt);
      try {
        this.#claim(temp, promptFile);
      } finally {
        this.#sync(`removing ${temp}`, "write", () => Deno.removeSync(temp));
      }
    }
    this.#prepared.add(folder);
    return folder;
  }

  #writeTemp(folder: string, text: string): string {
    // No ".md" ending: the Python reader must never see a temporary file.
    const temp = `${folder}/.tmp-${crypto.randomUUID()}`;
    try {
      Deno.writeTextFileSync(temp, text, { createNew: true });
    } catch (error) {
      // A full disk leaves part of the file: remove it, or every later write
      // would find even less room.
      if (!(error instanceof Deno.errors.AlreadyExists)) removeQuietly(temp);
      throw this.#hint(error, `writing ${temp}`, "write");
    }
    return temp;
  }

  /** Links `temp` to `target`; false when `target` already exists. */
  #claim(temp: string, target: string): boolean {
    try {
      this.#sync(`claiming ${target}`, "write", () => Deno.linkSync(temp, target));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw error;
    }
  }

  /** The sample another writer claimed at `index`. */
  #readClaimed(folder: string, index: number): string {
    const text = this.#readSample(folder, index, 0);
    if (text !== undefined) return text;
    const path = sampleFile(folder, index);
    throw new Error(
      `FsStore ${this.#root}: ${path} was removed right after another writer stored it; ` +
        `something other than the cache is deleting samples`,
    );
  }

  /** The text of the file `path`, or undefined when there is none. */
  #readFile(path: string): string | undefined {
    // Deno cannot open a file without following a link (O_NOFOLLOW), so look first.
    let info: Deno.FileInfo;
    try {
      info = this.#sync(`looking at ${path}`, "read", () => Deno.lstatSync(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
    if (info.isSymlink) throw this.#linkError(path, "file");
    return this.#readText(path);
  }

  /** The text of `path`, which is not a link; undefined when it is missing. */
  #readText(path: string): string | undefined {
    let text: string;
    try {
      // Fast, and keeps a byte order mark; bytes are read only to tell a
      // stored U+FFFD from bytes that are not UTF-8.
      text = Deno.readTextFileSync(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw this.#hint(error, `reading ${path}`, "read");
    }
    return checkUtf8(
      text,
      () => this.#sync(`reading ${path}`, "read", () => Deno.readFileSync(path)),
      path,
    );
  }

  #exists(path: string): boolean {
    try {
      this.#sync(`looking for ${path}`, "read", () => Deno.lstatSync(path));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }

  /**
   * The names of the entries of `folder` that `keep` accepts (folders by
   * default), sorted; none if it is missing.
   */
  async #list(
    folder: string,
    keep: (entry: Deno.DirEntry) => boolean = (entry) => entry.isDirectory,
  ): Promise<string[]> {
    const names: string[] = [];
    try {
      await this.#async(`listing ${folder}`, "read", async () => {
        for await (const entry of Deno.readDir(folder)) {
          if (keep(entry)) names.push(entry.name);
        }
      });
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
    return names.sort();
  }

  async *#walk(folder: string, segments: string[]): AsyncIterableIterator<string> {
    const names = await this.#list(folder);
    if (segments.length > 0 && names.some(isPromptHash)) yield segments.join("/");
    for (const name of names) {
      if (!isPromptHash(name)) yield* this.#walk(`${folder}/${name}`, [...segments, name]);
    }
  }

  #sync<T>(doing: string, access: Access, run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw this.#hint(error, doing, access);
    }
  }

  async #async<T>(doing: string, access: Access, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw this.#hint(error, doing, access);
    }
  }

  #hint(error: unknown, doing: string, access: Access): unknown {
    if (isDiskFull(error)) {
      return new Error(
        `FsStore ${doing}: no space left on the disk that holds ${this.#root} ` +
          `(${error.message}): free some space or move the cache; the samples stored ` +
          `before are intact`,
        { cause: error },
      );
    }
    const flags = access === "read"
      ? `--allow-read=${this.#root}`
      : `--allow-read=${this.#root} --allow-write=${this.#root}`;
    return permissionHint(error, `FsStore ${doing}`, flags);
  }
}

type Access = "read" | "write";

/** `run()` as a promise: resolved with its result or rejected with its error. */
function settle<T>(run: () => T): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

function sampleFile(folder: string, index: number): string {
  return `${folder}/${index}.md`;
}

const INDEX_FILE = /^(0|[1-9][0-9]*)\.md$/;

/**
 * The index a file name stands for (`7.md` → 7), or undefined for any other
 * name (`07.md`, `notes.md`, `prompt.txt`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sampleIndex } from "./fs_store.ts";
 *
 * assert.equal(sampleIndex("12.md"), 12);
 * assert.equal(sampleIndex("012.md"), undefined);
 * ```
 */
export function sampleIndex(name: string): number | undefined {
  const match = INDEX_FILE.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** The folder names of a sequence: the model key's, then the prompt hash. */
function sequenceSegments(key: SequenceKey): string[] {
  return [...assertSequenceKey(key), key.hash];
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Never created, or already gone: the failed write is the news.
  }
}

/** Whether `error` says the disk (or the user's quota on it) is full. */
function isDiskFull(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === "ENOSPC" || code === "EDQUOT");
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}
