// The report's other measures: live runs against a local server (in a
// process of its own), hits through the sampling core, and cold writes into
// Deno KV and SQLite, each with the baseline it is a ratio to.

import { collect, Independent, promptHash, Repeatable } from "../mod.ts";
import { Persistent } from "../cache/persistent.ts";
import type { Store } from "../cache/store.ts";
import { connect, prepareFile, transaction } from "../cache/_sqlite_file.ts";
import { OpenAICompatible } from "../providers/mod.ts";
import { CountingModel } from "../tests/_support/mock_model.ts";
import { KiloModel, median, prompt, sample, seconds } from "./_fixture.ts";

export const LIVE = { prompts: 200, samples: 5, latency: 50, concurrency: 8 };

/** The least a live run can take: one request per prompt, `concurrency` at a time. */
export function latencyFloor(): number {
  return Math.ceil(LIVE.prompts / LIVE.concurrency) * LIVE.latency / 1000;
}

/**
 * The live runs' OpenAI-compatible server, in a `deno run` of its own
 * (bench/_live_server.ts): on the client's event loop, its own work would
 * delay the client's, and the cache would be blamed for it.
 */
export class LiveServer {
  #child: Deno.ChildProcess;
  #lines: ReadableStreamDefaultReader<string>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #buffered = "";
  /** Its OpenAI-compatible base URL. */
  url = "";

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#writer = child.stdin.getWriter();
  }

  /** Starts the server, answering after `latency` ms. */
  static async start(latency = LIVE.latency): Promise<LiveServer> {
    const child = new Deno.Command("deno", {
      args: ["run", "--allow-net=127.0.0.1", "bench/_live_server.ts", String(latency)],
      stdin: "piped",
      stdout: "piped",
    }).spawn();
    const server = new LiveServer(child);
    server.url = await server.#line();
    return server;
  }

  /** How many requests it answered since the last time it was asked. */
  async requests(): Promise<number> {
    await this.#writer.write(new TextEncoder().encode("count\n"));
    return Number(await this.#line());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#writer.close();
    await this.#lines.cancel();
    await this.#child.status;
  }

  async #line(): Promise<string> {
    while (!this.#buffered.includes("\n")) {
      const { value, done } = await this.#lines.read();
      if (done) throw new Error("the live-run server exited");
      this.#buffered += value;
    }
    const end = this.#buffered.indexOf("\n");
    const line = this.#buffered.slice(0, end);
    this.#buffered = this.#buffered.slice(end + 1);
    return line;
  }
}

/**
 * Seconds of a live run against `server`: every prompt at once, through
 * Persistent in `dir` or no cache.
 */
export async function liveRun(server: LiveServer, dir: string | undefined): Promise<number> {
  const provider = new OpenAICompatible("bench", 1, {
    baseUrl: server.url,
    maxBatch: LIVE.samples,
  });
  if (provider.maxConcurrency !== LIVE.concurrency) throw new Error("default concurrency changed");
  const model = dir === undefined ? provider : new Persistent(provider, dir, { announce: false });
  const prompts = Array.from({ length: LIVE.prompts }, (_, p) => prompt(p));
  await server.requests();
  const time = await seconds(() =>
    Promise.all(prompts.map((p) => collect(model.sample(p, LIVE.samples), LIVE.samples)))
  );
  if (await server.requests() !== LIVE.prompts) throw new Error("one request per prompt expected");
  return time;
}

const HITS = 100_000;
let cached: Repeatable | undefined;

async function drain(it: AsyncIterator<string>): Promise<void> {
  for (let i = 0; i < HITS; i++) await it.next();
}

/** Millions of hits per second: of `Repeatable`, and of `Independent` over it (3 runs each). */
export async function hits(): Promise<{ repeatable: number; independent: number }> {
  if (cached === undefined) {
    cached = new Repeatable(new CountingModel("hits", 1, { maxBatch: 1000 }));
    await collect(cached.sample("p", 1000), HITS);
  }
  const repeatable: number[] = [];
  const independent: number[] = [];
  for (let k = 0; k < 3; k++) {
    const model = cached;
    repeatable.push(HITS / await seconds(() => drain(model.sample("p"))) / 1e6);
    // A fresh Independent each time, so that every item is a hit of the cache.
    independent.push(HITS / await seconds(() => drain(new Independent(model).sample("p"))) / 1e6);
  }
  return { repeatable: median(repeatable), independent: median(independent) };
}

