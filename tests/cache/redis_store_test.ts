import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createClient } from "redis";
import { RedisStore } from "../../cache/redis_store.ts";
import { freshPrefix, freshRedisSpec, redisTest, skipRedis } from "../_support/redis_url.ts";
import { storeConformance } from "../../testing/store_conformance.ts";

storeConformance(Deno.test, {
  name: "RedisStore",
  ignore: skipRedis(),
  async open() {
    const spec = freshRedisSpec("suite");
    const store = await RedisStore.connect(spec);
    return {
      store,
      spec,
      async cleanup() {
        const cleaner = await RedisStore.connect(spec);
        await cleaner.clear();
        await cleaner.close();
      },
    };
  },
});

const KEY = { model: "gpt-4o_1", hash: "ab".repeat(32) };

async function withStore(
  url: string,
  fn: (store: RedisStore) => Promise<void>,
  options: { reconnectFor?: number; commandTimeout?: number } = {},
): Promise<void> {
  const store = await RedisStore.connect(url, { prefix: freshPrefix("redis"), ...options });
  try {
    await fn(store);
  } finally {
    await store.clear().catch(() => {});
    await store.close();
  }
}

redisTest("RedisStore: values of any size and text round-trip exactly", async (url) => {
  await withStore(url, async (store) => {
    const big = "x".repeat(3_000_000);
    const samples = ["", "Ünïcödé — 你好 🌍\n", big, "\r\n\0tail"];
    assert.deepEqual(await store.append(KEY, { from: 0, samples, prompt: "p" }), samples);
    assert.deepEqual(await store.load(KEY, 0), samples);
    assert.deepEqual(await store.load(KEY, 3), samples.slice(3));
    assert.deepEqual(await store.load(KEY, 9), []);
  });
});

redisTest("RedisStore: a batch longer than one script call keeps its order", async (url) => {
  await withStore(url, async (store) => {
    const samples = Array.from({ length: 2_500 }, (_, i) => String(i));
    assert.deepEqual(await store.append(KEY, { from: 0, samples }), samples);
    assert.deepEqual(await store.append(KEY, { from: 1_000, samples: ["z"] }), [
      ...samples.slice(1_000),
      "z",
    ]);
  });
});

redisTest("RedisStore: appending beyond the stored samples is a RangeError", async (url) => {
  await withStore(url, async (store) => {
    await store.append(KEY, { from: 0, samples: ["a"] });
    await assert.rejects(store.append(KEY, { from: 5, samples: ["b"] }), RangeError);
    assert.deepEqual(await store.load(KEY, 0), ["a"]);
  });
});

redisTest(
  "RedisStore: an index is checked as every count is (internal/validate.ts)",
  async (url) => {
    await withStore(url, async (store) => {
      const refused = (from: unknown) =>
        `index must be a non-negative integer, got ${from}; pass a whole number of at least 0`;
      await assert.rejects(store.load(KEY, -1), new RangeError(refused(-1)));
      await assert.rejects(
        store.append(KEY, { from: 0.5, samples: ["a"] }),
        new RangeError(refused(0.5)),
      );
      await assert.rejects(
        store.load(KEY, "0" as unknown as number),
        new TypeError(refused('"0"')),
      );
      assert.deepEqual(await Array.fromAsync(store.models()), []);
    });
  },
);

redisTest("RedisStore: an empty append creates nothing", async (url) => {
  await withStore(url, async (store) => {
    assert.deepEqual(await store.append(KEY, { from: 0, samples: [], prompt: "p" }), []);
    assert.deepEqual(await Array.fromAsync(store.models()), []);
  });
});

redisTest("RedisStore: prefixes keep caches apart", async (url) => {
  await withStore(url, async (a) => {
    await withStore(url, async (b) => {
      await a.append(KEY, { from: 0, samples: ["from a"], prompt: "p" });
      assert.deepEqual(await b.load(KEY, 0), []);
      assert.deepEqual(await Array.fromAsync(b.models()), []);
      await b.clear();
      assert.deepEqual(await a.load(KEY, 0), ["from a"]);
    });
  });
});

redisTest("RedisStore: many prompts list with their texts", async (url) => {
  await withStore(url, async (store) => {
    const hashes = Array.from({ length: 1_200 }, (_, i) => i.toString(16).padStart(64, "0"));
    await Promise.all(
      hashes.map((hash, i) =>
        store.append({ model: "m_0", hash }, { from: 0, samples: ["s"], prompt: `prompt ${i}` })
      ),
    );
    const entries = await Array.fromAsync(store.prompts("m_0"));
    assert.equal(entries.length, hashes.length);
    const texts = new Map(entries.map((e) => [e.hash, e.prompt]));
    assert.equal(texts.get(hashes[7]!), "prompt 7");
    assert.deepEqual(await Array.fromAsync(store.prompts("nothing_1")), []);
  });
});

