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

import { localPath } from "./_home_path.ts";
import { assertSequenceKey, modelKeySegments } from "./_key_path.ts";
import { permissionHint } from "./_permission_hint.ts";
import { sha256Hex } from "../core/_sha256.ts";
import type { PromptEntry, SequenceKey, Store } from "./store.ts";
import { decodeUtf8 } from "./_utf8.ts";

export type { PromptEntry, SequenceKey, Store } from "./store.ts";

const ROOT = "llm-cache";
// Deno KV values hold at most 65,536 bytes; an atomic commit at most 819,200.
const CHUNK_BYTES = 65_000;
const CHUNKS_PER_COMMIT = 10;
// Model keys longer than this are hashed to keep KV keys under 2,048 bytes.
const MAX_MODEL_BYTES = 512;
// Indices claimed in one atomic commit (each is one check).
const CLAIMS_PER_COMMIT = 10;
const GET_MANY = 10;
const RETRIES = 12;

/** A sample too big for one KV value: its chunks live under `id`. */
interface Chunked {
  id: string;
  chunks: number;
}

type Stored = Uint8Array | Chunked;

const encoder = new TextEncoder();

/**
 * Sequences in a Deno KV database. Index claims are atomic (a check for a
 * missing key), so several processes can append to one sequence at once;
 * samples over 64 KiB are split into chunks, and `database is locked` errors
 * from concurrent writers are retried with jittered backoff.
 *
 * Layout (keys): `["llm-cache", "sample", model, hash, i]` holds sample `i`
 * as UTF-8 bytes (or a pointer to its chunks at `["llm-cache", "chunk", id,
 * k]`); `["llm-cache", "model", model]` and `["llm-cache", "prompt", model,
 * hash]` list the models and prompts. A model key over 512 bytes is replaced
 * by `#` and its SHA-256 in keys; its full text is kept in the model entry.
 * A long sample's chunks are written before its index is claimed, so a
 * reader never sees part of one; a writer killed in between leaves unused
 * chunks behind, which nothing reads.
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
 * await a.append(key, 0, ["x"], "p");
 * assert.equal((await b.append(key, 0, ["y"], "p")).join(), "x,y");
 * await a.close();
 * await b.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class KvStore implements Store {
  /** `kv:` and the database path (`kv:` alone for Deno's default database). */
  readonly location: string;
  #kv: Deno.Kv;
  // Sequences whose model and prompt this process has listed.
  #listed = new Set<string>();

  private constructor(kv: Deno.Kv, location: string) {
    this.#kv = kv;
    this.location = location;
  }

  /**
   * Opens (or creates) a database.
   *
   * @param path The database file, as a path (a leading `~` is the home
   * folder) or a `file:` URL. Without it, Deno's default database for the
   * current script.
   * @throws {Error} When Deno KV is not enabled (`--unstable-kv`).
   */
  static async open(path?: string | URL): Promise<KvStore> {
    if (typeof Deno.openKv !== "function") {
      throw new Error(
        "KvStore needs Deno KV, which is unstable: run with --unstable-kv " +
          '(or add "unstable": ["kv"] to deno.json)',
      );
    }
    const file = path === undefined ? undefined : localPath(path, "KvStore.open");
    try {
      return new KvStore(await retry(() => Deno.openKv(file)), `kv:${file ?? ""}`);
    } catch (error) {
      const flags = file === undefined
        ? "--allow-read --allow-write"
        : `--allow-read=${file} --allow-write=${file}`;
      throw permissionHint(error, `KvStore opening ${file ?? "the default database"}`, flags);
    }
  }

  /** The samples at index `from` and after, up to the first missing index. */
  async load(key: SequenceKey, from: number): Promise<string[]> {
    return await this.#readFrom(sampleKeyPrefix(key), from);
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
        if (typeof index === "number") out.push(index);
      }
      return out;
    });
  }

  /**
   * Claims the first free indices at or after `from` for `samples`
   * atomically, and returns the samples from `from` up to the last one it
   * stored, other writers' included.
   */
  async append(
    key: SequenceKey,
    from: number,
    samples: readonly string[],
    prompt?: string,
  ): Promise<string[]> {
    const prefix = sampleKeyPrefix(key);
    const listing = await this.#listing(key, prompt);
    const values = await Promise.all(samples.map((s) => this.#encode(s)));
    let i = from;
    let k = 0;
    const out: string[] = [];
    while (k < values.length) {
      const n = Math.min(CLAIMS_PER_COMMIT, values.length - k);
      if (await this.#claim(prefix, i, values.slice(k, k + n), listing)) {
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
      } else if (await this.#claim(prefix, i, [values[k]!], listing)) {
        out.push(samples[k++]!);
        i++;
      }
    }
    if (listing.length === 0) this.#listed.add(listingId(key));
    // Index i was free when this writer claimed i - 1, so `out` is everything
    // stored from `from` on at that moment; later samples come with the next load.
    return out;
  }

  /** Every model key in the database. */
  async *models(): AsyncIterableIterator<string> {
    for await (const entry of this.#kv.list<string>({ prefix: [ROOT, "model"] })) {
      yield entry.value;
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
  async #readFrom(prefix: Deno.KvKey, from: number, limit?: number): Promise<string[]> {
    const stored = await retry(async () => {
      const out: Stored[] = [];
      const entries = this.#kv.list<Stored>(
        { start: [...prefix, from], prefix },
        limit === undefined ? { batchSize: 500 } : { limit, batchSize: limit },
      );
      for await (const entry of entries) {
        if (entry.key.at(-1) !== from + out.length) break;
        out.push(entry.value);
      }
      return out;
    });
    const where = (k: number) => () => this.#where(`the sample at`, [...prefix, from + k]);
    // Most samples fit in one value: decode those without a promise each.
    if (stored.every((v) => v instanceof Uint8Array)) {
      return stored.map((v, k) => decodeUtf8(v, where(k)));
    }
    return await Promise.all(stored.map((v, k) => this.#decode(v, where(k))));
  }

  /**
   * Stores `values` at `at`, `at + 1`, … and the `listing` entries, in one
   * commit; false if any index is taken.
   */
  async #claim(
    prefix: Deno.KvKey,
    at: number,
    values: Stored[],
    listing: [Deno.KvKey, unknown][],
  ): Promise<boolean> {
    const op = this.#kv.atomic();
    for (const [k, value] of values.entries()) {
      const key = [...prefix, at + k];
      op.check({ key, versionstamp: null }).set(key, value);
    }
    for (const [key, value] of listing) op.set(key, value);
    const ok = (await retry(() => op.commit())).ok;
    if (ok) listing.length = 0;
    return ok;
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
      const value = prompt === undefined ? null : await this.#encode(prompt);
      // Losing this race is fine: the winner recorded the prompt.
      await retry(() => this.#kv.atomic().check(existing).set(promptKey, value).commit());
    }
    return listing;
  }

  async #encode(text: string): Promise<Stored> {
    const bytes = encoder.encode(text);
    if (bytes.length <= CHUNK_BYTES) return bytes;
    const id = crypto.randomUUID();
    const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
    // Chunks go in before the index is claimed, so a claimed index is whole.
    for (let c = 0; c < chunks; c += CHUNKS_PER_COMMIT) {
      const op = this.#kv.atomic();
      for (let k = c; k < Math.min(chunks, c + CHUNKS_PER_COMMIT); k++) {
        op.set([ROOT, "chunk", id, k], bytes.subarray(k * CHUNK_BYTES, (k + 1) * CHUNK_BYTES));
      }
      await retry(() => op.commit());
    }
    return { id, chunks };
  }

  /** The text of a stored value; `where` names it in errors. */
  async #decode(value: Stored, where: () => string): Promise<string> {
    if (value instanceof Uint8Array) return decodeUtf8(value, where);
    const keys = Array.from({ length: value.chunks }, (_, k) => [ROOT, "chunk", value.id, k]);
    const parts: Uint8Array[] = [];
    for (let k = 0; k < keys.length; k += GET_MANY) {
      const got = await retry(() => this.#kv.getMany<Uint8Array[]>(keys.slice(k, k + GET_MANY)));
      for (const entry of got) {
        if (entry.value === null) {
          throw new Error(
            `KvStore ${this.location}: chunk ${
              String(entry.key.at(-1))
            } of a long sample is missing ` +
              `(key ${JSON.stringify(entry.key)}); the database was changed outside KvStore`,
          );
        }
        parts.push(entry.value);
      }
    }
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    return decodeUtf8(bytes, where);
  }

  #where(what: string, key: Deno.KvKey): string {
    return `KvStore ${this.location}: ${what} ${JSON.stringify(key)}`;
  }
}

function sampleKeyPrefix(key: SequenceKey): Deno.KvKey {
  assertSequenceKey(key);
  return [ROOT, "sample", modelPart(key.model), key.hash];
}

function listingId(key: SequenceKey): string {
  return `${key.model}\n${key.hash}`;
}

function modelPart(model: string): string {
  if (encoder.encode(model).length <= MAX_MODEL_BYTES) return model;
  return "#" + sha256Hex(model);
}

/** Runs `op` again, after a jittered, growing pause, while the database is locked. */
async function retry<T>(op: () => Promise<T>): Promise<T> {
  for (let attempt = 0;; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= RETRIES || !isLocked(error)) throw error;
      const pause = Math.min(1000, 5 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function isLocked(error: unknown): boolean {
  return error instanceof Error && /database is locked|SQLITE_BUSY/i.test(error.message);
}
