// The file calls FsStore makes, in two versions with one behaviour: blocking
// (Deno's *Sync calls, on the main thread) and non-blocking (Deno's async
// calls, on its thread pool). A blocking call of a few kilobytes takes
// microseconds, 3–6 times less than the thread pool's round trip; a
// non-blocking one leaves the event loop free meanwhile. FsStore picks one
// version per operation (see `Offload` in fs_store.ts).
//
// Every call turns a missing permission into an error naming the flag and a
// full disk into one that says so. An expected miss costs Deno an error
// (several times a call that finds its file), so the read path of a store
// looks where a listing says there is something, and asks by name only past
// it. No `node:` module: loading Node's compatibility layer would cost more
// than a replay's whole start.

import { permissionHint } from "./_permission_hint.ts";
import { decodeUtf8 } from "./_utf8.ts";

/**
 * Options of `FsStore`.
 *
 * @example A store whose file calls never run on the main thread
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { promptHash } from "../mod.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir, { offload: "always" });
 * const key = { model: "gpt-4o_1", hash: promptHash("p") };
 * assert.deepEqual(await store.append(key, { from: 0, samples: ["92"], prompt: "p" }), ["92"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface FsStoreOptions {
  /**
   * When file calls leave the main thread for Deno's thread pool: `"auto"`
   * while a `Persistent` of this process has a draw in flight (so that its
   * answers are handled as they arrive, and a slow disk never holds them
   * up), `"always"`, or `"never"` (blocking calls take microseconds, 3–6
   * times less than a round trip to the pool, and nothing else waits).
   * @default {"auto"}
   */
  offload?: "auto" | "always" | "never";
}

/** A value now (blocking calls) or later (non-blocking ones). */
export type Maybe<T> = T | Promise<T>;

/** The file calls of one version, with FsStore's error messages. */
export interface FileCalls {
  /** Whether `path` exists (links followed); a miss builds no error when blocking. */
  exists(path: string): Maybe<boolean>;
  /** The entry at `path` itself (links not followed), or undefined when there is none. */
  lstat(path: string): Maybe<Deno.FileInfo | undefined>;
  /** The text of `path`, strictly UTF-8, or undefined when there is none. */
  readText(path: string): Maybe<string | undefined>;
  /** Creates `path` holding `text`; a failed write removes what it left. */
  writeNew(path: string, text: string): Maybe<void>;
  /**
   * Adds `text` at the end of `path` (created when missing) in one write of
   * a file opened for appending, so that writers never mix their lines.
   */
  append(path: string, text: string): Maybe<void>;
  /**
   * Up to `length` bytes of `path` from byte `offset` on (fewer at its end),
   * or undefined when there is no file; read into `into` when it has room
   * (a reader of chunks reuses its last one: a long file then costs one
   * chunk of memory, also while no garbage is collected).
   */
  readFrom(
    path: string,
    offset: number,
    length: number,
    into?: Uint8Array,
  ): Maybe<Uint8Array | undefined>;
  /** Links `existing` to `target`; false when `target` exists. */
  link(existing: string, target: string): Maybe<boolean>;
  /** Renames `from` to `target`, replacing it; false when `from` does not exist. */
  rename(from: string, target: string): Maybe<boolean>;
  /** Removes the file `path`; one already gone is no error (its remover did the work). */
  remove(path: string): Maybe<void>;
  /** Creates the folder `path` (and missing parents); false when something is there. */
  mkdir(path: string): Maybe<boolean>;
  /** The entries of `folder`, or undefined when it does not exist. */
  list(folder: string): Maybe<Deno.DirEntry[] | undefined>;
}

/** Deno's calls of one version, looked up at call time (tests stand in for some). */
interface Primitives {
  exists(path: string): Maybe<boolean>;
  lstat(path: string): Maybe<Deno.FileInfo>;
  readTextFile(path: string): Maybe<string>;
  readFile(path: string): Maybe<Uint8Array>;
  readFrom(path: string, offset: number, length: number, into?: Uint8Array): Maybe<Uint8Array>;
  writeTextFile(path: string, text: string): Maybe<void>;
  appendTextFile(path: string, text: string): Maybe<void>;
  link(existing: string, target: string): Maybe<void>;
  rename(from: string, target: string): Maybe<void>;
  remove(path: string): Maybe<void>;
  mkdir(path: string, options: { recursive: boolean }): Maybe<void>;
  list(folder: string): Maybe<Deno.DirEntry[]>;
}

