// The sample files of FsStore's prompt folders: read by name, index after
// index, and written crash-safe and multi-process safe (a temporary file,
// then a hard link to `<i>.md`, which fails if `<i>.md` exists). A sample's
// metadata goes to `replies/<i>.json` in its prompt folder: its temporary
// file `replies/<temp>.json` is written with the sample's, and renamed to
// `replies/<i>.json` by the writer that won `<i>.md`, only after it won it;
// both temporary files stay until then, so a writer killed in between
// leaves `<i>.md` without its metadata file but with `<temp>` (the same file
// as `<i>.md`: one inode) and `replies/<temp>.json`, from which a reader
// takes the metadata (see _fs_replies.ts).

import { type FileCalls, type Maybe, settleAll, then } from "./_fs_calls.ts";
import type { Folders } from "./_fs_folders.ts";

const ZERO = 0x30;

/** The file beside a prompt's samples that records the prompt text. */
export const PROMPT_FILE = "prompt.txt";

/**
 * The folder in a prompt folder that holds its samples' metadata files,
 * `<i>.json`: out of the prompt folder's listing, which every first read of
 * the samples takes, and out of the Python reader's sight (it lists `*.md`).
 */
export const REPLIES_FOLDER = "replies";

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
  // By hand rather than with a regular expression: a folder's listing asks
  // this of every name in it.
  const digits = name.length - 3;
  if (digits < 1 || !name.endsWith(".md")) return undefined;
  if (digits > 1 && name.charCodeAt(0) === ZERO) return undefined;
  let index = 0;
  for (let k = 0; k < digits; k++) {
    const digit = name.charCodeAt(k) - ZERO;
    if (digit < 0 || digit > 9) return undefined;
    index = index * 10 + digit;
  }
  return index;
}

/**
 * The index a metadata file name (in {@linkcode REPLIES_FOLDER}) stands for
 * (`7.json` → 7), or undefined for any other name.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaIndex } from "./fs_samples.ts";
 *
 * assert.equal(metaIndex("12.json"), 12);
 * assert.equal(metaIndex("12.md"), undefined);
 * assert.equal(metaIndex(".tmp-x-1.json"), undefined);
 * ```
 */
export function metaIndex(name: string): number | undefined {
  return name.endsWith(".json") ? sampleIndex(`${name.slice(0, -5)}.md`) : undefined;
}

/** The file of sample `index` of `folder`. */
export function sampleFile(folder: string, index: number): string {
  return `${folder}/${index}.md`;
}

/** The metadata file of sample `index` of the prompt folder `folder`. */
export function metaFile(folder: string, index: number): string {
  return `${folder}/${REPLIES_FOLDER}/${index}.json`;
}

/** The temporary metadata file that goes with the temporary sample file `temp`. */
export function metaTemp(temp: string): string {
  const slash = temp.lastIndexOf("/");
  return `${temp.slice(0, slash)}/${REPLIES_FOLDER}/${temp.slice(slash + 1)}.json`;
}

/** Whether `name` is a writer's temporary file (a sample's, or a sample's metadata). */
export function isTemp(name: string): boolean {
  return name.startsWith(".tmp-");
}

/** What a listing showed under a name: a file, a link, or something else. */
export type Listed = "file" | "link" | "other";

/** What an append or a placement stored. */
export interface Claimed {
  /** The samples from the first index on, others' included. */
  readonly found: string[];
  /** The index each of the samples got, in order; -1 for one not placed. */
  readonly at: number[];
}

/** Reads and writes the samples of prompt folders. */
export class Samples {
  readonly #folders: Folders;
  readonly #root: string;
  // Per prompt folder: how many samples from index 0 on are known to be real
  // files (listed once, or read or written by this process): reading them
  // needs no look for a link first.
  #plain = new Map<string, number>();
  // Temporary files: one random prefix per store, then a count. No ".md"
  // ending: the Python reader must never see one.
  #temp = `.tmp-${crypto.randomUUID()}-`;
  // Per listed prompt folder: what its listing showed under each name that
  // is not a sample's (prompt.txt, usage.jsonl, …), so that no one looks again.
  #others = new Map<string, Map<string, Listed>>();
  #made = 0;