/**
 * Samples/s of drawing and storing `prompts` × `samples`, one prompt after
 * another or all at once; with `replies`, each sample with its metadata;
 * without `claims`, with `Persistent`'s claims off (`claims: false`).
 */
export async function storeWrite(
  store: Store,
  prompts: number,
  samples: number,
  together = false,
  replies = false,
  claims = true,
): Promise<number> {
  const model = new Persistent(new KiloModel(1, replies), store, claims ? {} : { claims: false });
  const each = (p: number) => collect(model.sample(prompt(p)), samples);
  const all = Array.from({ length: prompts }, (_, p) => p);
  const time = await seconds(async () => {
    if (together) await Promise.all(all.map(each));
    else for (const p of all) await each(p);
  });
  await store.close();
  return prompts * samples / time;
}

/** Samples/s of committing one 1 KB sample per atomic commit, one after another. */
export async function kvCommits(path: string, count: number): Promise<number> {
  const kv = await Deno.openKv(path);
  const bytes = new TextEncoder().encode(sample(0, 0));
  const time = await seconds(async () => {
    for (let i = 0; i < count; i++) {
      const key = ["bench", i];
      await kv.atomic().check({ key, versionstamp: null }).set(key, bytes).commit();
    }
  });
  kv.close();
  return count / time;
}

/**
 * Samples/s of the least a SQLite store can do per append: one `BEGIN
 * IMMEDIATE` transaction per 1 KB sample, in a file set up as `SqliteStore`
 * sets it up (WAL, `synchronous = NORMAL`, its tables). `rows` says what the
 * transaction writes: only the sample's row, or also the usage row that
 * `SqliteStore` writes with it.
 */
export function sqliteCommits(path: string, count: number, rows: "sample" | "sample+usage") {
  const connection = connect(path, (error) => error);
  prepareFile(connection, path);
  const { db } = connection;
  db.prepare("INSERT INTO sequences (id, model, hash) VALUES (1, 'bench_1', ?)").run(
    "0".repeat(64),
  );
  const statements = [db.prepare("INSERT INTO samples (sequence, idx, sample) VALUES (1, ?, ?)")];
  if (rows === "sample+usage") {
    statements.push(db.prepare(
      "INSERT INTO usage (sequence, idx, count, requests, latency_ms) VALUES (1, ?, 1, 1, length(?))",
    ));
  }
  const text = sample(0, 0);
  return seconds(() => {
    for (let i = 0; i < count; i++) {
      transaction(db, () => statements.forEach((statement) => statement.run(i, text)));
    }
  }).then((time) => {
    db.close();
    return count / time;
  });
}

/** Samples/s of reading `prompts` × `samples` back through a replaying Persistent. */
export async function warmRead(store: Store, prompts: number, samples: number): Promise<number> {
  const model = new Persistent(new KiloModel(1), store, { replication: true });
  const time = await seconds(async () => {
    for (let p = 0; p < prompts; p++) await collect(model.sample(prompt(p)), samples);
  });
  return prompts * samples / time;
}

/** A store of 1,000 prompts × 100 samples of 1 KB, closed; its bytes on disk. */
export async function bigStore(open: () => Promise<Store>, files: string[]): Promise<number> {
  const store = await open();
  for (let p = 0; p < 1000; p++) {
    const texts = Array.from({ length: 100 }, (_, i) => sample(p, i));
    await store.append({ model: "bench_1", hash: promptHash(prompt(p)) }, {
      from: 0,
      samples: texts,
      prompt: prompt(p),
    });
  }
  await store.close();
  let bytes = 0;
  for (const file of files) bytes += (await Deno.stat(file).catch(() => ({ size: 0 }))).size;
  return bytes;
}

/** Seconds of a cold `deno run` that reads one sample of `spec`, and of one that does nothing. */
export async function coldRead(spec: string, flags: string[]): Promise<[number, number]> {
  const run = async (args: string[]) => {
    const time = await seconds(async () => {
      const { success, stderr } = await new Deno.Command("deno", { args, stdout: "null" }).output();
      if (!success) throw new Error(new TextDecoder().decode(stderr));
    });
    return time;
  };
  const read = await run(["run", ...flags, "bench/read_one.ts", spec, "bench", prompt(500)]);
  return [read, await run(["run", "bench/empty.ts"])];
}
