/**
 * A {@linkcode Store} on a Redis server, so that many machines share one
 * cache: `new Persistent(model, await RedisStore.connect(url))`.
 *
 * Layout under the key prefix (default `llm-cache:`; a prefix always ends
 * with `:`, which is added when missing, so that `team` and `team2` never
 * share keys):
 *
 * | key | type | holds |
 * | --- | --- | --- |
 * | `seq:<model>:<hash>` | list | the samples, index `i` at list position `i` |
 * | `usage:<model>:<hash>` | list | the samples' usage records, JSON (see `UsageRecord`) |
 * | `reply:<model>:<hash>` | hash | index → what that sample's reply holds beyond its text (canonical JSON, see `ReplyMeta`), for the samples that have any |
 * | `claims:<model>:<hash>` | string | the indices processes are drawing now, who holds each run and until when (compact JSON, see `Store.claim`); it expires a minute after its last claim's lease |
 * | `prompt:<hash>` | string | the prompt text (written once) |
 * | `prompts:<model>` | set | the prompt hashes stored under the model |
 * | `models` | set | the model keys |
 *
 * Model keys and prompt hashes are checked as every store checks them (a
 * prompt hash is 64 hex digits, so `seq:<model>:<hash>` splits one way only),
 * and the samples are read back as exact bytes: text that is not valid UTF-8
 * (written by another program) is an error, never replacement characters.
 *
 * An append is one Lua script, so Redis runs it atomically: it pushes the new
 * samples after whatever is there (two writers never claim the same index),
 * with the records of what they cost to draw and their metadata, and
 * answers with every sample from the caller's index on. A placement (cache slicing) is one script too:
 * an index below the list's length keeps its sample, the others are pushed.
 *
 * A cache must never lose a sample, so run the server with
 * `maxmemory-policy noeviction` (the default) and, to survive a server crash,
 * `appendonly yes`. One server (with replicas, if you like) holds the cache:
 * Redis Cluster is not supported, since an append touches several keys.
 * Close the store when done: an open connection keeps the process alive.
 *
 * @module
 */

// The public class alone, whole: most of its length is documentation and
// runnable examples. The connection (deadlines, explained failures) is in
// _redis_connection.ts, the URL, key names and append script in _redis_layout.ts.

import { assertLength, assertMilliseconds } from "../internal/validate.ts";
import { assertSequenceKey, describeKey, modelKeySegments } from "./sequence_key.ts";
import { PAGE, RedisConnection } from "./_redis_connection.ts";
import {
  APPEND_SCRIPT,
  DELETE_SCRIPT,
  gapIn,
  MAX_SAMPLES_PER_CALL,
  metaArgument,
  normalizePrefix,
  parseRedisUrl,
  PLACE_SCRIPT,
  RedisKeys,
  redisLocation,
  usageArgument,
} from "./_redis_layout.ts";
import { asRecord, recordsBelow, recordsOf } from "../core/usage_records.ts";
import type { UsageRecord } from "../core/usage.ts";
import { decodeMeta, type Reply, replyOf } from "../core/reply.ts";
import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreWrite,
} from "./store.ts";
import { decodeUtf8 } from "./_utf8.ts";
import { loadWithUsage } from "./_load_with_usage.ts";
import type { StoredSamples } from "../core/repeatable_options.ts";
import { claimIn } from "./claims.ts";
import { RedisClaims } from "./_redis_claims.ts";

export type { PromptEntry, SequenceKey, Store, StoreWrite } from "./store.ts";

/** Options of {@linkcode RedisStore.connect}. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key, so that several caches (or other data) can share
   * one Redis database. Overrides a `prefix` parameter in the URL. A `:` is
   * added when it does not end with one (`team` is `team:`), so that no
   * cache's keys start with another's prefix; its parts (between the `:`)
   * may not be `seq`, `usage`, `reply`, `claims`, `prompt`, `prompts` or `models`, the names of the
   * store's own keys.
   * @default {"llm-cache:"}
   */
  prefix?: string;
  /**
   * How long to keep trying to reach the server, at connection time and
   * after a lost connection, before failing the waiting calls (milliseconds).
   * Connecting to a server that accepts the connection but never answers
   * (stopped, overloaded) fails after this long too.
   * @default {10000}
   */
  reconnectFor?: number;
  /**
   * How long one call may wait for the server's answer before it fails
   * (milliseconds), so that a server that stops answering without closing
   * the connection cannot hang the program.
   * @default {60000}
   */
  commandTimeout?: number;
}

