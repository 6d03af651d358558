// A checkout of this library, driven through its public API only: the
// modules its deno.json exports (".", "./kv", "./sqlite", "./redis"). The
// benchmark measures this checkout and, side by side in the same run, any
// other (`--baseline=<folder>`, e.g. a worktree of an older commit), so the
// types below are the part of the API every version has.

import { ALIAS, sample } from "./_shapes.ts";

export { ALIAS, KEY, median, prompt, sample, seconds } from "./_shapes.ts";

/** A model, as every version's `Model` has it. */
export interface LibModel {
  sample(prompt: string, batch?: number): AsyncIterableIterator<string>;
}

/** A store, as every version's `Store` has it (enough to open and close it). */
export interface LibStore {
  close(): Promise<void>;
}

/** What the benchmark uses of a version's root module. */
export interface LibRoot {
  BufferedModel: abstract new (
    name: string,
    temperature: number,
    options?: { maxBatch?: number },
  ) => LibModel;
  Repeatable: new (inner: LibModel) => LibModel;
  Persistent: new (
    inner: LibModel,
    store: string | LibStore,
    options?: { replication?: boolean },
  ) => LibModel;
  FsStore: new (root: string) => LibStore;
  collect(it: AsyncIterableIterator<string>, n: number): Promise<string[]>;
  first(it: AsyncIterableIterator<string>): Promise<string>;
  promptHash(prompt: string): string | Promise<string>;
  /** Present from the version whose providers report usage on (issue 14). */
  figuresOf?: unknown;
}

/** A store class of a subpath: `KvStore.open`, `SqliteStore.open`, `RedisStore.connect`. */
export interface LibStores {
  KvStore?: { open(path: string): Promise<LibStore> };
  SqliteStore?: { open(path: string): Promise<LibStore> };
  RedisStore?: { connect(url: string, options: { prefix: string }): Promise<LibStore> };
}

/** A checkout, its root module loaded. */
export interface Library {
  /** The checkout's folder. */
  readonly root: string;
  /** Its root module (`mod.ts`). */
  readonly mod: LibRoot;
  /** Whether its models report usage (the stores then keep usage records). */
  readonly usage: boolean;
  /** The module of a subpath export, or undefined when this version has none. */
  subpath(name: "./kv" | "./sqlite" | "./redis"): Promise<LibStores | undefined>;
}

/** Loads the checkout in `root` through its deno.json exports. */
export async function openLibrary(root: string): Promise<Library> {
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`));
  const exports: Record<string, string> = config.exports;
  const url = (path: string) => new URL(path, `file://${Deno.realPathSync(root)}/`).href;
  const mod: LibRoot = await import(url(exports["."]!));
  return {
    root,
    mod,
    usage: mod.figuresOf !== undefined,
    subpath: async (name) =>
      exports[name] === undefined ? undefined : await import(url(exports[name])),
  };
}

/**
 * A model of `lib` that draws 1 KB samples at once, with the tokens of each
 * request where the version keeps usage (so its stores hold usage records).
 */
export function kiloModel(lib: Library, maxBatch: number): LibModel {
  const next = new Map<string, number>();
  class Kilo extends lib.mod.BufferedModel {
    protected query(text: string, n: number) {
      const p = Number(text.slice("prompt ".length));
      const start = next.get(text) ?? 0;
      next.set(text, start + n);
      const samples = Array.from({ length: n }, (_, k) => sample(p, start + k));
      const usage = { promptTokens: 12, completionTokens: 256 * n };
      return Promise.resolve(lib.usage ? { samples, usage } : samples);
    }
  }
  return new Kilo(ALIAS, 1, { maxBatch });
}

/** A model of `lib` that must never be asked (a replay). */
export function offlineModel(lib: Library): LibModel {
  class Offline extends lib.mod.BufferedModel {
    protected query(): Promise<string[]> {
      return Promise.reject(new Error("a replay asked the model"));
    }
  }
  return new Offline(ALIAS, 1);
}
