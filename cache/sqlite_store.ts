/**
 * A {@linkcode Store} in one SQLite file, on Deno's built-in `node:sqlite`
 * (no dependency, no `--unstable-*` flag): a cache to ship as one file, that
 * holds millions of samples, and that needs no hard links.
 *
 * It needs `--allow-read=<file> --allow-write=<file>` (SQLite itself opens
 * the `-wal` and `-shm` files beside it). With `--allow-read=<file>` alone,
 * an existing file opens read-only: replaying it works, and an append fails
 * with an error naming the flag to add. A file on read-only media (or that
 * the OS does not let the process write) opens read-only too. A read-only
 * replay writes nothing, not even a `-wal` or `-shm` file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../mod.ts";
 * import { Persistent } from "./persistent.ts";
 * import { SqliteStore } from "./sqlite_store.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["92"]);
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = await SqliteStore.open(`${dir}/cache.db`);
 * const model = new Persistent(new Constant("gpt-4o", 1), store);
 * assert.equal(await first(model.sample("Choose a number")), "92");
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

// The public class alone, whole: what callers see (checked arguments, waits
// for other writers, explained failures); most of its length is documentation
// and runnable examples. The file format is in _sqlite_file.ts, the rows in
// _sqlite_tables.ts, waiting for locks in _sqlite_lock.ts.

import type { DatabaseSync } from "node:sqlite";
import { assertLength, assertMilliseconds } from "../internal/validate.ts";
import { expandHome } from "./_home_path.ts";
import { describeKey, modelKeySegments } from "./sequence_key.ts";
import { connect, type Connection, isReadOnlyFile, prepareFile, settle } from "./_sqlite_file.ts";
import { attempt, failure } from "./_sqlite_lock.ts";
import { LIST_PAGE, SqliteTables } from "./_sqlite_tables.ts";
import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreWrite,
} from "./store.ts";
import { claimIn, type ClaimTable } from "./claims.ts";
import type { UsageRecord } from "../core/usage.ts";
import type { StoredSamples } from "../core/repeatable_options.ts";
import { loadWithUsage } from "./_load_with_usage.ts";
import type { Reply } from "../core/reply.ts";

export type { PromptEntry, SequenceKey, Store, StoreWrite } from "./store.ts";

/** Options of {@linkcode SqliteStore.open}. */
export interface SqliteStoreOptions {
  /**
   * How long a call keeps trying while other processes hold the database's
   * write lock, before it fails (milliseconds).
   * @default {30000}
   */
  lockTimeout?: number;
  /**
   * Only read the file, even with write permission: it must exist, appends
   * throw, and nothing is written (e.g. by a command that only reads).
   * @default {false}
   */
  readOnly?: boolean;
}