/**
 * Sequences kept in Redis, shared by every process and machine that connects
 * to the same server and prefix.
 *
 * Reconnection after a dropped connection is the client's job: it retries
 * with backoff for `reconnectFor` milliseconds, queueing calls meanwhile, then
 * fails them with an error naming the server. A call in flight when the
 * connection drops fails at once (an append then may or may not have been
 * stored; what was stored before stays).
 *
 * @example Sharing a cache through Redis
 * ```ts ignore
 * import { Persistent } from "../mod.ts";
 * import { RedisStore } from "./redis_store.ts";
 *
 * const store = await RedisStore.connect("redis://127.0.0.1:6379", { prefix: "team:" });
 * const model = new Persistent(someModel, store);
 * // … sample as usual …
 * await store.close();
 * ```
 *
 * @example Storing and loading directly (runs when REDIS_URL is set)
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisStore } from "./redis_store.ts";
 *
 * const url = Deno.env.get("REDIS_URL");
 * if (url !== undefined) {
 *   const prefix = `doc-${crypto.randomUUID()}:`;
 *   const store = await RedisStore.connect(url, { prefix });
 *   const key = { model: "gpt-4o_1", hash: "ab".repeat(32) };
 *   assert.equal((await store.append(key, { from: 0, samples: ["x", "y"], prompt: "p" })).join(), "x,y");
 *   assert.equal((await store.load(key, 1)).join(), "y");
 *   await store.clear();
 *   await store.close();
 * }
 * ```
 */
export class RedisStore implements Store {
  /** The server (without password) and the key prefix. */
  readonly location: string;
  /** The prefix of every key this store uses. */
  readonly prefix: string;
  #redis: RedisConnection;
  #keys: RedisKeys;
  #claims: RedisClaims;

  private constructor(redis: RedisConnection, location: string, keys: RedisKeys) {
    this.#redis = redis;
    this.#keys = keys;
    this.#claims = new RedisClaims(redis, keys);
    this.location = location;
    this.prefix = keys.prefix;
  }

  /**
   * Connects to a Redis server.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: "doc-connect:" });
   *   assert(store.location.includes("doc-connect:"));
   *   await store.close();
   * }
   * ```
   *
   * @param url `redis://[user:password@]host[:port][/db][?prefix=…]` or
   * `rediss://…` (TLS). A `prefix` parameter sets the key prefix, so that one
   * string names a cache (as the command line takes it).
   * @param options The key prefix (overrides the URL's) and how long to wait.
   * @returns A connected store; close it when done.
   * @throws {TypeError} When `url` is not a Redis URL.
   */
  static async connect(url: string, options: RedisStoreOptions = {}): Promise<RedisStore> {
    const { server, prefix: inUrl, shown } = parseRedisUrl(url);
    const prefix = normalizePrefix(options.prefix ?? inUrl ?? "llm-cache:");
    const location = redisLocation(shown, prefix);
    const { reconnectFor = 10_000, commandTimeout = 60_000 } = options;
    assertMilliseconds("reconnectFor", reconnectFor, 0, "RedisStore.connect");
    assertMilliseconds("commandTimeout", commandTimeout, 1, "RedisStore.connect");
    const redis = await RedisConnection.open(server, location, { reconnectFor, commandTimeout });
    return new RedisStore(redis, location, new RedisKeys(prefix));
  }