redisTest("RedisStore: concurrent appenders never share an index", async (url) => {
  const prefix = freshPrefix("race");
  const stores = await Promise.all(
    Array.from({ length: 4 }, () => RedisStore.connect(url, { prefix })),
  );
  try {
    const results = await Promise.all(
      stores.flatMap((store, w) =>
        Array.from(
          { length: 25 },
          (_, i) => store.append(KEY, { from: 0, samples: [`w${w}-${i}`] }),
        )
      ),
    );
    const final = await stores[0]!.load(KEY, 0);
    assert.equal(final.length, 100);
    assert.equal(new Set(final).size, 100);
    for (const seen of results) assert.deepEqual(seen, final.slice(0, seen.length));
  } finally {
    await stores[0]!.clear();
    await Promise.all(stores.map((s) => s.close()));
  }
});

redisTest(
  "RedisStore: the location names the server and prefix, never the password",
  async (url) => {
    const withPassword = url.replace("redis://", "redis://user:hunter2@");
    await assert.rejects(
      RedisStore.connect(withPassword, { reconnectFor: 300 }),
      (error: Error) => !error.message.includes("hunter2") && error.message.includes("***"),
    );
    await withStore(url, (store) => {
      assert.match(store.location, /^redis:\/\/127\.0\.0\.1:\d+ \(prefix "test-redis-/);
      return Promise.resolve();
    });
  },
);

redisTest("RedisStore: the URL may carry the prefix", async (url) => {
  const spec = freshRedisSpec("url");
  const store = await RedisStore.connect(spec);
  try {
    assert.equal(store.prefix, new URL(spec).searchParams.get("prefix"));
    assert.ok(!store.location.includes("?"), store.location);
  } finally {
    await store.close();
  }
  const other = await RedisStore.connect(spec, { prefix: "given:" });
  assert.equal(other.prefix, "given:");
  await other.close();
  assert.ok(url);
});

redisTest("RedisStore: a bad URL is a TypeError; no server is a clear error", async () => {
  await assert.rejects(RedisStore.connect("not a url"), TypeError);
  await assert.rejects(RedisStore.connect("redis://exa mple"), TypeError);
  const port = await freePort();
  await assert.rejects(
    RedisStore.connect(`redis://127.0.0.1:${port}`, { reconnectFor: 300 }),
    /cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+.*redis-server is running/,
  );
});

redisTest("RedisStore: a dropped connection reconnects and loses nothing", async (url) => {
  await using proxy = await Proxy.start(url);
  await withStore(proxy.url, async (store) => {
    await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: "p" });
    proxy.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await store.append(KEY, { from: 2, samples: ["c"] }), ["c"]);
    assert.deepEqual(await store.load(KEY, 0), ["a", "b", "c"]);
  });
});

