/**
 * A {@linkcode Store} on Deno KV, for `Persistent`: one database file that
 * several processes can share.
 *
 * Deno KV is unstable: run with `--unstable-kv` (or put `"unstable": ["kv"]`
 * in your deno.json), plus read and write permission for the database file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../mod.ts";
 * import { Persistent } from "./persistent.ts";
 * import { KvStore } from "./kv_store.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["92"]);
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = await KvStore.open(`${dir}/cache.kv`);
 * const model = new Persistent(new Constant("gpt-4o", 1), store);
 * assert.equal(await first(model.sample("Choose a number")), "92");
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

// The public class alone, whole: what callers see (checked keys, claims that
// never overwrite, explained failures); most of its length is documentation
// and runnable examples. How a sample is laid out in rows is in _kv_rows.ts,
// committing claims (shared commits, retries) in _kv_commits.ts.

import { localPath } from "./_home_path.ts";
import { kvFile } from "./_kv_file.ts";
import { modelKeySegments } from "./sequence_key.ts";
import { Commits, retry } from "./_kv_commits.ts";
import { type CommitSize, fits, NO_WRITES, plus, sizeOfWrites } from "./_kv_limits.ts";
import {
  CHUNK_BYTES,
  type Chunked,
  encodeSample,
  encodeText,
  modelPart,
  pieceBytes,
  readChunks,
  readRows,
  readSparseRows,
  replyKeyPrefix,
  ROOT,
  rowsOf,
  sampleKeyPrefix,
  type Stored,
  usageKeyPrefix,
} from "./_kv_rows.ts";
import { decodeMeta, encodeMeta, type Reply, type ReplyMeta, replyOf } from "../core/reply.ts";
import { asRecord, recordsOf } from "../core/usage_records.ts";
import type { StoredSamples } from "../core/repeatable_options.ts";
import { loadWithUsage } from "./_load_with_usage.ts";
import type { UsageRecord } from "../core/usage.ts";
import { deleteFrom } from "./_kv_delete.ts";
import { permissionHint } from "./_permission_hint.ts";
import { assertLength } from "../internal/validate.ts";
import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreWrite,
} from "./store.ts";
import { decodeUtf8 } from "./_utf8.ts";
import { claimIn } from "./claims.ts";
import { KvClaims } from "./_kv_claims.ts";

export type { PromptEntry, SequenceKey, Store, StoreWrite } from "./store.ts";

/** Options of {@linkcode KvStore.open}. */
export interface KvStoreOptions {
  /**
   * Only read the database: it must exist and be a Deno KV database (nothing
   * is created), and appends throw. Deno KV itself still needs write
   * permission for the file, and to open it (it cannot open a file on
   * read-only media).
   * @default {false}
   */
  readOnly?: boolean;
}

// A usage record with every field: no record takes more of a commit.
const FULL_RECORD: UsageRecord = {
  from: 0,
  count: 1,
  requests: 0,
  promptTokens: 0,
  completionTokens: 0,
  latencyMs: 0,
};

const encoder = new TextEncoder();