/**
 * Sequences in one SQLite database file, shared safely by several processes.
 *
 * Layout (readable with any SQLite tool):
 *
 * | table | columns |
 * | --- | --- |
 * | `sequences` | `id`, `model` (model key), `hash` (prompt hash), `prompt` (text or NULL) |
 * | `samples` | `sequence` (a `sequences.id`), `idx` (the index), `sample` (the text) |
 * | `usage` | `sequence`, `idx` (the first index), `count`, `requests`, `prompt_tokens`, `completion_tokens` (NULL when unknown), `latency_ms`: what the samples at `idx` … `idx + count - 1` cost to draw (see `UsageRecord`) |
 * | `replies` | `sequence`, `idx`, `reply`: what sample `idx`'s reply holds beyond its text (tool calls, reasoning, …; canonical JSON, see `ReplyMeta`), for the samples that have any, inserted in the transaction that inserts the sample |
 * | `claims` | `sequence`, `claims`: the indices processes are drawing now, who holds each run and until when (compact JSON, see `Store.claim`), for the sequences that have any |
 *
 * Text holding a NUL character is stored as a BLOB of its UTF-8 bytes, since
 * SQLite hands text back only up to its first NUL. Write to the file only
 * through this class: another writer could break what it promises.
 *
 * The file is in WAL mode while a store writes it, so readers never wait for
 * writers; when the last one closes, it goes back to rollback-journal mode,
 * with everything in the one file. A store that closes while others still
 * have the file open moves what it wrote into the file. So a closed cache is
 * one file to copy or ship, readable from read-only media (to make one from
 * any store, or from a file whose writer crashed and left a `-wal` beside it:
 * `cache copy <store> sqlite:<new file>`). Each append is
 * one transaction that takes the write lock first (`BEGIN IMMEDIATE`),
 * stores the samples after the last stored index and commits: indices stay
 * contiguous from 0, and a plain `INSERT` on the unique (sequence, index)
 * pair can never overwrite a sample. A placement (cache slicing) is one such
 * transaction too: it reads what the indices asked for already hold and
 * inserts the rest after them. A writer killed at any moment leaves
 * either its whole transaction or nothing. Commits are not fsynced
 * (`synchronous = NORMAL`): a process crash loses nothing, a power cut may
 * lose the latest samples, as with the folder store.
 *
 * While other processes hold the write lock, a call waits up to 10 ms inside
 * SQLite, then retries with timers (so the event loop keeps running) until
 * `lockTimeout`. All processes must run on one machine: SQLite's WAL mode
 * shares memory between them, which a network file system cannot do across
 * machines (use Redis for that).
 *
 * Samples and prompts are stored as UTF-8 text and come back exactly (BOM,
 * NUL, CR/LF and all). A string with a lone UTF-16 surrogate has no UTF-8
 * form: it is stored with U+FFFD in its place, as in a file.
 *
 * @example Two stores on one file see each other's samples
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptHash } from "../mod.ts";
 * import { SqliteStore } from "./sqlite_store.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const a = await SqliteStore.open(`${dir}/cache.db`);
 * const b = await SqliteStore.open(`${dir}/cache.db`);
 * const key = { model: "gpt-4o_1", hash: promptHash("p") };
 * await a.append(key, { from: 0, samples: ["x"], prompt: "p" });
 * // b's claim of index 0 loses: its sample goes to index 1.
 * assert.deepEqual(await b.append(key, { from: 0, samples: ["y"], prompt: "p" }), ["x", "y"]);
 * await a.close();
 * await b.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SqliteStore implements Store {
  /** `sqlite:` and the database file, with a leading `~` expanded. */
  readonly location: string;
  #file: string;
  #db: DatabaseSync;
  // Why the file was opened read-only, if it was.
  #denied: Error | undefined;
  #tables: SqliteTables;
  #lockTimeout: number;

  private constructor(file: string, connection: Connection, lockTimeout: number) {
    this.#file = file;
    this.location = `sqlite:${file}`;
    this.#db = connection.db;
    this.#denied = connection.denied;
    this.#tables = new SqliteTables(connection, this.location);
    this.#lockTimeout = lockTimeout;
  }

  /**
   * Opens a database file, creating it (and its tables) when it is missing.
   * Without write permission for the file, an existing file is opened
   * read-only: loads work, appends throw `Deno.errors.NotCapable`; so it is
   * on read-only media (appends throw `Deno.errors.PermissionDenied`), or
   * with `readOnly` (appends throw a `TypeError`).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * assert.equal(store.location, `sqlite:${dir}/cache.db`);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @param path The database file; a leading `~` is the home folder.
   * @param options How long to wait for other writers; whether to only read.
   * @returns The opened store; close it when done.
   * @throws {TypeError} When `path` is empty, or the file is not a SQLite
   * database of this library.
   * @throws {Deno.errors.NotFound} When a file opened with `readOnly` is missing.
   * @throws {Deno.errors.NotCapable} When read permission for the file is
   * missing, or write permission for a file that does not exist yet (the
   * message names the flags).
   */
  static async open(path: string, options: SqliteStoreOptions = {}): Promise<SqliteStore> {
    if (typeof path !== "string" || path === "") {
      throw new TypeError(
        `SqliteStore needs a database file path, got ${JSON.stringify(path)}: ` +
          `pass e.g. "~/.llm_cache.db"`,
      );
    }
    const lockTimeout = options.lockTimeout ?? 30_000;
    assertMilliseconds("lockTimeout", lockTimeout, 0, "SqliteStore.open");
    const file = expandHome(path);
    const fail = (error: unknown) => failure(error, file, `opening ${file}`);
    const asked = options.readOnly === true
      ? new TypeError(
        `SqliteStore sqlite:${file} was opened read-only ({ readOnly: true }): open it ` +
          `without readOnly to store samples`,
      )
      : undefined;
    const prepared = async (connection: Connection) => {
      try {
        await attempt(lockTimeout, () => prepareFile(connection, file), fail);
        return connection;
      } catch (error) {
        connection.db.close();
        throw error;
      }
    };
    try {
      return new SqliteStore(file, await prepared(connect(file, fail, asked)), lockTimeout);
    } catch (error) {
      if (asked !== undefined || !isReadOnlyFile(error)) throw error;
    }
    // Deno may write the file, the OS may not (read-only media): read it.
    const media = new Deno.errors.PermissionDenied(
      `SqliteStore sqlite:${file} is read-only (read-only media, or a file or folder without ` +
        `write access): replaying it works, storing samples does not; copy it to a writable folder`,
    );
    return new SqliteStore(file, await prepared(connect(file, fail, media)), lockTimeout);
  }

  /**
   * The samples at index `from` and after, up to the first missing index.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * assert.deepEqual(await store.load(key, 0), []);
   * await store.append(key, { from: 0, samples: ["x", "y"], prompt: "p" });
   * assert.deepEqual(await store.load(key, 1), ["y"]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When a sample is not valid UTF-8 (the file was
   * changed outside this library), or the key is one no store accepts.
   */
  load(key: SequenceKey, from: number): Promise<string[]> {
    return this.#run(() => `loading ${describeKey(key)}`, () => {
      assertLength("index", from);
      return this.#tables.load(key, from);
    });
  }

  /**
   * {@linkcode SqliteStore.load}, and the sequence's usage records, in one
   * call: the file is read once, whatever happens to the store afterwards.
   */
  [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples> {
    return this.#run(() => `loading ${describeKey(key)}`, () => {
      assertLength("index", from);
      const samples = this.#tables.load(key, from);
      return samples.length === 0
        ? { samples }
        : { samples, records: this.#tables.usage(key, from) };
    });
  }

  /**
   * Stores `samples` after the last stored index in one transaction and
   * returns the samples from `from` on, other writers' included; see
   * {@linkcode Store.append}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * assert.deepEqual(await store.append(key, { from: 0, samples: ["x"], prompt: "p" }), ["x"]);
   * // A writer that did not see "x" still gets index 1, and sees "x" at 0.
   * assert.deepEqual(await store.append(key, { from: 0, samples: ["y"], prompt: "p" }), ["x", "y"]);
   * await assert.rejects(store.append(key, { from: 5, samples: ["z"] }), RangeError);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {RangeError} When `from` lies beyond the stored samples (a
   * sequence has no gaps).
   * @throws {Deno.errors.NotCapable} When the file was opened read-only, for
   * want of write permission (the message names the flag).
   */
  append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return this.#run(() => `appending to ${describeKey(key)}`, () => {
      assertLength("index", write.from);
      return this.#tables.append(key, write);
    });
  }

  /**
   * Stores `samples[k]` at exactly index `from + k` where that index is free,
   * in one transaction, and returns what each of those indices holds (cache
   * slicing); see {@linkcode Store.place}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x"], prompt: "p" });
   * // Index 0 keeps "x"; "z" lands at index 1.
   * assert.deepEqual(await store.place(key, { from: 0, samples: ["y", "z"], prompt: "p" }), ["x", "z"]);
   * await assert.rejects(store.place(key, { from: 5, samples: ["w"] }), RangeError);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {RangeError} When `from` lies beyond the stored samples (a
   * sequence has no gaps).
   * @throws {Deno.errors.NotCapable} When the file was opened read-only, for
   * want of write permission (the message names the flag).
   */
  place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return this.#run(() => `placing into ${describeKey(key)}`, () => {
      assertLength("index", write.from);
      return this.#tables.place(key, write);
    });
  }

  /**
   * The replies stored at index `from` and after, up to the first missing
   * index: each sample's text with the metadata stored in its transaction,
   * or nothing beyond the text where none was (and for a file of an older
   * version opened read-only, which has no `replies` table).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x"], meta: [{ finishReason: "length" }] });
   * assert.deepEqual(await store.replies(key, 0), [{ text: "x", toolCalls: [], finishReason: "length" }]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When stored metadata is not reply metadata (the file
   * was changed outside this library).
   */
  replies(key: SequenceKey, from: number): Promise<Reply[]> {
    return this.#run(() => `reading the replies of ${describeKey(key)}`, () => {
      assertLength("index", from);
      return this.#tables.replies(key, from);
    });
  }

  /**
   * The usage records of the sequence's samples that cover index `from` or
   * later, in the order they were stored; a sequence stored without usage
   * (or a file of an older version opened read-only) has none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x"], prompt: "p", usage: [{ requests: 1, latencyMs: 20 }] });
   * assert.deepEqual(await store.usage(key), [{ from: 0, count: 1, requests: 1, latencyMs: 20 }]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    return this.#run(() => `reading the usage of ${describeKey(key)}`, () => {
      assertLength("index", from);
      return this.#tables.usage(key, from);
    });
  }

  /**
   * Removes the samples at index `from` and after, and their usage, in one
   * transaction (see {@linkcode Store.delete}); a sequence without samples
   * is no longer listed.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x", "y"], prompt: "p" });
   * await store.delete(key, 1);
   * assert.deepEqual(await store.load(key, 0), ["x"]);
   * await store.delete(key);
   * assert.deepEqual(await Array.fromAsync(store.models()), []);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {Deno.errors.NotCapable} When the file was opened read-only, for
   * want of write permission (the message names the flag).
   */
  delete(key: SequenceKey, from = 0): Promise<void> {
    return this.#run(() => `deleting from ${describeKey(key)}`, () => {
      assertLength("index", from);
      this.#tables.delete(key, from);
    });
  }

  /**
   * Claims indices of a sequence before they are drawn, in one write
   * transaction on the `claims` table (see {@linkcode Store.claim}): what
   * nobody holds becomes the claimer's, what others hold stays theirs.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const a = await SqliteStore.open(`${dir}/cache.db`);
   * const b = await SqliteStore.open(`${dir}/cache.db`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * const ask = (id: string) => ({ from: 0, count: 10, stored: 0, holder: { id, pid: 1 }, lease: 15_000 });
   * assert.equal((await a.claim(key, ask("a"))).parts[0]!.holder, undefined); // a draws
   * assert.equal((await b.claim(key, ask("b"))).parts[0]!.holder?.id, "a"); // b waits for a
   * await a.close();
   * await b.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {Deno.errors.NotCapable} When the file was opened read-only, for
   * want of write permission (the message names the flag).
   */
  claim(key: SequenceKey, request: ClaimRequest): Promise<StoreClaim> {
    return claimIn(this.#claimTable, key, request);
  }

  /** The claims step of {@linkcode SqliteStore.claim}, waiting for other writers' locks. */
  #claimTable: ClaimTable = {
    update: (key, at, change) =>
      this.#run(
        () => `claiming in ${describeKey(key)}`,
        () => this.#tables.claims(key, at, change),
      ),
  };

  /**
   * Resolves when the store can be used for `mode`: the file is open, and for
   * `"write"` it was opened read-write; else rejects naming the flag to add.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * await store.checkAccess("write");
   * await store.close();
   * await assert.rejects(store.checkAccess("read"), /the store was closed/);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  checkAccess(mode: "read" | "write"): Promise<void> {
    return this.#run(() => `opening the cache to ${mode}`, () => {
      if (mode === "write" && this.#denied !== undefined) throw this.#denied;
    });
  }

  /**
   * Every model key in the database, sorted.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * for (const model of ["m_2", "m_1"]) await store.append({ model, hash: promptHash("p") }, { from: 0, samples: ["x"] });
   * assert.deepEqual(await Array.fromAsync(store.models()), ["m_1", "m_2"]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async *models(): AsyncIterableIterator<string> {
    let after = "";
    while (true) {
      const model = await this.#run(
        () => "listing the models",
        () => this.#tables.nextModel(after),
      );
      if (model === undefined) return;
      yield after = model;
    }
  }

  /**
   * Every prompt stored under `model`, sorted by hash, with its text when recorded.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { promptHash } from "../mod.ts";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * await store.append({ model: "m_1", hash: promptHash("hi") }, { from: 0, samples: ["x"], prompt: "hi" });
   * const entries = await Array.fromAsync(store.prompts("m_1"));
   * assert.deepEqual(entries, [{ hash: promptHash("hi"), prompt: "hi" }]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    let after = "";
    while (true) {
      const entries = await this.#run(() => `listing the prompts of ${model}`, () => {
        modelKeySegments(model);
        return this.#tables.prompts(model, after);
      });
      yield* entries;
      if (entries.length < LIST_PAGE) return;
      after = entries.at(-1)!.hash;
    }
  }

  /**
   * Closes the database (closing twice is harmless). A store that could
   * write moves what it wrote into the file; the last one to close puts the
   * file back in rollback-journal mode, without `-wal` and `-shm` files: the
   * file alone holds everything, and can be read from read-only media.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { SqliteStore } from "./sqlite_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await SqliteStore.open(`${dir}/cache.db`);
   * await store.close();
   * await store.close();
   * assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), ["cache.db"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  close(): Promise<void> {
    if (!this.#db.isOpen) return Promise.resolve();
    try {
      if (this.#denied === undefined) settle(this.#db);
      return Promise.resolve();
    } catch (error) {
      // What was stored is safe in the -wal beside the file.
      return Promise.reject(failure(error, this.#file, "closing"));
    } finally {
      this.#db.close();
    }
  }

  /**
   * `work` run at once (it is synchronous), and again later while the
   * database is locked; its errors explained.
   */
  #run<T>(doing: () => string, work: () => T): Promise<T> {
    const guarded = () => {
      if (!this.#db.isOpen) {
        throw new Error("the store was closed; open the file again with SqliteStore.open");
      }
      return work();
    };
    return attempt(this.#lockTimeout, guarded, (error) => failure(error, this.#file, doing()));
  }
}
