/**
 * A connection to a Redis server that never hangs the program, for
 * `RedisStore`: connecting gives up after `reconnectFor`
 * milliseconds, also when a server accepts the connection and never answers;
 * every call gives up after `commandTimeout`; a dropped connection is retried
 * by the client meanwhile; and a failure says what was being done, why it
 * failed and what to check. Passwords never reach a message.
 *
 * Kept in one file: connecting, each call's deadline and the explanation of a
 * failure share one state (connected yet? lost for good?) and read best
 * together.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { createClient, RESP_TYPES } from "redis";

/** How many keys or set members one call asks the server for. */
export const PAGE = 500;

/** How long to wait; see `RedisStoreOptions` for their meaning. */
export interface Deadlines {
  /** Reconnecting, and the first connection, give up after this (milliseconds). */
  readonly reconnectFor: number;
  /** One call gives up after this (milliseconds). */
  readonly commandTimeout: number;
}

type Client = ReturnType<typeof newClient>;
type BytesClient = ReturnType<typeof bytesOf>;
type ReconnectStrategy = (retries: number, cause: Error) => number | Error;

/** What the connection knows about itself, shared with the reconnect strategy. */
interface State {
  connected: boolean;
  lost: Error | undefined;
}

/**
 * One client connection with deadlines and explained failures.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisConnection } from "./_redis_connection.ts";
 *
 * const url = Deno.env.get("REDIS_URL");
 * if (url !== undefined) {
 *   const deadlines = { reconnectFor: 1_000, commandTimeout: 1_000 };
 *   const redis = await RedisConnection.open(url, "the test server", deadlines);
 *   assert.equal(await redis.call("pinging", () => redis.client.ping()), "PONG");
 *   await redis.close();
 *   await assert.rejects(redis.call("pinging", () => redis.client.ping()), /the store was closed/);
 * }
 * ```
 */
export class RedisConnection {
  /** The client; answers come as strings. */
  readonly client: Client;
  /** The same connection, answering with bytes, for text that is decoded strictly. */
  readonly bytes: BytesClient;
  #location: string;
  #deadlines: Deadlines;
  #state: State;
  #scripts = new Map<string, string>();

  private constructor(client: Client, location: string, deadlines: Deadlines, state: State) {
    this.client = client;
    this.bytes = bytesOf(client);
    this.#location = location;
    this.#deadlines = deadlines;
    this.#state = state;
  }

  /**
   * Connects to `server`, or fails within `reconnectFor` milliseconds.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisConnection } from "./_redis_connection.ts";
   *
   * // Nothing listens on port 1: the error names the server and what to check.
   * const deadlines = { reconnectFor: 200, commandTimeout: 200 };
   * await assert.rejects(
   *   RedisConnection.open("redis://127.0.0.1:1", "redis://127.0.0.1:1", deadlines),
   *   /cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: .*check the URL/,
   * );
   * ```
   *
   * @param server The server's URL.
   * @param location The server and key prefix, as messages show them (no password).
   * @param deadlines How long to keep trying.
   * @returns The open connection; close it when done.
   */
  static async open(
    server: string,
    location: string,
    deadlines: Deadlines,
  ): Promise<RedisConnection> {
    const { reconnectFor, commandTimeout } = deadlines;
    const state: State = { connected: false, lost: undefined };
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
    return new RedisConnection(client, location, deadlines, state);
  }