/**
 * Sequences in a Deno KV database. Index claims are atomic (a check for a
 * missing key), so several processes can append to one sequence, or place
 * samples at given indices (cache slicing), at once;
 * claims made while a commit is in flight (concurrent prompts) share the next
 * commit, and `database is locked` errors from concurrent writers are retried
 * with jittered backoff.
 *
 * Layout (keys): `["llm-cache", "sample", model, hash, i]` holds sample `i`
 * as UTF-8 bytes; a sample that does not fit one SQLite row (about 900
 * bytes) continues in `[…, i, 1]`, `[…, i, 2]`, …, so that it costs no
 * overflow page of its own, and one over 64 KiB is a pointer to its chunks at
 * `["llm-cache", "chunk", id, k]`. `["llm-cache", "model", model]` and
 * `["llm-cache", "prompt", model, hash]` list the models and prompts. A model
 * key over 512 bytes is replaced by `#` and its SHA-256 in keys; its full
 * text is kept in the model entry. `["llm-cache", "usage", model, hash, from]`
 * holds the usage record (see `UsageRecord`) of the samples a claim stored
 * from index `from` on, written in the commit that claims them; samples
 * stored without usage have none. `["llm-cache", "reply", model, hash, i]`
 * holds what sample `i`'s reply holds beyond its text (`StoreWrite.meta`, as
 * canonical JSON in UTF-8, laid out in rows and chunks as a sample is), for
 * the samples that have any. A sample's rows, its metadata's and its usage
 * record are written in the commit that claims its index, and a long
 * sample's chunks before it, so a reader never sees part of one, nor a
 * sample without its metadata; a writer killed in between leaves unused
 * chunks behind, which nothing reads.
 *
 * `["llm-cache", "claims", model, hash]` holds the indices processes are
 * drawing now, who holds each run and until when (compact JSON; see
 * {@linkcode KvStore.claim}), so that processes sharing the database pay
 * for each sample once.
 *
 * A commit holds what Deno KV allows one atomic operation (100 checks, 1,000
 * writes, 80 KiB of keys, 800 KiB in all): a batch that does not fit one is
 * claimed in several, in index order, each sample whole in one of them (a
 * sample whose rows alone would not fit goes to chunks). Between two of them
 * another writer may claim the next index: the rest of the batch then goes
 * after that writer's samples, as with any lost claim, and readers see a run
 * of whole samples from index 0 at every moment. A writer killed between two
 * commits keeps the samples of those it made.
 *
 * @example Two stores on one file see each other's samples
 * ```ts
 * import assert from "node:assert/strict";
 * import { KvStore } from "./kv_store.ts";
 * import { promptHash } from "../mod.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const a = await KvStore.open(`${dir}/cache.kv`);
 * const b = await KvStore.open(`${dir}/cache.kv`);
 * const key = { model: "gpt-4o_1", hash: promptHash("p") };
 * await a.append(key, { from: 0, samples: ["x"], prompt: "p" });
 * assert.equal((await b.append(key, { from: 0, samples: ["y"], prompt: "p" })).join(), "x,y");
 * await a.close();
 * await b.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class KvStore implements Store {
  /** `kv:` and the database path (`kv:` alone for Deno's default database). */
  readonly location: string;
  #kv: Deno.Kv;
  #commits: Commits;
  // Sequences whose model and prompt this process has listed.
  #listed = new Set<string>();
  #readOnly: boolean;
  #claims: KvClaims;

  private constructor(kv: Deno.Kv, location: string, readOnly: boolean) {
    this.#kv = kv;
    this.#commits = new Commits(kv);
    this.#claims = new KvClaims(kv, this.#commits);
    this.location = location;
    this.#readOnly = readOnly;
  }

  /**
   * Opens (or creates) a database. A file that is not a Deno KV database
   * (another program's SQLite database, a text file, a folder) is refused
   * before anything is written to it.
   *
   * @example Read commands open a database read-only
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * await assert.rejects(KvStore.open(`${dir}/none.kv`, { readOnly: true }), Deno.errors.NotFound);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * const writer = await KvStore.open(`${dir}/cache.kv`);
   * await writer.append(key, { from: 0, samples: ["x"], prompt: "p" });
   * await writer.close();
   * const reader = await KvStore.open(`${dir}/cache.kv`, { readOnly: true });
   * assert.deepEqual(await reader.load(key, 0), ["x"]);
   * await assert.rejects(reader.append(key, { from: 1, samples: ["y"] }), TypeError);
   * await reader.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @param path The database file, as a path (a leading `~` is the home
   * folder) or a `file:` URL. Without it, Deno's default database for the
   * current script.
   * @param options Whether the database is only read.
   * @throws {Error} When Deno KV is not enabled (`--unstable-kv`), or cannot
   * open the file (the message names it: e.g. on read-only media, where Deno
   * KV cannot open a database).
   * @throws {TypeError} When the file is not a Deno KV database, or, opened
   * read-only, holds none yet.
   * @throws {Deno.errors.NotFound} When a file opened read-only does not exist.
   * @throws {Deno.errors.NotCapable} When a permission is missing (the
   * message names the flags).
   */
  static async open(path?: string | URL, options: KvStoreOptions = {}): Promise<KvStore> {
    if (typeof Deno.openKv !== "function") {
      throw new Error(
        "KvStore needs Deno KV, which is unstable: run with --unstable-kv " +
          '(or add "unstable": ["kv"] to deno.json)',
      );
    }
    const file = path === undefined ? undefined : localPath(path, "KvStore.open");
    const readOnly = options.readOnly ?? false;
    try {
      if (file !== undefined) await checkFile(file, { readOnly });
      const kv = await retry(() => Deno.openKv(file));
      return new KvStore(kv, `kv:${file ?? ""}`, readOnly);
    } catch (error) {
      throw openingFailure(error, file);
    }
  }

  /**
   * Resolves when the store can be used for `mode`: it is open, and for
   * `"write"` it was not opened read-only.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await KvStore.open(`${dir}/cache.kv`);
   * await store.checkAccess("write");
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} For `"write"`, when the store was opened read-only.
   */
  checkAccess(mode: "read" | "write"): Promise<void> {
    return mode === "write" && this.#readOnly ? Promise.reject(this.#refusal()) : Promise.resolve();
  }

  /** The samples at index `from` and after, up to the first missing index. */
  async load(key: SequenceKey, from: number): Promise<string[]> {
    return await this.#readFrom(sampleKeyPrefix(key), from);
  }

  /**
   * {@linkcode KvStore.load}, and the sequence's usage records, read at the
   * same time (their rows are listed while the samples' are).
   */
  async [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples> {
    const [samples, records] = await Promise.all([this.load(key, from), this.usage(key, from)]);
    return samples.length === 0 ? { samples } : { samples, records };
  }

  /**
   * Every index that holds a sample, gaps included (what
   * {@linkcode KvStore.load} does not see past a missing index; a database
   * changed outside `KvStore` may have gaps): for tools such as `copyStore`.
   */
  async indices(key: SequenceKey): Promise<number[]> {
    const prefix = sampleKeyPrefix(key);
    return await retry(async () => {
      const out: number[] = [];
      for await (const entry of this.#kv.list({ prefix }, { batchSize: 500 })) {
        const index = entry.key.at(-1);
        if (entry.key.length === prefix.length + 1 && typeof index === "number") out.push(index);
      }
      return out;
    });
  }

  /**
   * Claims the first free indices at or after `from` for `samples`
   * atomically, and returns the samples from `from` up to the last one it
   * stored, other writers' included.
   */
  async append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const { from, samples, prompt, usage, meta } = write;
    const prefix = sampleKeyPrefix(key);
    if (this.#readOnly) throw this.#refusal();
    const usagePrefix = usageKeyPrefix(key);
    const replyPrefix = replyKeyPrefix(key);
    const id = listingId(key);
    const listing = await this.#listing(key, prompt);
    const piece = pieceBytes(prefix);
    // What a claim holds besides its samples: the listing (until the first
    // claim is stored), and a usage record per sample at most.
    const record = usage === undefined
      ? NO_WRITES
      : sizeOfWrites([], [[[...usagePrefix, 0], FULL_RECORD]]);
    const beside = plus(sizeOfWrites([], listing), record);
    const encoded = await Promise.all(
      samples.map(async (s, k) => {
        const reply = await this.#encodeMeta(meta?.[k], replyPrefix, beside);
        const sample = await encodeSample(this.#kv, s, prefix, piece, plus(beside, reply.size));
        return { sample, reply, size: plus(sample.size, reply.size) };
      }),
    );
    const claim = (at: number, k: number, n: number) => {
      const slice = encoded.slice(k, k + n);
      return this.#commits.claim({
        ids: slice.map((_, j) => `${id}\n${at + j}`),
        checks: slice.map((_, j) => [...prefix, at + j]),
        sets: [
          ...slice.flatMap((e, j) => [
            ...rowsOf(prefix, at + j, e.sample.value, piece),
            ...metaRows(replyPrefix, at + j, e.reply.value),
          ]),
          ...usageRows(usagePrefix, at, usage?.slice(k, k + n)),
          ...listing,
        ],
      });
    };
    let i = from;
    let k = 0;
    const out: string[] = [];
    while (k < encoded.length) {
      const n = claimable(encoded, k, sizeOfWrites([], listing), record);
      if (await claim(i, k, n)) {
        listing.length = 0;
        out.push(...samples.slice(k, k + n));
        i += n;
        k += n;
        continue;
      }
      // Another writer holds an index in the range: take its samples, in order.
      const taken = await this.#readFrom(prefix, i, n);
      if (taken.length > 0) {
        out.push(...taken);
        i += taken.length;
      } else if (await claim(i, k, 1)) {
        listing.length = 0;
        out.push(samples[k++]!);
        i++;
      }
    }
    this.#listed.add(id);
    // Index i was free when this writer claimed i - 1, so `out` is everything
    // stored from `from` on at that moment; later samples come with the next load.
    return out;
  }

  /**
   * Claims indices of a sequence before they are drawn (see
   * {@linkcode Store.claim}): one commit that checks the claims value's
   * versionstamp and that the first index asked for is still free.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const a = await KvStore.open(`${dir}/cache.kv`);
   * const b = await KvStore.open(`${dir}/cache.kv`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * const ask = (id: string) => ({ from: 0, count: 10, stored: 0, holder: { id, pid: 1 }, lease: 15_000 });
   * assert.equal((await a.claim(key, ask("a"))).parts[0]!.holder, undefined); // a draws
   * assert.equal((await b.claim(key, ask("b"))).parts[0]!.holder?.id, "a"); // b waits for a
   * a.close();
   * b.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When the store was opened read-only.
   */
  async claim(key: SequenceKey, request: ClaimRequest): Promise<StoreClaim> {
    if (this.#readOnly) throw this.#refusal();
    return await claimIn(this.#claims, key, request);
  }

  /**
   * Stores `samples[k]` at exactly index `from + k` where that index is free
   * (one atomic check of a missing key each), and returns what each of those
   * indices holds (cache slicing); see {@linkcode Store.place}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await KvStore.open(`${dir}/cache.kv`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x"], prompt: "p" });
   * // Index 0 keeps "x"; "z" lands at index 1.
   * assert.deepEqual(await store.place(key, { from: 0, samples: ["y", "z"], prompt: "p" }), ["x", "z"]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const { from, samples, prompt, usage, meta } = write;
    const prefix = sampleKeyPrefix(key);
    const usagePrefix = usageKeyPrefix(key);
    const replyPrefix = replyKeyPrefix(key);
    const id = listingId(key);
    const listing = await this.#listing(key, prompt);
    const piece = pieceBytes(prefix);
    const held: string[] = [];
    for (const [k, sample] of samples.entries()) {
      const i = from + k;
      const value = await encodeText(this.#kv, sample);
      const reply = await this.#encodeMeta(meta?.[k], replyPrefix, NO_WRITES);
      const claim = {
        ids: [`${id}\n${i}`],
        checks: [[...prefix, i]],
        sets: [
          ...rowsOf(prefix, i, value, piece),
          ...metaRows(replyPrefix, i, reply.value),
          ...usageRows(usagePrefix, i, usage?.slice(k, k + 1)),
          ...listing,
        ],
      };
      let found: string | undefined;
      // A claim fails only when the index is taken: read what holds it.
      while (!(await this.#commits.claim(claim))) {
        [found] = await this.#readFrom(prefix, i, 1);
        if (found !== undefined) break;
      }
      if (found === undefined) listing.length = 0;
      held.push(found ?? sample);
    }
    this.#listed.add(id);
    return held;
  }

  /**
   * The replies stored at index `from` and after, up to the first missing
   * index: each sample's text with the metadata stored in its commit, or
   * nothing beyond the text where none was.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await KvStore.open(`${dir}/cache.kv`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * const call = { id: "c1", name: "add", arguments: "{}" };
   * await store.append(key, { from: 0, samples: ["", "x"], meta: [{ toolCalls: [call] }, undefined] });
   * assert.deepEqual(await store.replies(key, 0), [
   *   { text: "", toolCalls: [call] },
   *   { text: "x", toolCalls: [] },
   * ]);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When stored metadata is not reply metadata (the
   * database was changed outside `KvStore`).
   */
  async replies(key: SequenceKey, from: number): Promise<Reply[]> {
    const texts = await this.load(key, from);
    if (texts.length === 0) return [];
    const prefix = replyKeyPrefix(key);
    const where = (at: Deno.KvKey) => this.#where("the reply metadata at", at);
    // Each sample's metadata was committed with it: a sample read has its own.
    const stored = await retry(() =>
      readSparseRows(
        this.#kv.list({ start: [...prefix, from], prefix }, { batchSize: 500 }),
        prefix,
        from + texts.length,
        where,
      )
    );
    return await Promise.all(texts.map(async (text, k) => {
      const value = stored.get(from + k);
      if (value === undefined) return replyOf(text);
      const at = () => where([...prefix, from + k]);
      return replyOf(text, decodeMeta(await this.#decode(value, at), at()));
    }));
  }

  /**
   * The usage records of the sequence's samples that cover index `from` or
   * later, by index; a sequence stored without usage has none.
   */
  async usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    const prefix = usageKeyPrefix(key);
    return await retry(async () => {
      const out: UsageRecord[] = [];
      for await (const entry of this.#kv.list({ prefix }, { batchSize: 500 })) {
        const record = asRecord(entry.value);
        if (record !== undefined && record.from + record.count > from) out.push(record);
      }
      return out;
    });
  }

  /**
   * Removes the samples at index `from` and after, highest first, and their
   * usage (see {@linkcode Store.delete}); with `from` 0, the prompt listing
   * too (a model key whose prompts are all gone is no longer listed).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { KvStore } from "./kv_store.ts";
   * import { promptHash } from "../mod.ts";
   *
   * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
   * const store = await KvStore.open(`${dir}/cache.kv`);
   * const key = { model: "gpt-4o_1", hash: promptHash("p") };
   * await store.append(key, { from: 0, samples: ["x", "y", "z"], prompt: "p" });
   * await store.delete(key, 1);
   * assert.deepEqual(await store.load(key, 0), ["x"]);
   * await store.delete(key);
   * assert.deepEqual(await Array.fromAsync(store.models()), []);
   * await store.close();
   * await Deno.remove(dir, { recursive: true });
   * ```
   *
   * @throws {TypeError} When the store was opened read-only.
   */
  async delete(key: SequenceKey, from = 0): Promise<void> {
    const samples = sampleKeyPrefix(key);
    assertLength("index", from);
    if (this.#readOnly) throw this.#refusal();
    const prompt = [ROOT, "prompt", modelPart(key.model), key.hash];
    const rows = { samples, replies: replyKeyPrefix(key), usage: usageKeyPrefix(key), prompt };
    await deleteFrom(this.#kv, rows, from);
    // Written again with this process's next claim.
    this.#listed.delete(listingId(key));
  }

  /** Every model key in the database that has a prompt. */
  async *models(): AsyncIterableIterator<string> {
    for await (const entry of this.#kv.list<string>({ prefix: [ROOT, "model"] })) {
      // A model key is listed for good: one whose prompts were all deleted has none.
      const prompts = this.#kv.list({ prefix: [ROOT, "prompt", entry.key.at(-1)!] }, { limit: 1 });
      if ((await prompts.next()).done !== true) yield entry.value;
    }
  }

  /** Every prompt stored under `model`, with its text when recorded. */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    modelKeySegments(model);
    const prefix = [ROOT, "prompt", modelPart(model)];
    for await (const entry of this.#kv.list<Stored | null>({ prefix })) {
      yield {
        hash: entry.key.at(-1) as string,
        prompt: entry.value === null
          ? undefined
          : await this.#decode(entry.value, () => this.#where("the prompt text at", entry.key)),
      };
    }
  }

  /** Closes the database. */
  close(): Promise<void> {
    this.#kv.close();
    return Promise.resolve();
  }

  // Samples at `from` and after, in order, stopping at the first gap.
  async #readFrom(prefix: Deno.KvKey, from: number, limit = Infinity): Promise<string[]> {
    const where = (key: Deno.KvKey) => this.#where("the sample at", key);
    const stored = await retry(() =>
      readRows(
        this.#kv.list({ start: [...prefix, from], prefix }, { batchSize: 500 }),
        prefix,
        from,
        limit,
        where,
      )
    );
    const at = (k: number) => () => where([...prefix, from + k]);
    // Most samples are whole bytes: decode those without a promise each.
    if (stored.every((v) => v instanceof Uint8Array)) {
      return stored.map((v, k) => decodeUtf8(v, at(k)));
    }
    return await Promise.all(stored.map((v, k) => this.#decode(v, at(k))));
  }

  /**
   * The entries that list a sequence's model and prompt, to write with its
   * first claim in this process (none once written).
   */
  async #listing(key: SequenceKey, prompt: string | undefined): Promise<[Deno.KvKey, unknown][]> {
    if (this.#listed.has(listingId(key))) return [];
    const part = modelPart(key.model);
    const promptKey = [ROOT, "prompt", part, key.hash];
    const listing: [Deno.KvKey, unknown][] = [[[ROOT, "model", part], key.model]];
    const bytes = prompt === undefined ? undefined : encoder.encode(prompt);
    if (bytes !== undefined && bytes.length <= CHUNK_BYTES) {
      // The hash names the prompt: writing it again writes the same text.
      listing.push([promptKey, bytes]);
      return listing;
    }
    // Without the text, or with a long one, write it only where it is missing.
    const existing = await retry(() => this.#kv.get(promptKey));
    if (existing.versionstamp === null || (existing.value === null && prompt !== undefined)) {
      const value = prompt === undefined ? null : await encodeText(this.#kv, prompt);
      // Losing this race is fine: the winner recorded the prompt.
      await retry(() => this.#kv.atomic().check(existing).set(promptKey, value).commit());
    }
    return listing;
  }

  /**
   * `meta` as the value of a sample's metadata row under `prefix` (chunks
   * written first when long), and what its rows take of a commit; nothing
   * for a sample without metadata.
   */
  async #encodeMeta(
    meta: ReplyMeta | undefined,
    prefix: Deno.KvKey,
    beside: CommitSize,
  ): Promise<{ value: Uint8Array | Chunked | undefined; size: CommitSize }> {
    if (meta === undefined) return { value: undefined, size: NO_WRITES };
    const piece = pieceBytes(prefix);
    return await encodeSample(this.#kv, encodeMeta(meta), prefix, piece, beside, false);
  }

  /** The text of a stored value; `where` names it in errors. */
  async #decode(value: Uint8Array | Chunked, where: () => string): Promise<string> {
    if (value instanceof Uint8Array) return decodeUtf8(value, where);
    return decodeUtf8(await readChunks(this.#kv, value, this.location), where);
  }

  #refusal(): TypeError {
    return new TypeError(
      `KvStore ${this.location} was opened read-only ({ readOnly: true }): open it without ` +
        `readOnly to store samples`,
    );
  }

  #where(what: string, key: Deno.KvKey): string {
    return `KvStore ${this.location}: ${what} ${JSON.stringify(key)}`;
  }
}

/**
 * Refuses, before Deno KV opens (and so writes) it, a file that is not a
 * Deno KV database, and, for reading only, one that holds none yet.
 */
async function checkFile(file: string, { readOnly }: { readOnly: boolean }): Promise<void> {
  const kind = await kvFile(file);
  if (!readOnly || kind === "database") return;
  if (kind === "missing") {
    throw new Deno.errors.NotFound(
      `no Deno KV database at ${file}: check the path (a store opened read-only is never created)`,
    );
  }
  throw new TypeError(
    `${file} holds no Deno KV database yet (it is empty): there is nothing to read`,
  );
}

/** Why opening `file` failed, naming the file, and the flags or what to do. */
function openingFailure(error: unknown, file: string | undefined): unknown {
  const doing = `KvStore opening ${file ?? "the default database"}`;
  if (error instanceof Deno.errors.NotCapable) {
    const flags = file === undefined
      ? "--allow-read --allow-write"
      : `--allow-read=${file} --allow-write=${file}`;
    return permissionHint(error, doing, flags);
  }
  if (error instanceof TypeError || error instanceof Deno.errors.NotFound) return error;
  const message = error instanceof Error ? error.message : String(error);
  const hint = /readonly database|read-only/i.test(message)
    ? ": Deno KV opens a database only where it can write (not on read-only media, nor a " +
      "file or folder without write access), even to read it; copy the file to a writable " +
      "folder, or copy the cache to a SQLite file (cache copy kv:<file> sqlite:<new file>), " +
      "which replays from read-only media"
    : "";
  return new Error(`${doing} failed: ${message}${hint}`, { cause: error });
}

/** The rows of a sample's metadata at index `at`: none for a sample without. */
function metaRows(
  prefix: Deno.KvKey,
  at: number,
  value: Uint8Array | Chunked | undefined,
): [Deno.KvKey, Stored][] {
  return value === undefined ? [] : rowsOf(prefix, at, value, pieceBytes(prefix));
}

/** The rows of the usage of samples stored at `at`, `at + 1`, …: one per record. */
function usageRows(
  prefix: Deno.KvKey,
  at: number,
  usage: StoreWrite["usage"],
): [Deno.KvKey, UsageRecord][] {
  if (usage === undefined) return [];
  const indices = usage.map((_, k) => at + k);
  return recordsOf(indices, usage).map((record) => [[...prefix, record.from], record]);
}

function listingId(key: SequenceKey): string {
  return `${key.model}\n${key.hash}`;
}

/**
 * How many of `encoded`, from the `k`-th on, one claim takes: as many as fit
 * one commit with `start` (the listing) and `record` each (its usage); one
 * at least, which `encodeSample` made sure fits.
 */
function claimable(
  encoded: readonly { readonly size: CommitSize }[],
  k: number,
  start: CommitSize,
  record: CommitSize,
): number {
  let size = start;
  let n = 0;
  for (; k + n < encoded.length; n++) {
    const next = plus(plus(size, encoded[k + n]!.size), record);
    if (n > 0 && !fits(next)) break;
    size = next;
  }
  return n;
}