const BLOCKING: Primitives = {
  // Deno.statSync follows links, as Deno.stat does.
  exists: (path) => {
    try {
      Deno.statSync(path);
      return true;
    } catch (error) {
      return missing(error, false);
    }
  },
  lstat: (path) => Deno.lstatSync(path),
  readTextFile: (path) => Deno.readTextFileSync(path),
  readFile: (path) => Deno.readFileSync(path),
  readFrom: (path, offset, length, into) => {
    using file = Deno.openSync(path);
    file.seekSync(offset, Deno.SeekMode.Start);
    const bytes = room(into, Math.min(length, file.statSync().size - offset));
    let read = 0;
    while (read < bytes.length) {
      const n = file.readSync(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    return bytes.subarray(0, read);
  },
  writeTextFile: (path, text) => Deno.writeTextFileSync(path, text, { createNew: true }),
  appendTextFile: (path, text) => Deno.writeTextFileSync(path, text, { append: true }),
  link: (existing, target) => Deno.linkSync(existing, target),
  rename: (from, target) => Deno.renameSync(from, target),
  remove: (path) => Deno.removeSync(path),
  mkdir: (path, options) => Deno.mkdirSync(path, options),
  list: (folder) => [...Deno.readDirSync(folder)],
};

const NON_BLOCKING: Primitives = {
  // Deno.stat follows links, as existsSync does.
  exists: (path) => Deno.stat(path).then(() => true, (error) => missing(error, false)),
  lstat: (path) => Deno.lstat(path),
  readTextFile: (path) => Deno.readTextFile(path),
  readFile: (path) => Deno.readFile(path),
  readFrom: async (path, offset, length, into) => {
    using file = await Deno.open(path);
    await file.seek(offset, Deno.SeekMode.Start);
    const bytes = room(into, Math.min(length, (await file.stat()).size - offset));
    let read = 0;
    while (read < bytes.length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    return bytes.subarray(0, read);
  },
  writeTextFile: (path, text) => Deno.writeTextFile(path, text, { createNew: true }),
  appendTextFile: (path, text) => Deno.writeTextFile(path, text, { append: true }),
  link: (existing, target) => Deno.link(existing, target),
  rename: (from, target) => Deno.rename(from, target),
  remove: (path) => Deno.remove(path),
  mkdir: (path, options) => Deno.mkdir(path, options),
  list: (folder) => Array.fromAsync(Deno.readDir(folder)),
};

/** `size` bytes (none below 0): of `into` when it has room, else new ones. */
function room(into: Uint8Array | undefined, size: number): Uint8Array {
  const bytes = Math.max(0, size);
  return into !== undefined && into.length >= bytes
    ? into.subarray(0, bytes)
    : new Uint8Array(bytes);
}

/** The blocking and the non-blocking calls of the store in `root`. */
export function fileCalls(root: string): { blocking: FileCalls; nonBlocking: FileCalls } {
  return { blocking: calls(root, BLOCKING), nonBlocking: calls(root, NON_BLOCKING) };
}

function calls(root: string, deno: Primitives): FileCalls {
  // Messages are built only when a call fails.
  const fail = (error: unknown, doing: string, path: string, access: Access): never => {
    throw hint(root, error, `${doing} ${path}`, access);
  };
  const readFailed = (error: unknown, doing: string, path: string) =>
    missing(error, undefined, () => fail(error, doing, path, "read"));
  // A full disk leaves part of the file: remove it, or every later write
  // would find even less room.
  const writeFailed = (error: unknown, path: string): never => {
    if (!(error instanceof Deno.errors.AlreadyExists)) removeQuietly(path);
    return fail(error, "writing", path, "write");
  };
  const readBytes = (path: string) =>
    attempt(() => deno.readFile(path), same, (error) => fail(error, "reading", path, "read"));
  // Bytes are read again only to tell a stored U+FFFD from bytes that are not UTF-8.
  const strict = (text: string, path: string): Maybe<string> =>
    text.includes("\ufffd") ? then(readBytes(path), (bytes) => decodeUtf8(bytes, path)) : text;
  // A sample's read: no closure made on the way (one is made per sample otherwise).
  const readText = (path: string): Maybe<string | undefined> => {
    let text: Maybe<string>;
    try {
      text = deno.readTextFile(path);
    } catch (error) {
      return readFailed(error, "reading", path);
    }
    return text instanceof Promise
      ? text.then((t) => strict(t, path), (error) => readFailed(error, "reading", path))
      : strict(text, path);
  };
  const mkdir = (path: string): Maybe<boolean> =>
    attempt(() => deno.mkdir(path, { recursive: false }), yes, (error) => {
      if (!(error instanceof Deno.errors.NotFound)) return taken(error, path);
      // A parent is missing (the root, the first time): make them, then this one.
      const parent = path.slice(0, path.lastIndexOf("/"));
      return attempt(
        () =>
          then(
            deno.mkdir(parent, { recursive: true }),
            () => deno.mkdir(path, { recursive: false }),
          ),
        yes,
        (error) => taken(error, path),
      );
    });
  const taken = (error: unknown, path: string) =>
    error instanceof Deno.errors.AlreadyExists ? false : fail(error, "creating", path, "write");
  return {
    exists: (path) =>
      attempt(() => deno.exists(path), same, (error) => fail(error, "looking for", path, "read")),
    lstat: (path) =>
      attempt(() => deno.lstat(path), same, (error) => readFailed(error, "looking at", path)),
    readText,
    writeNew: (path, text) =>
      attempt(() => deno.writeTextFile(path, text), same, (error) => writeFailed(error, path)),
    // A failed append leaves the file as it is: its earlier lines stay, and
    // readers skip a torn last one.
    append: (path, text) =>
      attempt(
        () => deno.appendTextFile(path, text),
        same,
        (error) => fail(error, "writing", path, "write"),
      ),
    readFrom: (path, offset, length, into) =>
      attempt(
        () => deno.readFrom(path, offset, length, into),
        same,
        (error) => readFailed(error, "reading", path),
      ),
    link: (existing, target) =>
      attempt(
        () => deno.link(existing, target),
        yes,
        (error) =>
          error instanceof Deno.errors.AlreadyExists
            ? false
            : fail(error, "claiming", target, "write"),
      ),
    rename: (from, target) =>
      attempt(
        () => deno.rename(from, target),
        yes,
        (error) => missing(error, false, () => fail(error, "writing", target, "write")),
      ),
    remove: (path) =>
      attempt(
        () => deno.remove(path),
        same,
        (error) => missing(error, undefined, () => fail(error, "removing", path, "write")),
      ),
    mkdir,
    list: (folder) =>
      attempt(() => deno.list(folder), same, (error) => readFailed(error, "listing", folder)),
  };
}

type Access = "read" | "write";

/**
 * `done(run())`, or `failed(error)` when `run` throws or rejects: at once for
 * a value, later for a promise, so that one piece of code serves both versions.
 */
function attempt<T, R>(
  run: () => Maybe<T>,
  done: (value: T) => Maybe<R>,
  failed: (error: unknown) => Maybe<R>,
): Maybe<R> {
  let value: Maybe<T>;
  try {
    value = run();
  } catch (error) {
    return failed(error);
  }
  return value instanceof Promise ? value.then(done, failed) : done(value);
}

/**
 * Runs every call at once and waits for all of them: what each threw, or
 * undefined where it succeeded (now when every call was blocking).
 */
export function settleAll(calls: (() => Maybe<void>)[]): Maybe<unknown[]> {
  let later = false;
  const results = calls.map((call) => {
    const result = attempt(call, () => undefined, (error) => error ?? new Error(String(error)));
    later ||= result instanceof Promise;
    return result;
  });
  return later ? Promise.all(results) : results as unknown[];
}

/** `run()` as a promise: of its value, now or later, or of what it threw. */
export function settle<T>(run: () => Maybe<T>): Promise<T> {
  try {
    return Promise.resolve(run());
  } catch (error) {
    return Promise.reject(error);
  }
}

/** `next(value)`, now or later. */
export function then<T, R>(value: Maybe<T>, next: (value: T) => Maybe<R>): Maybe<R> {
  return value instanceof Promise ? value.then(next) : next(value);
}

function same<T>(value: T): T {
  return value;
}

function yes(): boolean {
  return true;
}

/** `value` when `error` says the path does not exist; else `other()`, or the error. */
function missing<T>(error: unknown, value: T, other?: () => T): T {
  if (error instanceof Deno.errors.NotFound) return value;
  if (other !== undefined) return other();
  throw error;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // Never created, or already gone: the failed write is the news.
  }
}

/** `error` with what FsStore was doing, a full disk or the missing flag spelled out. */
export function hint(root: string, error: unknown, doing: string, access: Access): unknown {
  if (isDiskFull(error)) {
    return new Error(
      `FsStore ${doing}: no space left on the disk that holds ${root} ` +
        `(${error.message}): free some space or move the cache; the samples stored ` +
        `before are intact`,
      { cause: error },
    );
  }
  const flags = access === "read"
    ? `--allow-read=${root}`
    : `--allow-read=${root} --allow-write=${root}`;
  return permissionHint(error, `FsStore ${doing}`, flags);
}

/** Whether `error` says the disk (or the user's quota on it) is full. */
function isDiskFull(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && (code === "ENOSPC" || code === "EDQUOT");
}