  /**
   * Samples of a sequence from index `from` on.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   assert.deepEqual(await store.load({ model: "m_1", hash: "00".repeat(32) }, 0), []);
   *   await store.close();
   * }
   * ```
   */
  async load(key: SequenceKey, from: number): Promise<string[]> {
    assertLength("index", from);
    const sequence = this.#keys.sequence(key);
    const stored = await this.#redis.call(
      `loading ${describeKey(key)}`,
      () => this.#redis.bytes.lRange(sequence, from, -1),
    );
    return this.#texts(stored, key, from);
  }

  /**
   * {@linkcode RedisStore.load}, and the sequence's usage records, in one
   * round trip: the two lists are read in one pipeline, the samples first
   * (a writer pushes a sample and its record in one script, so the records
   * read after the samples cover them).
   */
  async [loadWithUsage](key: SequenceKey, from: number): Promise<StoredSamples> {
    assertLength("index", from);
    const [sequence, usage] = [this.#keys.sequence(key), this.#keys.usage(key)];
    const [stored, lines] = await this.#redis.call(
      `loading ${describeKey(key)}`,
      () =>
        this.#redis.bytes.multi().lRange(sequence, from, -1).lRange(usage, 0, -1)
          .execAsPipeline(),
    ) as unknown as [Uint8Array[], Uint8Array[]];
    const samples = this.#texts(stored, key, from);
    if (samples.length === 0) return { samples };
    return { samples, records: recordsOfLines(lines.map((line) => decoder.decode(line))) };
  }

  /**
   * Pushes samples after the last stored one; see {@linkcode Store.append}.
   * `from` may not lie beyond the stored samples (Redis lists have no gaps).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   const key = { model: "m_1", hash: "cd".repeat(32) };
   *   await store.append(key, { from: 0, samples: ["a"] });
   *   // A writer that did not see "a" still gets index 1, and sees "a" at 0.
   *   assert.equal((await store.append(key, { from: 0, samples: ["b"] })).join(), "a,b");
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   *
   * @throws {RangeError} When `from` lies beyond the stored samples.
   */
  async append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const { from, samples, prompt, usage, meta } = write;
    assertLength("index", from);
    assertSequenceKey(key);
    const found: string[] = [];
    let start = 0;
    do {
      const end = start + MAX_SAMPLES_PER_CALL;
      const part = samples.slice(start, end);
      const tail = await this.#appendPart(key, {
        from: from + found.length,
        samples: part,
        prompt,
        usage: usage?.slice(start, end),
        meta: meta?.slice(start, end),
      });
      found.push(...tail);
      start += part.length;
    } while (start < samples.length);
    return found;
  }

  /**
   * Stores `samples[k]` at exactly index `from + k` where that index is free,
   * in one script, and returns what each of those indices holds (cache
   * slicing); see {@linkcode Store.place}. `from` may not lie beyond the
   * stored samples (Redis lists have no gaps).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   const key = { model: "m_1", hash: "cd".repeat(32) };
   *   await store.append(key, { from: 0, samples: ["x"] });
   *   // Index 0 keeps "x"; "z" lands at index 1.
   *   assert.deepEqual(await store.place(key, { from: 0, samples: ["y", "z"] }), ["x", "z"]);
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   *
   * @throws {RangeError} When `from` lies beyond the stored samples.
   */
  async place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const { from, samples, prompt, usage, meta } = write;
    assertLength("index", from);
    assertSequenceKey(key);
    const held: string[] = [];
    for (let start = 0; start < samples.length; start += MAX_SAMPLES_PER_CALL) {
      const part = samples.slice(start, start + MAX_SAMPLES_PER_CALL);
      // One record per sample: the script keeps those of the samples it pushes.
      const records = usage === undefined
        ? []
        : part.flatMap((_, k) => recordsOf([k], [usage[start + k]]));
      const metas = metaArguments(meta?.slice(start, start + part.length));
      const args = { records, metas, samples: part, prompt };
      held.push(...await this.#script("place", key, from + start, args));
    }
    return held;
  }

  /**
   * Claims indices of a sequence before they are drawn (see
   * {@linkcode Store.claim}), by a compare-and-set script on the sequence's
   * `claims:` value: one round trip for a process alone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const prefix = `doc-${crypto.randomUUID()}:`;
   *   const [a, b] = [await RedisStore.connect(url, { prefix }), await RedisStore.connect(url, { prefix })];
   *   const key = { model: "m_1", hash: "ab".repeat(32) };
   *   const ask = (id: string) => ({ from: 0, count: 10, stored: 0, holder: { id, pid: 1 }, lease: 15_000 });
   *   assert.equal((await a.claim(key, ask("a"))).parts[0]!.holder, undefined); // a draws
   *   assert.equal((await b.claim(key, ask("b"))).parts[0]!.holder?.id, "a"); // b waits for a
   *   await a.clear();
   *   await a.close();
   *   await b.close();
   * }
   * ```
   */
  claim(key: SequenceKey, request: ClaimRequest): Promise<StoreClaim> {
    return claimIn(this.#claims, key, request);
  }

  /**
   * The replies stored at index `from` and after: each sample's text with
   * the metadata its script stored, or nothing beyond the text where none
   * was.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   const key = { model: "m_1", hash: "ab".repeat(32) };
   *   await store.append(key, { from: 0, samples: ["a", "b"], meta: [undefined, { refusal: "no" }] });
   *   assert.deepEqual(await store.replies(key, 1), [{ text: "b", toolCalls: [], refusal: "no" }]);
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   *
   * @throws {TypeError} When stored metadata is not reply metadata.
   */
  async replies(key: SequenceKey, from: number): Promise<Reply[]> {
    const texts = await this.load(key, from);
    if (texts.length === 0) return [];
    // Each sample's metadata was set by the script that pushed it: a sample read has its own.
    const stored = await this.#redis.call(
      `reading the replies of ${describeKey(key)}`,
      () => this.#redis.client.hGetAll(this.#keys.reply(key)),
    );
    return texts.map((text, k) => {
      const meta = stored[String(from + k)];
      if (meta === undefined) return replyOf(text);
      const where = `Redis store ${this.location}: the reply metadata of sample ${from + k} of ` +
        describeKey(key);
      return replyOf(text, decodeMeta(meta, where));
    });
  }

  /**
   * The usage records of the sequence's samples that cover index `from` or
   * later, in the order they were stored; a sequence stored without usage
   * has none.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   const key = { model: "m_1", hash: "ab".repeat(32) };
   *   await store.append(key, { from: 0, samples: ["a", "b"], prompt: "p", usage: [     { requests: 1, promptTokens: 3, completionTokens: 1, latencyMs: 5 },     { requests: 0, promptTokens: 2, completionTokens: 1, latencyMs: 4 },   ] });
   *   assert.deepEqual(await store.usage(key), [
   *     { from: 0, count: 2, requests: 1, promptTokens: 5, completionTokens: 2, latencyMs: 9 },
   *   ]);
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   */
  async usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    const { records } = await this.#usageList(key);
    return records.filter((record) => record.from + record.count > from);
  }

  /**
   * Removes the samples at index `from` and after, and their usage, in one
   * script (see {@linkcode Store.delete}); with `from` 0, the sequence is no
   * longer listed (nor its model key, when it has no other prompt).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   const key = { model: "m_1", hash: "ab".repeat(32) };
   *   await store.append(key, { from: 0, samples: ["a", "b"] });
   *   await store.delete(key, 1);
   *   assert.deepEqual(await store.load(key, 0), ["a"]);
   *   await store.delete(key);
   *   assert.deepEqual(await Array.fromAsync(store.models()), []);
   *   await store.close();
   * }
   * ```
   */
  async delete(key: SequenceKey, from = 0): Promise<void> {
    assertLength("index", from);
    const keys = [
      this.#keys.sequence(key),
      this.#keys.models,
      this.#keys.prompts(key.model),
      this.#keys.usage(key),
      this.#keys.reply(key),
    ];
    // The usage list is rewritten only if no writer pushed to it meanwhile.
    while (true) {
      const { lines, records } = await this.#usageList(key);
      const kept = from === 0 ? [] : recordsBelow(records, from).map((r) => JSON.stringify(r));
      const args = [key.model, key.hash, String(from), String(lines), ...kept];
      const done = await this.#redis.call(
        `deleting from ${describeKey(key)}`,
        () => this.#redis.evalScript(DELETE_SCRIPT, keys, args),
      );
      if (done === 1) return;
    }
  }

  /**
   * Every model key in the store.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   await store.append({ model: "m_1", hash: "ef".repeat(32) }, { from: 0, samples: ["s"] });
   *   assert.equal((await Array.fromAsync(store.models())).join(), "m_1");
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   */
  async *models(): AsyncIterableIterator<string> {
    yield* this.#redis.members(this.#keys.models, "listing the models");
  }

  /**
   * Every prompt stored under `model`, with its text when it was recorded.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   await store.append({ model: "m_1", hash: "ef".repeat(32) }, { from: 0, samples: ["s"], prompt: "hi" });
   *   const [entry] = await Array.fromAsync(store.prompts("m_1"));
   *   assert.equal(entry?.prompt, "hi");
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   */
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    modelKeySegments(model);
    const hashes: string[] = [];
    const flush = async () => {
      const texts = await this.#redis.call(
        `reading the prompts of ${model}`,
        () => this.#redis.bytes.mGet(hashes.map((h) => this.#keys.prompt(h))),
      );
      const entries = hashes.map((hash, i) => {
        const text = texts[i];
        const where = () => `Redis store ${this.location}: the prompt text of ${hash}`;
        return { hash, prompt: text == null ? undefined : decodeUtf8(text, where) };
      });
      hashes.length = 0;
      return entries;
    };
    for await (const hash of this.#redis.members(this.#keys.prompts(model), `listing ${model}`)) {
      hashes.push(hash);
      if (hashes.length >= PAGE) yield* await flush();
    }
    if (hashes.length > 0) yield* await flush();
  }

  /**
   * Deletes every key of this store (tests, benchmarks, and starting a shared
   * cache over): the keys of its layout under its prefix. Other caches are
   * left alone, also those whose prefix starts with this one's
   * (`team:` and `team:a:`), and so are other keys under the prefix.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url, { prefix: `doc-${crypto.randomUUID()}:` });
   *   await store.append({ model: "m_1", hash: "ab".repeat(32) }, { from: 0, samples: ["s"] });
   *   await store.clear();
   *   assert.deepEqual(await Array.fromAsync(store.models()), []);
   *   await store.close();
   * }
   * ```
   */
  async clear(): Promise<void> {
    const { client } = this.#redis;
    await this.#redis.call("clearing the store", async () => {
      for await (const keys of client.scanIterator({ MATCH: this.#keys.pattern, COUNT: PAGE })) {
        const own = keys.filter((key) => this.#keys.isOwn(key));
        if (own.length > 0) await client.unlink(own);
      }
    });
  }

  /**
   * Closes the connection; pending calls finish first.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url);
   *   await store.close();
   *   await store.close(); // closing twice is harmless
   *   await assert.rejects(Array.fromAsync(store.models()), /the store was closed/);
   * }
   * ```
   */
  close(): Promise<void> {
    return this.#redis.close();
  }

  #appendPart(
    key: SequenceKey,
    { from, samples, prompt, usage, meta }: StoreWrite,
  ): Promise<string[]> {
    // Offsets among the samples pushed: the script adds where they landed.
    const records = usage === undefined ? [] : recordsOf(usage.map((_, k) => k), usage);
    return this.#script("append", key, from, {
      records,
      metas: metaArguments(meta),
      samples,
      prompt,
    });
  }

  /** Runs the append or the place script: the samples it answers, as text. */
  async #script(
    verb: "append" | "place",
    key: SequenceKey,
    from: number,
    { records, metas, samples, prompt }: {
      records: readonly UsageRecord[];
      metas: readonly string[];
      samples: readonly string[];
      prompt: string | undefined;
    },
  ): Promise<string[]> {
    const keys = [
      this.#keys.sequence(key),
      this.#keys.models,
      this.#keys.prompts(key.model),
      this.#keys.prompt(key.hash),
      this.#keys.usage(key),
      this.#keys.reply(key),
    ];
    const args = [
      key.model,
      key.hash,
      String(from),
      prompt === undefined ? "0" : "1",
      prompt ?? "",
      String(records.length),
      ...records.map(usageArgument),
      String(metas.length),
      ...metas,
      ...samples,
    ];
    try {
      const [doing, script] = verb === "append"
        ? ["appending to", APPEND_SCRIPT]
        : ["placing into", PLACE_SCRIPT];
      const stored = await this.#redis.call(
        `${doing} ${describeKey(key)}`,
        () => this.#redis.evalScript(script, keys, args),
      );
      return this.#texts(stored as Uint8Array[], key, from);
    } catch (error) {
      const length = gapIn(error);
      if (length === undefined) throw error;
      throw new RangeError(
        `cannot ${verb} at index ${from} of ${describeKey(key)} in ${this.location}: ` +
          `only ${length} samples are stored and Redis lists have no gaps; ` +
          `${verb} at index ${length} or below`,
      );
    }
  }

  /** The sequence's usage list: its length, and the records in it. */
  async #usageList(key: SequenceKey): Promise<{ lines: number; records: UsageRecord[] }> {
    const list = this.#keys.usage(key);
    const lines = await this.#redis.call(
      `reading the usage of ${describeKey(key)}`,
      () => this.#redis.client.lRange(list, 0, -1),
    );
    return { lines: lines.length, records: recordsOfLines(lines) };
  }

  /** Stored samples as text, exactly; `from` is the index of the first. */
  #texts(stored: readonly Uint8Array[], key: SequenceKey, from: number): string[] {
    return stored.map((bytes, i) =>
      decodeUtf8(
        bytes,
        () => `Redis store ${this.location}: sample ${from + i} of ${describeKey(key)}`,
      )
    );
  }
}

const decoder = new TextDecoder();

/** The usage records among the lines of a usage list (others are not usage this library wrote). */
function recordsOfLines(lines: readonly string[]): UsageRecord[] {
  const records: UsageRecord[] = [];
  for (const line of lines) {
    let record: UsageRecord | undefined;
    try {
      record = asRecord(JSON.parse(line));
    } catch {
      // Not a record of this library: not usage it can read.
    }
    if (record !== undefined) records.push(record);
  }
  return records;
}

/** The metadata entries of the samples of one script call, by their offset among them. */
function metaArguments(meta: StoreWrite["meta"]): string[] {
  return meta?.flatMap((m, k) => m === undefined ? [] : [metaArgument(k, m)]) ?? [];
}