redisTest(
  "RedisStore: a call cut off in flight fails at once, then the store works on",
  async (url) => {
    await using proxy = await Proxy.start(url);
    await withStore(proxy.url, async (store) => {
      await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
      proxy.pause();
      const inFlight = store.append(KEY, { from: 1, samples: ["b"] }).then(
        () => undefined,
        (e: Error) => e,
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      proxy.dropConnections();
      const error = await inFlight;
      assert.ok(error instanceof Error);
      assert.match(error.message, /failed appending to gpt-4o_1\/abababababab/);
      assert.match(error.message, /the connection dropped during the call/);
      assert.match(error.message, /may or may not have been stored/);
      assert.deepEqual(await store.load(KEY, 0), ["a"]);
    });
  },
);

redisTest(
  "RedisStore: a server that stops answering fails calls after commandTimeout",
  async (url) => {
    await using proxy = await Proxy.start(url);
    await withStore(proxy.url, async (store) => {
      await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
      proxy.pause();
      const started = Date.now();
      await assert.rejects(store.load(KEY, 0), /no answer within 300 ms \(commandTimeout\)/);
      assert.ok(Date.now() - started < 3_000);
      proxy.dropConnections();
    }, { commandTimeout: 300 });
  },
);

redisTest(
  "RedisStore: a server gone for good fails calls with a clear error, no hang",
  async (url) => {
    const prefix = freshPrefix("gone");
    const proxy = await Proxy.start(url);
    const store = await RedisStore.connect(proxy.url, { prefix, reconnectFor: 400 });
    try {
      await store.append(KEY, { from: 0, samples: ["kept"], prompt: "p" });
      await proxy[Symbol.asyncDispose]();
      // Let the client notice, so the call below waits for a reconnection.
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await assert.rejects(
        store.load(KEY, 0),
        (error: Error) => {
          assert.match(error.message, /Redis store redis:\/\/127\.0\.0\.1:\d+ \(prefix "test-gone/);
          assert.match(error.message, /could not reconnect within 400 ms/);
          assert.match(error.message, /samples stored before are safe/);
          return true;
        },
      );
      assert.ok(Date.now() - started < 5_000);
      await assert.rejects(
        store.append(KEY, { from: 1, samples: ["lost"] }),
        /connection is closed/,
      );
    } finally {
      await store.close();
    }
    const direct = await RedisStore.connect(url, { prefix });
    try {
      assert.deepEqual(await direct.load(KEY, 0), ["kept"]);
    } finally {
      await direct.clear();
      await direct.close();
    }
  },
);

/** A TCP relay to Redis whose connections the test can cut. */
class Proxy {
  readonly url: string;
  #listener: Deno.TcpListener;
  #conns = new Set<Deno.Conn>();
  #tasks: Promise<unknown>[] = [];
  #accepting: Promise<void>;
  #paused: PromiseWithResolvers<void> | undefined;

  private constructor(listener: Deno.TcpListener, target: URL) {
    this.#listener = listener;
    this.url = `redis://127.0.0.1:${listener.addr.port}`;
    this.#accepting = this.#accept(target);
  }

  static async start(url: string): Promise<Proxy> {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    return await Promise.resolve(new Proxy(listener, new URL(url)));
  }

  /** Holds what clients send, so that their calls wait for an answer. */
  pause(): void {
    this.#paused = Promise.withResolvers();
  }

  dropConnections(): void {
    this.#paused?.resolve();
    this.#paused = undefined;
    for (const conn of this.#conns) closeConn(conn);
    this.#conns.clear();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // already closed
    }
    await this.#accepting;
    this.dropConnections();
    await Promise.allSettled(this.#tasks);
  }

  async #accept(target: URL): Promise<void> {
    try {
      for await (const client of this.#listener) {
        const server = await Deno.connect({
          hostname: target.hostname,
          port: Number(target.port || 6379),
        });
        this.#conns.add(client);
        this.#conns.add(server);
        this.#tasks.push(this.#pipe(client, server, true), this.#pipe(server, client, false));
      }
    } catch {
      // the listener was closed
    }
  }

  async #pipe(from: Deno.Conn, to: Deno.Conn, pausable: boolean): Promise<void> {
    const gate = new TransformStream<Uint8Array, Uint8Array>({
      transform: async (chunk, controller) => {
        if (pausable) await this.#paused?.promise;
        controller.enqueue(chunk);
      },
    });
    try {
      await from.readable.pipeThrough(gate).pipeTo(to.writable);
    } catch {
      // a side was cut
    } finally {
      closeConn(from);
      closeConn(to);
      this.#conns.delete(from);
      this.#conns.delete(to);
    }
  }
}

function closeConn(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // already closed
  }
}

async function freePort(): Promise<number> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return await Promise.resolve(port);
}

redisTest("RedisStore: clear() deletes its own keys only, never another prefix's", async (url) => {
  const base = `test-clear-${crypto.randomUUID()}`;
  // `team` is `team:`; `x:` must not reach into `x:y:`.
  const prefixes = [base, `${base}2`, `${base}x:`, `${base}x:y:`];
  const [team, team2, x, xy] = await Promise.all(
    prefixes.map((prefix) => RedisStore.connect(url, { prefix })),
  ) as [RedisStore, RedisStore, RedisStore, RedisStore];
  const raw = rawClient(url);
  await raw.connect();
  try {
    assert.equal(team.prefix, `${base}:`);
    assert.equal(team2.prefix, `${base}2:`);
    for (const store of [team, team2, x, xy]) {
      await store.append(KEY, { from: 0, samples: [store.prefix], prompt: "p" });
    }
    await raw.set(`${base}:not-the-cache`, "kept");
    await team.clear();
    await x.clear();
    assert.deepEqual(await team.load(KEY, 0), []);
    assert.deepEqual(await x.load(KEY, 0), []);
    assert.deepEqual(await team2.load(KEY, 0), [team2.prefix]);
    assert.deepEqual(await xy.load(KEY, 0), [xy.prefix]);
    assert.deepEqual(await Array.fromAsync(xy.prompts(KEY.model)), [{
      hash: KEY.hash,
      prompt: "p",
    }]);
    assert.equal(await raw.get(`${base}:not-the-cache`), "kept");
  } finally {
    await raw.del(`${base}:not-the-cache`);
    await raw.close();
    for (const store of [team, team2, x, xy]) {
      await store.clear();
      await store.close();
    }
  }
});

