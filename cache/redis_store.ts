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
 * samples after whatever is there (two writers never claim the same index)
 * and answers with every sample from the caller's index on.
 *
 * A cache must never lose a sample, so run the server with
 * `maxmemory-policy noeviction` (the default) and, to survive a server crash,
 * `appendonly yes`. One server (with replicas, if you like) holds the cache:
 * Redis Cluster is not supported, since an append touches several keys.
 * Close the store when done: an open connection keeps the process alive.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createClient, RESP_TYPES } from "redis";
import { assertSequenceKey, modelKeySegments } from "./_key_path.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";
import { decodeUtf8 } from "./_utf8.ts";

export type { PromptEntry, SequenceKey, Store } from "./store.ts";

/** Options of {@linkcode RedisStore.connect}. */
export interface RedisStoreOptions {
  /**
   * Prepended to every key, so that several caches (or other data) can share
   * one Redis database. Overrides a `prefix` parameter in the URL. A `:` is
   * added when it does not end with one (`team` is `team:`), so that no
   * cache's keys start with another's prefix; its parts (between the `:`)
   * may not be `seq`, `prompt`, `prompts` or `models`, the names of the
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

type Client = ReturnType<typeof newClient>;
type BytesClient = ReturnType<typeof bytesOf>;
type ReconnectStrategy = (retries: number, cause: Error) => number | Error;

/** What the store knows about its connection, shared with the reconnect strategy. */
interface Connection {
  readonly commandTimeout: number;
  connected: boolean;
  lost: Error | undefined;
}

function newClient(
  url: string,
  connectTimeout: number,
  commandTimeout: number,
  reconnectStrategy: ReconnectStrategy,
) {
  return createClient({
    url,
    socket: { connectTimeout, reconnectStrategy },
    commandOptions: { timeout: commandTimeout },
    // Redis Enterprise's maintenance hand-off reads environment variables,
    // which would ask users for --allow-env; a plain server never sends it.
    maintNotifications: "disabled",
  });
}

/** The same connection, answering with bytes: text is decoded strictly here. */
function bytesOf(client: Client) {
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
}

// Redis runs a script atomically: no other command interleaves between
// reading the length and pushing, so each pushed sample gets a fresh index.
// KEYS: samples list, models set, prompts set, prompt text.
// ARGV: model, hash, from, has-prompt flag, prompt, samples…
const APPEND = `
local from = tonumber(ARGV[3])
local length = redis.call('LLEN', KEYS[1])
if from > length then
  return redis.error_reply('ERR llm-cache gap: ' .. length)
end
if #ARGV < 6 and length == 0 then
  return {}
end
for i = 6, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[4], ARGV[5], 'NX')
end
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return redis.call('LRANGE', KEYS[1], from, -1)
`;

// Bounds the arguments of one script call; longer batches are split, each
// part still claiming its indices atomically.
const MAX_SAMPLES_PER_CALL = 1000;
const BATCH = 500;

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
 *   assert.equal((await store.append(key, 0, ["x", "y"], "p")).join(), "x,y");
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
  #client: Client;
  #bytes: BytesClient;
  #connection: Connection;
  #sha: string | undefined;