  /**
   * `run`, failing after `commandTimeout`. A RangeError or TypeError (a
   * refused argument) passes unchanged; any other failure becomes an error
   * that names the store and `doing`, and says why and what to check.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisConnection } from "./_redis_connection.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const deadlines = { reconnectFor: 1_000, commandTimeout: 50 };
   *   const redis = await RedisConnection.open(url, "the test server", deadlines);
   *   const never = () => new Promise<never>(() => {});
   *   await assert.rejects(
   *     redis.call("waiting", never),
   *     /the test server: failed waiting: no answer within 50 ms \(commandTimeout\)/,
   *   );
   *   await redis.close();
   * }
   * ```
   */
  async call<T>(doing: string, run: () => Promise<T>): Promise<T> {
    // The client's own timeout stops at a command already sent, so a server
    // that stops answering without closing the connection would hang us.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CommandTimeout()), this.#deadlines.commandTimeout);
    });
    const work = run();
    work.catch(() => {}); // after a timeout, its late failure is no news
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      if (error instanceof RangeError || error instanceof TypeError) throw error;
      throw new Error(
        `Redis store ${this.#location}: failed ${doing}: ${this.#explain(error)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Every member of the set `set`, each once, a page at a time.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisConnection } from "./_redis_connection.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const deadlines = { reconnectFor: 1_000, commandTimeout: 1_000 };
   *   const redis = await RedisConnection.open(url, "the test server", deadlines);
   *   const set = `doc-${crypto.randomUUID()}`;
   *   await redis.client.sAdd(set, ["a", "b"]);
   *   assert.deepEqual((await Array.fromAsync(redis.members(set, "listing"))).sort(), ["a", "b"]);
   *   await redis.client.del(set);
   *   await redis.close();
   * }
   * ```
   */
  async *members(set: string, doing: string): AsyncIterableIterator<string> {
    const seen = new Set<string>();
    const pages = this.client.sScanIterator(set, { COUNT: PAGE });
    while (true) {
      const page = await this.call(doing, () => pages.next());
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

  /**
   * Runs the Lua `script` by its SHA, loading it first when the server does
   * not know it (first use, or after a restart or flush); answers as bytes.
   * Not timed by itself: run it inside {@linkcode RedisConnection.call}.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisConnection } from "./_redis_connection.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const deadlines = { reconnectFor: 1_000, commandTimeout: 1_000 };
   *   const redis = await RedisConnection.open(url, "the test server", deadlines);
   *   const echo = "return {ARGV[1]}";
   *   const answer = await redis.evalScript(echo, [], ["é"]) as Uint8Array[];
   *   assert.equal(new TextDecoder().decode(answer[0]), "é");
   *   await redis.close();
   * }
   * ```
   */
  async evalScript(script: string, keys: string[], args: string[]): Promise<unknown> {
    const known = this.#scripts.get(script);
    if (known !== undefined) {
      try {
        return await this.bytes.evalSha(known, { keys, arguments: args });
      } catch (error) {
        // A restarted or flushed server forgets its scripts.
        if (!message(error).startsWith("NOSCRIPT")) throw error;
      }
    }
    const sha = await this.client.scriptLoad(script);
    this.#scripts.set(script, sha);
    return await this.bytes.evalSha(sha, { keys, arguments: args });
  }

  /**
   * Closes the connection; pending calls finish first. Closing twice is
   * harmless.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { RedisConnection } from "./_redis_connection.ts";
   *
   * const url = Deno.env.get("REDIS_URL");
   * if (url !== undefined) {
   *   const deadlines = { reconnectFor: 1_000, commandTimeout: 1_000 };
   *   const redis = await RedisConnection.open(url, "the test server", deadlines);
   *   await redis.close();
   *   await redis.close();
   *   assert.equal(redis.client.isOpen, false);
   * }
   * ```
   */
  close(): Promise<void> {
    return closeQuietly(this.client);
  }

  #explain(error: unknown): string {
    const lost = this.#state.lost;
    if (lost !== undefined) {
      return `${lost.message}; the connection is closed, connect again to continue`;
    }
    if (!this.client.isOpen) return `${message(error)}: the store was closed`;
    if (error instanceof CommandTimeout || isClientTimeout(error)) {
      return `no answer within ${this.#deadlines.commandTimeout} ms (commandTimeout): the ` +
        `server is overloaded or stopped answering; an interrupted append may or may not ` +
        `have been stored`;
    }
    if (!/closed unexpectedly|ECONNRESET|EPIPE/i.test(message(error))) return message(error);
    return `the connection dropped during the call (${message(error)}); samples stored ` +
      `before are safe, and an interrupted append may or may not have been stored`;
  }
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

function bytesOf(client: Client) {
  return client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
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

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
