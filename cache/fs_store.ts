/**
 * The filesystem store: the Python original's (mnimi's) cache layout, made
 * crash-safe and safe for several processes at once.
 *
 * @module
 */

import { assertSequenceKey, isPromptHash, modelKeySegments } from "./key_path.ts";
import { localPath } from "./home_path.ts";
import { permissionHint } from "./permission_hint.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";

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
 * Reads cost O(1) per new item and never list a folder: `load(key, from)`
 * reads `<from>.md`, `<from + 1>.md`, … until one is missing, and a sequence
 * asks only for what it has not seen yet, when it misses. Samples that other
 * processes write meanwhile are found that way too. File calls are
 * synchronous: for files of a few kilobytes they take microseconds, two to
 * three times less than Deno's async file calls. Files are not fsynced (nor
 * are they by Python): a process crash never leaves half a sample, a power cut
 * may lose the latest ones.
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
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../mod.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * const key = { model: "gpt-4o_1", hash: promptHash("Choose a number") };
 * await store.append(key, 0, ["92", "417"], "Choose a number");
 * console.assert((await store.load(key, 1)).join() === "417");
 * console.assert(await Deno.readTextFile(`${dir}/gpt-4o_1/${key.hash}/0.md`) === "92");
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
    return settle(() => this.#readFrom(this.#folder(key), from));
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

  /** Every model key: each folder under the root that holds prompt folders. */
  async *models(): AsyncIterableIterator<string> {
    yield* this.#walk(this.#root, []);
  }

  /** Every prompt folder under `model`, with the prompt text when recorded. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    const folder = [this.#root, ...modelKeySegments(model)].join("/");
    for (const name of await this.#list(folder)) {
      if (!isPromptHash(name)) continue;
      yield { hash: name, prompt: await this.#readPrompt(`${folder}/${name}/${PROMPT_FILE}`) };
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
    const folder = this.#folder(key);
    this.#prepare(folder, prompt);
    const out: string[] = [];
    let i = from;
    for (const sample of samples) {
      const temp = this.#writeTemp(folder, sample);
      try {
        while (!this.#claim(temp, sampleFile(folder, i))) {
          out.push(this.#read(sampleFile(folder, i++)));
        }
      } finally {
        this.#sync(`removing ${temp}`, "write", () => Deno.removeSync(temp));
      }
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

  #folder(key: SequenceKey): string {
    return [this.#root, ...assertSequenceKey(key), key.hash].join("/");
  }

  // File operations are synchronous: for files of a few kilobytes they take
  // microseconds, two to three times less than Deno's async file calls.

  /** Reads index after index until one is missing. */
  #readFrom(folder: string, from: number): string[] {
    const out: string[] = [];
    for (let i = from, sample; (sample = this.#readOptional(folder, i)) !== undefined; i++) {
      out.push(sample);
    }
    return out;
  }

  #prepare(folder: string, prompt: string | undefined): void {
    if (this.#prepared.has(folder)) return;
    this.#sync(`creating ${folder}`, "write", () => Deno.mkdirSync(folder, { recursive: true }));
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
  }

  #writeTemp(folder: string, text: string): string {
    // No ".md" ending: the Python reader must never see a temporary file.
    const temp = `${folder}/.tmp-${crypto.randomUUID()}`;
    this.#sync(
      `writing ${temp}`,
      "write",
      () => Deno.writeTextFileSync(temp, text, { createNew: true }),
    );
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

  #read(path: string): string {
    return this.#sync(`reading ${path}`, "read", () => Deno.readTextFileSync(path));
  }

  /** Sample `index`, or undefined when there is none. */
  #readOptional(folder: string, index: number): string | undefined {
    try {
      return this.#read(sampleFile(folder, index));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
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

  async #readPrompt(path: string): Promise<string | undefined> {
    try {
      return await this.#async(`reading ${path}`, "read", () => Deno.readTextFile(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  /** The names of the folders in `folder`, sorted; none if it is missing. */
  async #list(folder: string): Promise<string[]> {
    const names: string[] = [];
    try {
      await this.#async(`listing ${folder}`, "read", async () => {
        for await (const entry of Deno.readDir(folder)) {
          if (entry.isDirectory) names.push(entry.name);
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