  /**
   * @param root The cache folder, for messages.
   * @param folders Its folders, for the link error.
   */
  constructor(root: string, folders: Folders) {
    this.#root = root;
    this.#folders = folders;
  }

  /**
   * What the listing of `folder` showed under `name` (not a sample's file):
   * `"absent"` when nothing, or undefined when the folder was not listed.
   */
  listed(folder: string, name: string): Listed | "absent" | undefined {
    return this.#others.get(folder)?.get(name) ?? (this.#others.has(folder) ? "absent" : undefined);
  }

  /** Notes that `folder` was just created, so it holds no sample. */
  created(folder: string): void {
    this.#plain.set(folder, 0);
  }

  /**
   * The samples of `folder` from index `from` on, up to the first missing
   * index: at once with blocking calls (no promise per sample).
   */
  readFrom(calls: FileCalls, folder: string, from: number): Maybe<string[]> {
    const plain = this.#plain.get(folder);
    if (plain !== undefined) return this.#readRun(calls, folder, from, plain, Infinity, []);
    // The listing is this load's snapshot: no need to look past its end.
    return then(
      this.#listPlain(calls, folder),
      (listed) => this.#readRun(calls, folder, from, listed.plain, listed.end, []),
    );
  }

  /**
   * Adds the samples `i`, `i + 1`, … of `folder` to `out` until one is
   * missing or `end` is reached; those below `plain` are known to be files.
   * Goes on synchronously until a call answers with a promise.
   */
  #readRun(
    calls: FileCalls,
    folder: string,
    i: number,
    plain: number,
    end: number,
    out: string[],
  ): Maybe<string[]> {
    for (; i < end; i++) {
      const sample = i < plain
        ? calls.readText(sampleFile(folder, i))
        : this.#readUnknown(calls, folder, i);
      if (sample instanceof Promise) {
        const next = i + 1;
        return sample.then((text) => {
          if (text === undefined) return out;
          out.push(text);
          return this.#readRun(calls, folder, next, plain, end, out);
        });
      }
      if (sample === undefined) break;
      out.push(sample);
    }
    return out;
  }

  /**
   * Claims the first free indices at or after `from` for `samples`, one hard
   * link each, and returns the samples from `from` up to the last one it
   * stored, other writers' included, and the index each of `samples` got.
   */
  append(
    calls: FileCalls,
    folder: string,
    from: number,
    samples: readonly string[],
    metas: readonly (string | undefined)[] | undefined,
  ): Promise<Claimed> {
    return this.#linked(
      calls,
      folder,
      { samples, metas },
      (temps, out) => this.#claim(calls, folder, from, temps, samples, out),
    );
  }

  /**
   * Links `samples[k]` to exactly `<from + k>.md` where that file is free
   * (cache slicing): what each of those indices holds afterwards, and the
   * index each of `samples` got (-1 where another sample was there).
   */
  place(
    calls: FileCalls,
    folder: string,
    from: number,
    samples: readonly string[],
    metas: readonly (string | undefined)[] | undefined,
  ): Promise<Claimed> {
    return this.#linked(
      calls,
      folder,
      { samples, metas },
      (temps, out) => this.#placeAt(calls, folder, from, temps, samples, out),
    );
  }

  /**
   * Writes the temporary files of `samples` (and of `metas[k]`, the text of
   * sample `k`'s metadata file, where there is one), has `link` link them,
   * renames the metadata of each sample linked to its `<i>.json`, then
   * removes the temporary files. A sample whose metadata could not be
   * renamed keeps both its temporary files, from which readers take it.
   */
  async #linked(
    calls: FileCalls,
    folder: string,
    { samples, metas }: {
      samples: readonly string[];
      metas: readonly (string | undefined)[] | undefined;
    },
    link: (temps: readonly string[], out: Claimed) => Promise<void>,
  ): Promise<Claimed> {
    // The temporary files are written all at once (at the same time, when
    // the calls are non-blocking), then linked in order.
    const temps = samples.map(() => this.#tempPath(folder));
    if (metas?.some((meta) => meta !== undefined)) {
      await this.#folders.make(calls, `${folder}/${REPLIES_FOLDER}`);
    }
    const writes = samples.flatMap((sample, k) => {
      const meta = metas?.[k];
      const text = { k, path: temps[k]!, text: sample };
      return meta === undefined ? [text] : [text, { k, path: metaTemp(temps[k]!), text: meta }];
    });
    const failures = await settleAll(writes.map((w) => () => calls.writeNew(w.path, w.text)));
    let written = writes.filter((_, w) => failures[w] === undefined).map((w) => w.path);
    // Samples written before a failed one are stored: each was paid for.
    const failedAt = failures.findIndex((failure) => failure !== undefined);
    let error = failedAt === -1 ? undefined : failures[failedAt];
    const out: Claimed = { found: [], at: [] };
    try {
      await link(failedAt === -1 ? temps : temps.slice(0, writes[failedAt]!.k), out);
    } catch (linkError) {
      error = linkError;
    }
    // What a linked sample's metadata could not be renamed from stays, for readers.
    const kept = new Set<string>();
    for (const [k, i] of out.at.entries()) {
      const meta = metas?.[k];
      if (i < 0 || meta === undefined) continue;
      const temp = metaTemp(temps[k]!);
      try {
        await this.#renameMeta(calls, temp, metaFile(folder, i), meta);
        written = written.filter((path) => path !== temp);
      } catch (metaError) {
        error ??= metaError;
        kept.add(temps[k]!).add(temp);
      }
    }
    const removed = await settleAll(
      written.filter((path) => !kept.has(path)).map((temp) => () => calls.remove(temp)),
    );
    error ??= removed.find((failure) => failure !== undefined);
    if (error !== undefined) throw error;
    return out;
  }

  /**
   * Renames `temp`, which holds `text`, to `target` (replacing a stale file
   * left by a sample removed by hand: only the winner of a sample's index
   * writes its metadata). A temporary file that is gone meanwhile was taken
   * for a killed writer's by `cache verify --fix`, which completes the
   * rename or removes the file: the rename is done once more if need be.
   */
  async #renameMeta(calls: FileCalls, temp: string, target: string, text: string): Promise<void> {
    for (let attempt = 1;; attempt++) {
      if (await calls.rename(temp, target)) return;
      if (await calls.readText(target) === text) return;
      if (attempt === 3) {
        throw new Error(
          `FsStore ${this.#root}: ${temp} was removed three times before it could be renamed to ` +
            `${target}; something other than the cache is deleting its files`,
        );
      }
      await calls.writeNew(temp, text);
    }
  }

  /** Links `temps` (the files of `samples`) to `<from + k>.md` where that is free. */
  async #placeAt(
    calls: FileCalls,
    folder: string,
    from: number,
    temps: readonly string[],
    samples: readonly string[],
    { found, at }: Claimed,
  ): Promise<void> {
    for (const [k, temp] of temps.entries()) {
      const i = from + k;
      if (await this.#link(calls, temp, sampleFile(folder, i), samples[k]!)) {
        this.#isPlain(folder, i);
        at.push(i);
        found.push(samples[k]!);
      } else {
        at.push(-1);
        found.push(await this.#readClaimed(calls, folder, i));
      }
    }
  }

  /**
   * Links `temps` (the files of `samples`), in order, to the first free
   * indices at or after `from`; the samples from `from` up to the last one
   * linked, others' included, and the indices of those linked.
   */
  async #claim(
    calls: FileCalls,
    folder: string,
    from: number,
    temps: readonly string[],
    samples: readonly string[],
    { found, at }: Claimed,
  ): Promise<void> {
    let i = from;
    for (const [k, temp] of temps.entries()) {
      while (!(await this.#link(calls, temp, sampleFile(folder, i), samples[k]!))) {
        found.push(await this.#readClaimed(calls, folder, i++));
      }
      this.#isPlain(folder, i);
      at.push(i++);
      found.push(samples[k]!);
    }
    // Index i was free when this writer claimed i - 1, so `found` is everything
    // stored from `from` on at that moment; later samples come with the next load.
  }

  /** Writes `text` to `target` atomically unless it exists; the first writer's stays. */
  async writeOnce(calls: FileCalls, folder: string, target: string, text: string): Promise<void> {
    const temp = this.#tempPath(folder);
    await calls.writeNew(temp, text);
    try {
      await this.#link(calls, temp, target, text);
    } finally {
      await calls.remove(temp);
    }
  }

  /**
   * Links `temp`, which holds `text`, to `target`; false when `target`
   * exists. A temporary file removed meanwhile (`cache verify --fix` takes an
   * old one for a killed writer's) is written again: how long a writer takes
   * never decides whether its sample is kept.
   */
  async #link(calls: FileCalls, temp: string, target: string, text: string): Promise<boolean> {
    for (let attempt = 1;; attempt++) {
      try {
        return await calls.link(temp, target);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound) || attempt === 3) throw error;
        await calls.writeNew(temp, text);
      }
    }
  }

  #tempPath(folder: string): string {
    return `${folder}/${this.#temp}${this.#made++}`;
  }

  /** Sample `index`, not known to be a real file, or undefined when there is none. */
  #readUnknown(calls: FileCalls, folder: string, index: number): Maybe<string | undefined> {
    const path = sampleFile(folder, index);
    // Deno cannot open a file without following a link (O_NOFOLLOW), nor
    // without blocking on a FIFO (O_NONBLOCK), so look first.
    return then(calls.lstat(path), (info) => {
      if (info === undefined) return undefined;
      if (!info.isFile) throw this.#folders.kindError(path, info, "file");
      return then(calls.readText(path), (sample) => {
        if (sample !== undefined) this.#isPlain(folder, index);
        return sample;
      });
    });
  }

  /** The sample another writer claimed at `index`. */
  async #readClaimed(calls: FileCalls, folder: string, index: number): Promise<string> {
    const text = await this.#readUnknown(calls, folder, index);
    if (text !== undefined) return text;
    throw new Error(
      `FsStore ${this.#root}: ${sampleFile(folder, index)} was removed right after another ` +
        `writer stored it; something other than the cache is deleting samples`,
    );
  }

  /** Notes that sample `index` of `folder` is a real file. */
  #isPlain(folder: string, index: number): void {
    if (this.#plain.get(folder) === index) this.#plain.set(folder, index + 1);
  }

  /**
   * From one listing of the folder (cheaper than a look at each file before
   * reading it): how many samples from index 0 on are real files, and where
   * the listed samples end: just past an entry there that is no plain file (a
   * link, a folder, a FIFO, which is then looked at, and refused), else there.
   */
  #listPlain(calls: FileCalls, folder: string): Maybe<{ plain: number; end: number }> {
    return then(calls.list(folder), (entries) => this.#listed(folder, entries ?? []));
  }

  /** What a listing of `folder` says (see {@linkcode Samples.#listPlain}). */
  #listed(folder: string, entries: Deno.DirEntry[]): { plain: number; end: number } {
    // kinds[i]: 1 when i.md is a plain file, 2 when it is something else. An
    // index past the number of entries cannot be in the run from 0.
    const kinds = new Uint8Array(entries.length + 1);
    const others = new Map<string, Listed>();
    for (const entry of entries) {
      const index = sampleIndex(entry.name);
      if (index === undefined) {
        others.set(entry.name, entry.isSymlink ? "link" : entry.isFile ? "file" : "other");
      } else if (index < kinds.length) kinds[index] = entry.isFile ? 1 : 2;
    }
    this.#others.set(folder, others);
    let count = 0;
    while (kinds[count] === 1) count++;
    this.#plain.set(folder, count);
    return { plain: count, end: kinds[count] === 2 ? count + 1 : count };
  }
}
