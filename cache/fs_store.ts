/**
 * The filesystem store: the Python original's (mnimi's) cache layout, made
 * crash-safe and safe for several processes at once.
 *
 * @module
 */

import { assertSequenceKey, isPromptHash, modelKeySegments } from "./sequence_key.ts";
import { localPath } from "./_home_path.ts";
import { describe } from "../internal/validate.ts";
import { drawsInFlight } from "./_draws_in_flight.ts";
import {
  type FileCalls,
  fileCalls,
  type FsStoreOptions,
  hint,
  type Maybe,
  settle,
  then,
} from "./_fs_calls.ts";
import { Folders } from "./_fs_folders.ts";
import { PROMPT_FILE, sampleIndex, Samples } from "./fs_samples.ts";
import { formatRecords, USAGE_FILE, UsageFile } from "./fs_usage.ts";
import { metaFileText, readMetas } from "./_fs_replies.ts";
import { CLAIMS_FILE, FolderClaims, LocksUnsupported } from "./_fs_claims.ts";
import { claimIn, unclaimed } from "./claims.ts";
import { recordsOf } from "../core/usage_records.ts";
import { type Reply, replyOf } from "../core/reply.ts";
import type { UsageRecord } from "../core/usage.ts";
import type { StoredSamples } from "../core/repeatable_options.ts";
import { loadWithUsage } from "./_load_with_usage.ts";
import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreVerification,
  StoreWrite,
  VerifyOptions,
} from "./store.ts";