  private constructor(client: Client, location: string, prefix: string, connection: Connection) {
    this.#client = client;
    this.#bytes = bytesOf(client);
    this.#connection = connection;
    this.location = location;
    this.prefix = prefix;
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
    const { server, prefix: inUrl } = splitPrefix(url);
    const prefix = normalizePrefix(options.prefix ?? inUrl ?? "llm-cache:");
    const location = `${redact(server)} (prefix ${JSON.stringify(prefix)})`;
    const reconnectFor = options.reconnectFor ?? 10_000;
    const commandTimeout = options.commandTimeout ?? 60_000;
    const state: Connection = { commandTimeout, connected: false, lost: undefined };
    const connectTimeout = Math.min(reconnectFor, 5_000);
    let started = Date.now();
    const client = newClient(server, connectTimeout, commandTimeout, (retries, cause) => {
      if (retries === 0) started = Date.now();
      if (Date.now() - started < reconnectFor) return Math.min(50 * 2 ** retries, 1_000);
      if (!state.connected) {
        return new Error(`no answer within ${reconnectFor} ms (${cause.message})`);
      }
      state.lost = new Error(
        `lost the connection to Redis at ${location} and could not reconnect within ` +
          `${reconnectFor} ms (${cause.message}): check that the server is running ` +
          `and reachable; samples stored before are safe`,
        { cause },
      );
      return state.lost;
    });
    // Without a listener, an 'error' event would crash the process; the
    // failed calls carry the errors that matter.
    let handshaking = false;
    client.on("error", () => handshaking = false);
    client.on("connect", () => handshaking = true);
    client.on("ready", () => handshaking = false);
    // The client's own timeouts do not cover the handshake, so a server that
    // accepts the connection but never answers would hang us for ever. Past
    // the deadline, a handshake in progress is cut; between attempts, the
    // reconnect strategy gives up by itself (its pause must not be cut short,
    // or its timer would outlive the store).
    let timer: ReturnType<typeof setTimeout> | undefined;
    const silent = new Promise<never>((_, reject) => {
      const check = () => {
        if (!handshaking) {
          timer = setTimeout(check, 50);
          return;
        }
        reject(
          new Error(
            `the server accepted the connection but sent no answer within ${reconnectFor} ms ` +
              `(reconnectFor): is it stopped, overloaded, or not a Redis server?`,
          ),
        );
      };
      timer = setTimeout(check, reconnectFor);
    });
    const connecting = client.connect();
    connecting.catch(() => {}); // after a timeout, its late failure is no news
    try {
      await Promise.race([connecting, silent]);
    } catch (error) {
      await closeQuietly(client);
      throw new Error(
        `cannot connect to Redis at ${location}: ${message(error)}; ` +
          `check the URL and that redis-server is running`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
    state.connected = true;
    return new RedisStore(client, location, prefix, state);
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
    assertIndex(from);
    const sequence = this.#sequence(key);
    const stored = await this.#call(
      `loading ${describeKey(key)}`,
      () => this.#bytes.lRange(sequence, from, -1),
    );
    return this.#texts(stored, key, from);
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
   *   await store.append(key, 0, ["a"]);
   *   // A writer that did not see "a" still gets index 1, and sees "a" at 0.
   *   assert.equal((await store.append(key, 0, ["b"])).join(), "a,b");
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   *
   * @throws {RangeError} When `from` lies beyond the stored samples.
   */
  async append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
  ): Promise<string[]> {
    assertIndex(from);
    assertSequenceKey(key);
    const found: string[] = [];
    let start = 0;
    do {
      const part = samples.slice(start, start + MAX_SAMPLES_PER_CALL);
      const tail = await this.#appendPart(key, from + found.length, part, prompt);
      found.push(...tail);
      start += part.length;
    } while (start < samples.length);
    return found;
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
   *   await store.append({ model: "m_1", hash: "ef".repeat(32) }, 0, ["s"]);
   *   assert.equal((await Array.fromAsync(store.models())).join(), "m_1");
   *   await store.clear();
   *   await store.close();
   * }
   * ```
   */
  async *models(): AsyncIterableIterator<string> {
    yield* this.#members(this.#key("models"), "listing the models");
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
   *   await store.append({ model: "m_1", hash: "ef".repeat(32) }, 0, ["s"], "hi");
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
      const texts = await this.#call(
        `reading the prompts of ${model}`,
        () => this.#bytes.mGet(hashes.map((h) => this.#key(`prompt:${h}`))),
      );
      const entries = hashes.map((hash, i) => {
        const text = texts[i];
        const where = () => `Redis store ${this.location}: the prompt text of ${hash}`;
        return { hash, prompt: text == null ? undefined : decodeUtf8(text, where) };
      });
      hashes.length = 0;
      return entries;
    };
    for await (const hash of this.#members(this.#key(`prompts:${model}`), `listing ${model}`)) {
      hashes.push(hash);
      if (hashes.length >= BATCH) yield* await flush();
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
   *   await store.append({ model: "m_1", hash: "ab".repeat(32) }, 0, ["s"]);
   *   await store.clear();
   *   assert.deepEqual(await Array.fromAsync(store.models()), []);
   *   await store.close();
   * }
   * ```
   */
  async clear(): Promise<void> {
    const pattern = `${escapeGlob(this.prefix)}*`;
    await this.#call("clearing the store", async () => {
      for await (const keys of this.#client.scanIterator({ MATCH: pattern, COUNT: BATCH })) {
        const own = keys.filter((key) => OWN_KEY.test(key.slice(this.prefix.length)));
        if (own.length > 0) await this.#client.unlink(own);
      }
    });
  }

  /**
   * Closes the connection; pending calls finish first.
   *
   * @example
   * ```ts
   * import { RedisStore } from "./redis_store.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const store = await RedisStore.connect(url);
   *   await store.close();
   *   await store.close(); // closing twice is harmless
   * }
   * ```
   */
  close(): Promise<void> {
    return closeQuietly(this.#client);
  }

  async #appendPart(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt: string | undefined,
  ): Promise<string[]> {
    const keys = [
      this.#sequence(key),
      this.#key("models"),
      this.#key(`prompts:${key.model}`),
      this.#key(`prompt:${key.hash}`),
    ];
    const args = [
      key.model,
      key.hash,
      String(from),
      prompt === undefined ? "0" : "1",
      prompt ?? "",
      ...samples,
    ];
    try {
      const stored = await this.#call(
        `appending to ${describeKey(key)}`,
        () => this.#eval(keys, args),
      );
      return this.#texts(stored, key, from);
    } catch (error) {
      const gap = /llm-cache gap: (\d+)/.exec(message(error));
      if (gap === null) throw error;
      throw new RangeError(
        `cannot append at index ${from} of ${describeKey(key)} in ${this.location}: ` +
          `only ${gap[1]} samples are stored and Redis lists have no gaps; ` +
          `append at index ${gap[1]} or below`,
      );
    }
  }

  async #eval(keys: string[], args: string[]): Promise<Buffer[]> {
    if (this.#sha !== undefined) {
      try {
        return await this.#bytes.evalSha(this.#sha, { keys, arguments: args }) as Buffer[];
      } catch (error) {
        // A restarted or flushed server forgets its scripts.
        if (!message(error).startsWith("NOSCRIPT")) throw error;
      }
    }
    this.#sha = await this.#client.scriptLoad(APPEND);
    return await this.#bytes.evalSha(this.#sha, { keys, arguments: args }) as Buffer[];
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

  async *#members(set: string, doing: string): AsyncIterableIterator<string> {
    const seen = new Set<string>();
    const pages = this.#client.sScanIterator(set, { COUNT: BATCH });
    while (true) {
      const page = await this.#call(doing, () => pages.next());
      if (page.done) return;
      // SSCAN may repeat a member when the set grows during the scan.
      for (const member of page.value) {
        if (!seen.has(member)) {
          seen.add(member);
          yield member;
        }
      }
    }
  }

  async #call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    // The client's own timeout stops at a command already sent, so a server
    // that stops answering without closing the connection would hang us.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeout()), this.#connection.commandTimeout);
    });
    const work = run();
    work.catch(() => {}); // after a timeout, its late failure is no news
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw error;
      throw new Error(
        `Redis store ${this.location}: failed ${doing}: ${this.#explain(error)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  #explain(error: unknown): string {
    const lost = this.#connection.lost;
    if (lost !== undefined) {
      return `${lost.message}; the connection is closed, connect again to continue`;
    }
    if (!this.#client.isOpen) return `${message(error)}: the store was closed`;
    if (error instanceof CommandTimeout || isClientTimeout(error)) {
      return `no answer within ${this.#connection.commandTimeout} ms (commandTimeout): the ` +
        `server is overloaded or stopped answering; an interrupted append may or may not ` +
        `have been stored`;
    }
    if (!/closed unexpectedly|ECONNRESET|EPIPE/i.test(message(error))) return message(error);
    return `the connection dropped during the call (${message(error)}); samples stored ` +
      `before are safe, and an interrupted append may or may not have been stored`;
  }

  #sequence(key: SequenceKey): string {
    assertSequenceKey(key);
    return this.#key(`seq:${key.model}:${key.hash}`);
  }

  #key(name: string): string {
    return this.prefix + name;
  }
}