Deno.test("RedisStore: a prefix that could overlap another cache's keys is refused", async () => {
  for (const prefix of ["a:seq:", "seq", "models:", "x:prompt:y", "prompts"]) {
    // Refused before any connection is made.
    await assert.rejects(
      RedisStore.connect("redis://127.0.0.1:1", { prefix }),
      (error: Error) =>
        error instanceof TypeError && error.message.includes(JSON.stringify(prefix)),
    );
  }
});

redisTest("RedisStore: text that is not valid UTF-8 is an error, not U+FFFD", async (url) => {
  await withStore(url, async (store) => {
    const raw = rawClient(url);
    await raw.connect();
    try {
      await store.append(KEY, { from: 0, samples: ["fine"], prompt: "p" });
      const sequence = `${store.prefix}seq:${KEY.model}:${KEY.hash}`;
      await raw.rPush(sequence, Buffer.from([0x34, 0xe4, 0xbd]));
      await assert.rejects(
        store.load(KEY, 0),
        (error: Error) =>
          error instanceof TypeError && /sample 1 of gpt-4o_1\/ababab/.test(error.message) &&
          /not valid UTF-8/.test(error.message),
      );
      await raw.set(`${store.prefix}prompt:${KEY.hash}`, Buffer.from([0xff]));
      await assert.rejects(Array.fromAsync(store.prompts(KEY.model)), /not valid UTF-8/);
    } finally {
      await raw.close();
    }
  });
});

/** A plain client, to write what the store would never write. */
function rawClient(url: string) {
  // Without this, the client reads environment variables (--allow-env).
  return createClient({ url, maintNotifications: "disabled" });
}

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ url: string } & AsyncDisposable> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const conn of listener) conns.push(conn);
    } catch {
      // closed
    }
  })();
  return await Promise.resolve({
    url: `redis://127.0.0.1:${listener.addr.port}`,
    async [Symbol.asyncDispose]() {
      listener.close();
      await accepting;
      for (const conn of conns) closeConn(conn);
    },
  });
}

Deno.test("RedisStore: a server that accepts but never answers fails connect in time", async () => {
  await using server = await silentServer();
  const started = Date.now();
  await assert.rejects(
    RedisStore.connect(server.url, { reconnectFor: 300 }),
    (error: Error) => {
      assert.match(error.message, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+/);
      assert.match(error.message, /no answer within 300 ms/);
      return true;
    },
  );
  // Not a speed figure: a hang would take for ever (590 s before the fix).
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
});

redisTest("RedisStore: a server stopped (SIGSTOP) fails connect in time", async (url) => {
  // A relay to the real server, in a process of its own that the test stops.
  const child = new Deno.Command("deno", {
    args: ["run", "--allow-net=127.0.0.1", "tests/_support/tcp_relay_child.ts", url],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  try {
    const port = Number((await lines.read()).value?.trim());
    const relayed = `redis://127.0.0.1:${port}`;
    const working = await RedisStore.connect(relayed, { prefix: freshPrefix("stop") });
    await working.close();
    child.kill("SIGSTOP");
    const started = Date.now();
    await assert.rejects(
      RedisStore.connect(relayed, { reconnectFor: 300 }),
      /cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+.*no answer within 300 ms/,
    );
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  } finally {
    child.kill("SIGCONT");
    child.kill("SIGKILL");
    await child.status;
    await lines.cancel();
  }
});

Deno.test("RedisStore.connect: bad durations are refused before any connection", async () => {
  for (
    const [options, pattern] of [
      [{ reconnectFor: Number.NaN }, /reconnectFor must be a number of milliseconds/],
      [{ reconnectFor: -1 }, /reconnectFor must be a number of milliseconds of at least 0/],
      [{ commandTimeout: 0 }, /commandTimeout must be a number of milliseconds of at least 1/],
    ] as const
  ) {
    await assert.rejects(RedisStore.connect("redis://127.0.0.1:1", options), pattern);
  }
});
