// The floors of warm reads: the least a reader of each store's layout can do
// to get a prompt's samples back, with no cache library in the way.
//
// - folder: hash the prompt, read `0.md`, `1.md`, … by name until the first
//   missing one (what the Python original and any reader of the layout must
//   do, minus every check);
// - SQLite: one prepared SELECT of the prompt's samples, in index order;
// - Deno KV: one list of the prompt's sample rows, pieces put back together;
// - Redis: one LRANGE of the prompt's list.
//
// They know the layouts of this checkout only.

import { promptHash } from "../core/model_key.ts";
import { prompt } from "./_library.ts";
import { concatBytes } from "../internal/concat_bytes.ts";

/** A floor, ready to read. */
export interface Floor {
  /** Samples/s of reading `prompts` × `samples` the least costly way. */
  read(prompts: number, samples: number): Promise<number>;
  close(): Promise<void>;
}

const decoder = new TextDecoder();

/** The floor of `kind`'s store at `location` (a folder, a file or a Redis key prefix). */
export async function floorOf(kind: string, location: string, model: string): Promise<Floor> {
  const timed =
    (each: (p: number) => string[] | Promise<string[]>) =>
    async (prompts: number, samples: number) => {
      const start = performance.now();
      for (let p = 0; p < prompts; p++) {
        const got = await each(p);
        if (got.length !== samples) throw new Error(`floor: ${got.length} samples, not ${samples}`);
      }
      return prompts * samples / ((performance.now() - start) / 1000);
    };
  const none = () => Promise.resolve();
  switch (kind) {
    case "fs":
      return {
        read: timed((p) => readFolder(`${location}/${model}/${promptHash(prompt(p))}`)),
        close: none,
      };
    case "sqlite":
      return await sqliteFloor(location, model, timed);
    case "kv":
      return await kvFloor(location, model, timed);
    case "redis":
      return await redisFloor(location, model, timed);
  }
  throw new TypeError(`no floor for ${kind}`);
}

type Timed = (each: (p: number) => string[] | Promise<string[]>) => Floor["read"];

function readFolder(folder: string): string[] {
  const out: string[] = [];
  try {
    for (let i = 0;; i++) out.push(Deno.readTextFileSync(`${folder}/${i}.md`));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return out;
}

async function sqliteFloor(path: string, model: string, timed: Timed): Promise<Floor> {
  const { DatabaseSync } = await import("node:sqlite");
  const db = new DatabaseSync(path, { readOnly: true });
  const select = db.prepare(
    "SELECT sample FROM samples WHERE sequence = " +
      "(SELECT id FROM sequences WHERE model = ? AND hash = ?) ORDER BY idx",
  );
  return {
    read: timed((p) =>
      select.all(model, promptHash(prompt(p))).map((row) => (row as { sample: string }).sample)
    ),
    close: () => Promise.resolve(db.close()),
  };
}

async function kvFloor(path: string, model: string, timed: Timed): Promise<Floor> {
  const kv = await Deno.openKv(path);
  const read = async (p: number) => {
    const out: string[] = [];
    let parts: Uint8Array[] = [];
    let missing = 0;
    const prefix = ["llm-cache", "sample", model, promptHash(prompt(p))];
    for await (const { value } of kv.list({ prefix }, { batchSize: 500 })) {
      if (missing === 0) {
        const head = value as Uint8Array | { head: Uint8Array; chunks: number };
        if (head instanceof Uint8Array) out.push(decoder.decode(head));
        else [parts, missing] = [[head.head], head.chunks - 1];
      } else {
        parts.push(value as Uint8Array);
        if (--missing === 0) out.push(decoder.decode(concatBytes(parts)));
      }
    }
    return out;
  };
  return { read: timed(read), close: () => Promise.resolve(kv.close()) };
}

async function redisFloor(prefix: string, model: string, timed: Timed): Promise<Floor> {
  const { createClient } = await import("redis");
  // As RedisStore connects: no maintenance hand-off (it reads environment variables).
  const client = createClient({ url: Deno.env.get("REDIS_URL")!, maintNotifications: "disabled" });
  await client.connect();
  return {
    read: timed((p) => client.lRange(`${prefix}seq:${model}:${promptHash(prompt(p))}`, 0, -1)),
    close: async () => void await client.quit(),
  };
}