/** The client's TimeoutError: a call queued longer than `commandTimeout`. */
function isClientTimeout(error: unknown): boolean {
  return error instanceof Error && error.constructor.name === "TimeoutError";
}

/** A call that got no answer within `commandTimeout`. */
class CommandTimeout extends Error {}

async function closeQuietly(client: Client): Promise<void> {
  if (!client.isOpen) return;
  if (client.isReady) {
    try {
      await client.close();
      return;
    } catch {
      // The connection dropped while closing: destroy below.
    }
  }
  if (client.isOpen) client.destroy();
}

function assertIndex(from: number): void {
  if (!Number.isInteger(from) || from < 0) {
    throw new RangeError(`index must be a non-negative integer, got ${from}`);
  }
}

function describeKey(key: SequenceKey): string {
  return `${key.model}/${key.hash.slice(0, 12)}`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The URL without its `prefix` query parameter, and that parameter. */
function splitPrefix(url: string): { server: string; prefix: string | undefined } {
  const parsed = typeof url === "string" && /^rediss?:\/\//.test(url) ? URL.parse(url) : null;
  if (parsed === null) {
    throw new TypeError(
      `not a Redis URL: ${describeUrl(url)}; use redis://host:port or rediss://host:port`,
    );
  }
  const prefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  return { server: parsed.href, prefix };
}

function describeUrl(url: unknown): string {
  return typeof url === "string" ? JSON.stringify(url.replace(/:[^:@/]*@/, ":***@")) : typeof url;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href.replace(/\/$/, "");
}

// The names of the store's own keys under its prefix (see the layout above).
const OWN_KEY = /^(?:models$|seq:|prompts?:)/;
const RESERVED_PARTS = new Set(["seq", "prompt", "prompts", "models"]);

/**
 * `prefix` ending with `:`. Its parts may not be the names of the store's
 * own keys: a prefix `x:seq:` would put its keys among those of prefix `x:`.
 */
function normalizePrefix(prefix: string): string {
  if (typeof prefix !== "string") {
    throw new TypeError(`the Redis key prefix must be a string, got ${typeof prefix}`);
  }
  if (prefix === "") return prefix;
  const normalized = prefix.endsWith(":") ? prefix : `${prefix}:`;
  const clash = normalized.slice(0, -1).split(":").find((part) => RESERVED_PARTS.has(part));
  if (clash !== undefined) {
    throw new TypeError(
      `the Redis key prefix ${JSON.stringify(prefix)} has a part "${clash}", the name of ` +
        `one of the store's own keys, so its keys could mix with another cache's: ` +
        `choose another prefix`,
    );
  }
  return normalized;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, "\\$&");
}