export { CLAIMS_FILE, type FsStoreOptions, PROMPT_FILE, sampleIndex, USAGE_FILE };

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
 * What each sample cost to draw is kept in `usage.jsonl` beside it (also
 * ignored by the Python reader): one JSON line per append,
 * `{"from":0,"count":10,"requests":1,"promptTokens":350,"completionTokens":1200,"latencyMs":812}`,
 * the sums for the samples at indices `from` to `from + count - 1` (see
 * `UsageRecord`; the token fields are absent when the provider reported
 * none). The file only adds figures: one that cannot be read (of any size,
 * with garbage in it) costs its figures, with a warning, never the samples;
 * a replay reads it only when a figure, a manifest or a cache above first
 * asks what the samples cost. Each append adds its lines in one write to the file opened for
 * appending, after its samples are stored, so that writers of several
 * processes never mix their lines; a line torn by a crash is skipped by
 * readers. A prompt folder without the file (written by Python, or by an
 * older version) reads as samples of unknown usage.
 *
 * What a sample's reply holds beyond its text (tool calls, reasoning, the
 * finish reason, …: `StoreWrite.meta`) is kept in `replies/<i>.json` in the
 * prompt folder, for the samples that have any:
 * `{"reply":{"finishReason":"tool_calls","toolCalls":[…]},"sha256":"<hex>"}`,
 * canonical JSON, `sha256` the digest of `<i>.md`'s text, so that a file left
 * behind by a sample removed by hand never attaches to another one (it is
 * ignored, and `cache verify` reports it). The Python reader lists only the
 * prompt folder's `*.md`, so it reads the text alone, as before (a reply
 * that only calls tools has the text `""`); and a replay of texts lists the
 * prompt folder as before, the metadata out of its way. The metadata is
 * written in the same write as the sample: its temporary file is written
 * with the sample's, and renamed to `replies/<i>.json` by the writer that
 * won `<i>.md`, right after; a writer killed in between leaves both
 * temporary files, from which readers take the metadata (the sample's
 * temporary file is `<i>.md`: one inode) and `cache verify --fix` puts it in
 * place. So a reader never sees a sample without its metadata, nor the
 * reverse.
 *
 * Processes that share the folder pay for a sample once: before it draws,
 * `Persistent` claims the indices in the prompt folder's `claims.json`
 * (compact JSON: each run of indices being drawn, who holds it and until
 * when; see {@linkcode FsStore.claim}), which is read and rewritten under an
 * exclusive lock of the file (`flock`); the Python reader ignores it.
 *
 * Writes are crash-safe and multi-process safe: each sample is written to a
 * temporary file `.tmp-<random>-<n>` in the prompt folder, then hard-linked
 * to `<i>.md`, which fails if `<i>.md` exists. A reader never sees half a
 * sample, and an existing sample is never overwritten: a writer that loses
 * index `i` reads the winner's sample there and tries `i + 1` (a slice's
 * placement, {@linkcode FsStore.place}, keeps the winner's sample at `i`
 * instead). A writer killed before it removed its temporary file leaves that
 * file behind; readers ignore it. A temporary file removed under a live
 * writer (`cache verify --fix` removes those older than a minute) is written
 * again, so a slow writer loses nothing.
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
 * meanwhile are found that way too. A sample costs one file creation (the
 * temporary file), a link and an unlink; the prompt folder and its prompt
 * file are made once. Files are not fsynced (nor are they by Python): a
 * process crash never leaves half a sample, a power cut may lose the latest
 * ones. File calls run on the main thread, or, while draws are in flight, on
 * Deno's thread pool (see {@linkcode FsStoreOptions.offload}).
 *
 * A sample is returned byte for byte (a leading byte order mark too); a file
 * that is not valid UTF-8 is a `TypeError` naming it, never text with
 * replacement characters. Symbolic links inside the cache folder (a model key
 * folder, a prompt folder, a sample file) are refused with an error naming
 * the link: the OS would follow them out of the folder, past Deno's
 * permissions. The cache folder itself may be a link. So is anything else
 * that is neither a regular file nor a folder (a FIFO, a socket, a device),
 * or a folder where a file belongs, without being opened. Folders are
 * checked once per process, and the samples of a prompt folder by one
 * listing when it is first read (a file that appears later is checked before
 * it is read). A
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
 * await store.append(key, { from: 0, samples: ["92", "417"], prompt: "Choose a number" });
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
  #offload: "auto" | "always" | "never";
  #calls: { blocking: FileCalls; nonBlocking: FileCalls };
  #folders: Folders;
  #samples: Samples;
  // Model keys already checked, with their folder.
  #models = new Map<string, string>();
  // Prompt folders created (with their prompt file) by this process.
  #prepared = new Set<string>();
  // The usage files read by this process, by prompt folder.
  #usageFiles = new Map<string, UsageFile>();
  #claims: FolderClaims;
  // Whether the file system locks the claims files (see claim).
  #locks = true;

  /**
   * A store in the folder `root`; nothing is created until it is written.
   *
   * @param root The cache folder, or its `file:` URL; a leading `~` is the
   * home folder.
   * @param options When file calls leave the main thread.
   * @throws {TypeError} When `root` is empty, a URL of another scheme, or
   * starts with `~` and HOME is unset.
   * @throws {Deno.errors.NotADirectory} When `root` is a file (checked only
   * when read access to it is already granted).
   */
  constructor(root: string | URL, options: FsStoreOptions = {}) {
    // "cache/" and "cache" are one folder; the slash would double in paths.
    this.#root = localPath(root, "FsStore").replace(/(?<=[^/])\/+$/, "");
    this.location = this.#root;
    this.#offload = options.offload ?? "auto";
    if (!["auto", "always", "never"].includes(this.#offload)) {
      throw new TypeError(
        `FsStore: offload must be "auto", "always" or "never", got ${describe(options.offload)}`,
      );
    }
    this.#calls = fileCalls(this.#root);
    this.#folders = new Folders(this.#root);
    this.#samples = new Samples(this.#root, this.#folders);
    this.#claims = new FolderClaims(this.#root, async (key) => {
      const path = this.#folder(key);
      if (await this.#folders.make(this.#pick(), path)) this.#samples.created(path);
      return path;
    }, (path, info) => this.#folders.kindError(path, info, "file"));
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
  async checkAccess(mode: "read" | "write"): Promise<void> {
    const exists = this.#assertNotFile();
    if (mode === "read") {
      if (exists) return;
      throw new Deno.errors.NotFound(
        `the cache folder ${this.#root} does not exist: check the path for a typo ` +
          `(a cache that is only replayed must exist already)`,
      );
    }
    const calls = this.#pick();
    const temp = `${this.#root}/.tmp-${crypto.randomUUID()}`;
    try {
      if (!exists) await calls.mkdir(this.#root);
      await calls.writeNew(temp, "");
      await calls.remove(temp);
    } catch (error) {
      if (error instanceof Deno.errors.NotCapable) throw error;
      const message = `the cache folder ${this.#root} cannot be written ` +
        `(${error instanceof Error ? error.message : String(error)}): make it writable ` +
        `(e.g. chmod u+w ${this.#root}) or choose another folder`;
      throw error instanceof Deno.errors.PermissionDenied
        ? new Deno.errors.PermissionDenied(message, { cause: error })
        : new Error(message, { cause: error });
    }
  }

  /**
   * The samples at index `from` and after, up to the first missing index.
   * A prompt folder whose usage file is not a file (a link, a FIFO, a
   * folder) is refused here, before anything is drawn for the prompt.
   */
  load(key: SequenceKey, from: number): Promise<string[]> {
    return settle(() => this.#load(key, from));
  }

  /**
   * {@linkcode FsStore.load}, and a reader of the samples' usage records,
   * which reads the usage file when it is first called: a replay that asks
   * no figure never opens it.
   */
  async [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples> {
    const samples = await this.load(key, from);
    return { samples, records: samples.length > 0 ? this.#reader(key) : undefined };
  }

  /**
   * The samples from `from` on: one look at each folder not seen before,
   * one listing of the prompt folder the first time (it says where the
   * samples end, and which names are links), then a read per sample; at
   * once with blocking calls.
   */
  #load(key: SequenceKey, from: number): Maybe<string[]> {
    const calls = this.#pick();
    return then(this.#folders.existing(calls, this.#folder(key)), (folder) => {
      if (folder === undefined) return [];
      return then(this.#samples.readFrom(calls, folder, from), (samples) => {
        const usage = this.#samples.listed(folder, USAGE_FILE);
        if (usage !== "link" && usage !== "other") return samples;
        return then(this.#usageFile(folder).refuse(calls), () => samples);
      });
    });
  }

  /** Reads the usage records of `key`'s samples when called, with blocking calls. */
  #reader(key: SequenceKey): () => readonly UsageRecord[] {
    return () => {
      const folder = this.#folder(key);
      const records = this.#usageFile(folder).read(
        this.#calls.blocking,
        this.#samples.listed(folder, USAGE_FILE),
      );
      // Blocking calls answer at once.
      return records as readonly UsageRecord[];
    };
  }

  /**
   * Claims the first free indices at or after `from` for `samples`, one hard
   * link each, and returns the samples from `from` up to the last one it
   * stored, other writers' included.
   */
  append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return this.#write("append", key, write);
  }

  /**
   * Links `samples[k]` to exactly `<from + k>.md` where that file is free,
   * and returns what each of those indices holds (cache slicing); see
   * {@linkcode Store.place}.
   */
  place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return this.#write("place", key, write);
  }

  /**
   * Claims indices of a sequence before they are drawn (see
   * {@linkcode Store.claim}), in the prompt folder's `claims.json`, read and
   * rewritten under the file's lock (see above). On a file system that
   * cannot lock, it claims nothing, and says so once: each process pays.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FsStore } from "./fs_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const [a, b] = [new FsStore(dir), new FsStore(dir)];
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * const ask = (id: string) => ({ from: 0, count: 10, stored: 0, holder: { id, pid: 1 }, lease: 15_000 });
   * assert.equal((await a.claim(key, ask("a"))).parts[0]!.holder, undefined); // a draws
   * assert.equal((await b.claim(key, ask("b"))).parts[0]!.holder?.id, "a"); // b waits for a
   * await a.close(); // a's claims file stays open while its claim is not stored
   * await b.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async claim(key: SequenceKey, request: ClaimRequest): Promise<StoreClaim> {
    if (!this.#locks) return unclaimed(request);
    try {
      return await claimIn(this.#claims, key, request);
    } catch (error) {
      if (!(error instanceof LocksUnsupported)) {
        throw hint(this.#root, error, `claiming indices in ${this.#folder(key)}`, "write");
      }
      this.#locks = false;
      console.warn(`llm-cache: ${error.message}`);
      return unclaimed(request);
    }
  }

  /**
   * The usage records of the sequence's samples (from `usage.jsonl`) that
   * cover index `from` or later, in the order they were written; torn lines
   * are skipped, and a sequence without the file has none.
   */
  async usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    const calls = this.#pick();
    const folder = await this.#folders.existing(calls, this.#folder(key));
    if (folder === undefined) return [];
    const listed = this.#samples.listed(folder, USAGE_FILE);
    const records = await this.#usageFile(folder).read(calls, listed);
    return records.filter((record) => record.from + record.count > from);
  }

  /**
   * The replies stored at index `from` and after, up to the first missing
   * index: each sample's text (`<i>.md`) with its metadata
   * (`replies/<i>.json`, see above), or nothing beyond the text where it has
   * none. One listing of the `replies` folder says which samples have
   * metadata (and finds that of a writer at work, or killed before it
   * renamed it into place).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FsStore } from "./fs_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = new FsStore(dir);
   * const key = { model: "gpt-4o_1", hash: promptHash("2+2?") };
   * const call = { id: "c1", name: "add", arguments: '{"a":2,"b":2}' };
   * await store.append(key, {
   *   from: 0,
   *   samples: ["", "4"],
   *   meta: [{ toolCalls: [call], finishReason: "tool_calls" }, undefined],
   * });
   * assert.deepEqual(await store.replies(key, 0), [
   *   { text: "", toolCalls: [call], finishReason: "tool_calls" },
   *   { text: "4", toolCalls: [] },
   * ]);
   * assert.equal(await Deno.readTextFile(`${dir}/gpt-4o_1/${key.hash}/0.md`), ""); // as Python reads it
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When a metadata file is not one (the message names it).
   */
  async replies(key: SequenceKey, from: number): Promise<Reply[]> {
    const calls = this.#pick();
    const folder = await this.#folders.existing(calls, this.#folder(key));
    if (folder === undefined) return [];
    const texts = await this.#samples.readFrom(calls, folder, from);
    if (texts.length === 0) return [];
    const metas = await readMetas(calls, this.#folders, folder, from, texts);
    return texts.map((text, k) => replyOf(text, metas[k]));
  }

  /**
   * Every index that has a sample file, gaps included (what
   * {@linkcode FsStore.load} does not see past a missing index): lists the
   * prompt folder, so it is for tools such as `copyStore`, not for reading.
   */
  async indices(key: SequenceKey): Promise<number[]> {
    const calls = this.#calls.nonBlocking;
    const folder = await this.#folders.existing(calls, this.#folder(key));
    if (folder === undefined) return [];
    const entries = await calls.list(folder) ?? [];
    return entries.map((e) => sampleIndex(e.name)).filter((i) => i !== undefined)
      .sort((a, b) => a - b);
  }

  /** Every model key: each folder under the root that holds prompt folders. */
  async *models(): AsyncIterableIterator<string> {
    yield* this.#folders.models(this.#calls.nonBlocking);
  }

  /** Every prompt folder under `model`, with the prompt text when recorded. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    const calls = this.#calls.nonBlocking;
    const folder = await this.#folders.existing(calls, this.#modelPath(modelKeySegments(model)));
    if (folder === undefined) return;
    for (const name of await this.#folders.names(calls, folder)) {
      if (!isPromptHash(name)) continue;
      const path = `${folder}/${name}/${PROMPT_FILE}`;
      const info = await calls.lstat(path);
      if (info !== undefined && !info.isFile) throw this.#folders.kindError(path, info, "file");
      yield { hash: name, prompt: info && await calls.readText(path) };
    }
  }

  /**
   * Reads every file of the cache folder, as `cache verify` reports it:
   * gaps (`gap`), temporary files left by interrupted writers (`temp`, and
   * with `fix` those older than a minute are removed; younger ones may
   * belong to a writer at work and are only noted), `.md` files whose name
   * is not a plain index (`name`), files and folders that are not part of
   * the layout (`foreign`), symbolic links (`link`), files that cannot be
   * read or are not valid UTF-8 (`unreadable`), prompt texts that do not
   * hash to their folder's name (`prompt`) and prompt folders without
   * samples (`empty`); torn lines of a usage file are noted.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { FsStore } from "./fs_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const folder = `${dir}/m_1/${"ab".repeat(32)}`;
   * await Deno.mkdir(folder, { recursive: true });
   * await Deno.writeTextFile(`${folder}/0.md`, "x");
   * await Deno.writeTextFile(`${folder}/2.md`, "z");
   * const found = await new FsStore(dir).verify();
   * assert.deepEqual(found.problems.map((p) => p.kind), ["gap"]);
   * assert.equal(found.samples, 1);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async verify(options: VerifyOptions = {}): Promise<StoreVerification> {
    // Loaded when asked for: a cache that is only used never needs it.
    const { verifyFolder } = await import("./_fs_verify.ts");
    return await verifyFolder(this.#root, {
      fix: options.fix ?? false,
      onFolder: options.onProgress,
    });
  }

  /**
   * Closes the claims files kept open while claims this store wrote are not
   * stored yet (those claims stay, to lapse); every other file is closed
   * after each operation.
   */
  close(): Promise<void> {
    this.#claims.close();
    return Promise.resolve();
  }

  async #write(
    how: "append" | "place",
    key: SequenceKey,
    { from, samples, prompt, usage, meta }: StoreWrite,
  ): Promise<string[]> {
    const path = this.#folder(key);
    const calls = this.#pick();
    if (!this.#prepared.has(path)) await this.#prepare(calls, path, prompt);
    const metas = meta?.map((m, k) => m === undefined ? undefined : metaFileText(samples[k]!, m));
    const { found, at } = await this.#samples[how](calls, path, from, samples, metas);
    const stored = at.flatMap((i, k) => i < 0 ? [] : [k]);
    const lines = usage === undefined ? "" : formatRecords(
      recordsOf(stored.map((k) => at[k]!), stored.map((k) => usage[k])),
    );
    // One write of the file opened for appending: no other writer's line
    // can come in between.
    if (lines !== "") await calls.append(`${path}/${USAGE_FILE}`, lines);
    if (how === "append") await this.#claims.settled(path, from + found.length);
    return found;
  }

  #usageFile(folder: string): UsageFile {
    let file = this.#usageFiles.get(folder);
    if (file === undefined) {
      file = new UsageFile(`${folder}/${USAGE_FILE}`, this.#folders);
      this.#usageFiles.set(folder, file);
    }
    return file;
  }

  /** The calls of this operation: off the main thread while draws are in flight. */
  #pick(): FileCalls {
    const off = this.#offload === "always" || (this.#offload === "auto" && drawsInFlight() > 0);
    return off ? this.#calls.nonBlocking : this.#calls.blocking;
  }

  /** The prompt folder of `key`; throws for a bad key. */
  #folder(key: SequenceKey): string {
    const model = typeof key === "object" && key !== null ? this.#models.get(key.model) : undefined;
    if (model !== undefined && isPromptHash(key.hash)) return `${model}/${key.hash}`;
    const segments = assertSequenceKey(key);
    this.#models.set(key.model, this.#modelPath(segments));
    return this.#folder(key);
  }

  #modelPath(segments: readonly string[]): string {
    return `${this.#root}/${segments.join("/")}`;
  }

  /**
   * Makes the prompt folder, and its prompt file when it is missing; in a
   * folder that was there, the usage file must be a file if anything (a link
   * would be followed, a FIFO would block the append).
   */
  async #prepare(calls: FileCalls, path: string, prompt: string | undefined): Promise<void> {
    const created = await this.#folders.make(calls, path);
    const usage = `${path}/${USAGE_FILE}`;
    if (created) this.#samples.created(path);
    else {
      const info = await calls.lstat(usage);
      if (info !== undefined && !info.isFile) throw this.#folders.kindError(usage, info, "file");
    }
    const file = `${path}/${PROMPT_FILE}`;
    // Written once, atomically, like a sample; the first writer's stays.
    if (prompt !== undefined && (created || !(await calls.exists(file)))) {
      await this.#samples.writeOnce(calls, path, file, prompt);
    }
    this.#prepared.add(path);
  }

  /** Whether the root exists; throws when it is a file. */
  #assertNotFile(): boolean {
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(this.#root);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw hint(this.#root, error, `looking for ${this.#root}`, "read");
    }
    if (info.isDirectory) return true;
    throw new Deno.errors.NotADirectory(
      `the cache folder ${this.#root} is a file, not a folder: pass the folder that holds ` +
        `(or will hold) the cache, e.g. ${JSON.stringify(parentOf(this.#root))}`,
    );
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}
