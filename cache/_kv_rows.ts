// How KvStore lays a sample out in Deno KV rows, and reads it back.
//
// Deno KV keeps its rows in SQLite (4 KiB pages, a WITHOUT ROWID table),
// which stores a row of up to about 1,000 bytes in its b-tree page and gives
// a longer one an overflow page of its own: a 1 KiB sample in one row costs
// 4.8 KiB on disk. So a sample is split into pieces that each fit a row:
// `[…, i]` holds the first, `[…, i, 1]`, `[…, i, 2]`, … the rest, all written
// in the commit that claims index i, so that a reader sees all or nothing.
// A sample over 64 KiB keeps the older layout: its chunks (full overflow
// pages, so no waste) are written first, under an id, and `[…, i]` points to
// them; so does a shorter one whose rows would not fit one commit (under a
// long model key, pieces are short and keys long), since a sample's rows are
// never split between commits.

import { sha256Hex } from "../internal/sha256.ts";
import { assertSequenceKey } from "./sequence_key.ts";
import { retry } from "./_kv_commits.ts";
import { type CommitSize, fits, plus, sizeOfWrites } from "./_kv_limits.ts";
import type { SequenceKey } from "./store.ts";
import { concatBytes } from "../internal/concat_bytes.ts";

export const ROOT = "llm-cache";
// Deno KV values hold at most 65,536 bytes.
export const CHUNK_BYTES = 65_000;
// 650,000 bytes and short keys: well within one commit (see _kv_limits.ts).
const CHUNKS_PER_COMMIT = 10;
const GET_MANY = 10;
// Model keys longer than this are hashed to keep KV keys under 2,048 bytes.
const MAX_MODEL_BYTES = 512;
// What SQLite keeps in the b-tree page, and what a row needs besides the key
// and the piece (the other columns, the record header, a first piece's framing).
const ROW_BYTES = 1000;
const ROW_OVERHEAD = 64;

const encoder = new TextEncoder();

/** A long sample's chunks, under `[ROOT, "chunk", id, k]`. */
export interface Chunked {
  id: string;
  chunks: number;
}

/**
 * The first piece of a sample split over rows. Shaped like a chunk pointer
 * with no chunks (`id` is empty), so that an older KvStore fails on it
 * ("chunk 0 is missing") instead of returning part of the sample.
 */
interface Pieces {
  id: "";
  chunks: number;
  head: Uint8Array;
}

/** What a sample's index row holds. */
export type Stored = Uint8Array | Chunked | Pieces;

/** The key parts of a sequence's samples; throws for a bad key. */
export function sampleKeyPrefix(key: SequenceKey): Deno.KvKey {
  assertSequenceKey(key);
  return [ROOT, "sample", modelPart(key.model), key.hash];
}

/** The key parts of a sequence's reply metadata (one value per sample that has any); throws for a bad key. */
export function replyKeyPrefix(key: SequenceKey): Deno.KvKey {
  assertSequenceKey(key);
  return [ROOT, "reply", modelPart(key.model), key.hash];
}

/** The key parts of a sequence's usage records; throws for a bad key. */
export function usageKeyPrefix(key: SequenceKey): Deno.KvKey {
  assertSequenceKey(key);
  return [ROOT, "usage", modelPart(key.model), key.hash];
}

/** A model key as a key part: hashed when too long. */
export function modelPart(model: string): string {
  if (encoder.encode(model).length <= MAX_MODEL_BYTES) return model;
  return "#" + sha256Hex(model);
}

/** The bytes of a piece that fits a row under `prefix`. */
export function pieceBytes(prefix: Deno.KvKey): number {
  // Deno KV encodes a string part as its bytes and 2 more, a number in 9.
  const key = prefix.reduce<number>((n, part) => n + encoder.encode(String(part)).length + 2, 18);
  return Math.max(256, ROW_BYTES - ROW_OVERHEAD - key);
}

/** The rows of a sample of `bytes` (or chunk pointer) at index `index`. */
export function rowsOf(
  prefix: Deno.KvKey,
  index: number,
  value: Uint8Array | Chunked,
  piece: number,
): [Deno.KvKey, Stored][] {
  const key = [...prefix, index];
  if (!(value instanceof Uint8Array) || value.length <= piece) return [[key, value]];
  const chunks = Math.ceil(value.length / piece);
  // A copy: V8 would serialize a view's whole buffer.
  const rows: [Deno.KvKey, Stored][] = [[key, { id: "", chunks, head: value.slice(0, piece) }]];
  for (let k = 1; k < chunks; k++) {
    rows.push([[...key, k], value.subarray(k * piece, (k + 1) * piece)]);
  }
  return rows;
}

/**
 * Reads the samples of a listing that starts at index `from`, in order, up
 * to the first missing index (or `count` samples): whole values, chunk
 * pointers to fetch, or pieces put back together.
 */
export async function readRows(
  entries: AsyncIterable<Deno.KvEntry<unknown>>,
  prefix: Deno.KvKey,
  from: number,
  count: number,
  where: (key: Deno.KvKey) => string,
): Promise<(Uint8Array | Chunked)[]> {
  const out: (Uint8Array | Chunked)[] = [];
  if (count <= 0) return out;
  for await (const [index, value] of valuesOf(entries, prefix, where, "sample")) {
    if (index !== from + out.length) break;
    out.push(value);
    if (out.length === count) break;
  }
  return out;
}

/**
 * Reads the values of a listing under `prefix` whose indices may have gaps
 * (a sequence's metadata: only samples that have any have a row), by index,
 * up to index `end` (excluded).
 */
export async function readSparseRows(
  entries: AsyncIterable<Deno.KvEntry<unknown>>,
  prefix: Deno.KvKey,
  end: number,
  where: (key: Deno.KvKey) => string,
): Promise<Map<number, Uint8Array | Chunked>> {
  const out = new Map<number, Uint8Array | Chunked>();
  for await (const [index, value] of valuesOf(entries, prefix, where, "metadata")) {
    if (index >= end) break;
    out.set(index, value);
  }
  return out;
}

/**
 * The values of a listing under `prefix`, in key order, with their indices:
 * each whole, its pieces put back together. A listing that stops inside a
 * value (a missing piece) is an error.
 */
async function* valuesOf(
  entries: AsyncIterable<Deno.KvEntry<unknown>>,
  prefix: Deno.KvKey,
  where: (key: Deno.KvKey) => string,
  what: string,
): AsyncGenerator<[number, Uint8Array | Chunked]> {
  let parts: Uint8Array[] = [];
  let missing = 0;
  let head: Deno.KvKey = prefix;
  for await (const { key, value } of entries) {
    if (key.length === prefix.length + 2 && missing > 0) {
      parts.push(value as Uint8Array);
      if (--missing === 0) yield [head.at(-1) as number, concatBytes(parts)];
      continue;
    }
    if (missing > 0) break;
    const index = key.at(-1);
    if (key.length !== prefix.length + 1 || typeof index !== "number") continue;
    head = key;
    const stored = value as Stored;
    if (stored instanceof Uint8Array || stored.id !== "") yield [index, stored];
    else [parts, missing] = [[(stored as Pieces).head], stored.chunks - 1];
  }
  if (missing > 0) {
    throw new Error(
      `${where(head)}: a piece of the ${what} is missing; the database was changed outside KvStore`,
    );
  }
}

/**
 * `text` as a value: its bytes, or, over 64 KiB, a pointer to its chunks,
 * which are written first, so that a claimed index is whole.
 */
export async function encodeText(kv: Deno.Kv, text: string): Promise<Uint8Array | Chunked> {
  const bytes = encoder.encode(text);
  return bytes.length <= CHUNK_BYTES ? bytes : await writeChunks(kv, bytes);
}

/** A sample ready to be claimed: its value, and what its claim takes of a commit. */
export interface Encoded {
  /** Its bytes, or a pointer to its chunks (written already). */
  readonly value: Uint8Array | Chunked;
  /** The check of its index and the rows that hold it. */
  readonly size: CommitSize;
}

/**
 * `text` as a value under `prefix`: its bytes, to be laid out in rows of
 * `piece` bytes, when its rows (and the check of its index, for a sample,
 * `checked`) fit one commit beside `beside` (what else a claim of one sample
 * holds); else a pointer to its chunks, which are written first.
 */
export async function encodeSample(
  kv: Deno.Kv,
  text: string,
  prefix: Deno.KvKey,
  piece: number,
  beside: CommitSize,
  checked = true,
): Promise<Encoded> {
  const bytes = encoder.encode(text);
  if (bytes.length <= CHUNK_BYTES) {
    const size = claimSize(prefix, bytes, piece, checked);
    if (fits(plus(size, beside))) return { value: bytes, size };
  }
  const value = await writeChunks(kv, bytes);
  return { value, size: claimSize(prefix, value, piece, checked) };
}

function claimSize(
  prefix: Deno.KvKey,
  value: Uint8Array | Chunked,
  piece: number,
  checked: boolean,
): CommitSize {
  // Every index is a number: its key takes as many bytes as any other's.
  return sizeOfWrites(checked ? [[...prefix, 0]] : [], rowsOf(prefix, 0, value, piece));
}

/** Writes `bytes` as chunks under a new id, and returns the pointer to them. */
async function writeChunks(kv: Deno.Kv, bytes: Uint8Array): Promise<Chunked> {
  const id = crypto.randomUUID();
  const chunks = Math.ceil(bytes.length / CHUNK_BYTES);
  for (let c = 0; c < chunks; c += CHUNKS_PER_COMMIT) {
    const op = kv.atomic();
    for (let k = c; k < Math.min(chunks, c + CHUNKS_PER_COMMIT); k++) {
      op.set([ROOT, "chunk", id, k], bytes.subarray(k * CHUNK_BYTES, (k + 1) * CHUNK_BYTES));
    }
    await retry(() => op.commit());
  }
  return { id, chunks };
}

/** The bytes of a long sample's chunks; `location` names the database in errors. */
export async function readChunks(kv: Deno.Kv, value: Chunked, location: string) {
  const keys = Array.from({ length: value.chunks }, (_, k) => [ROOT, "chunk", value.id, k]);
  const parts: Uint8Array[] = [];
  for (let k = 0; k < keys.length; k += GET_MANY) {
    const got = await retry(() => kv.getMany<Uint8Array[]>(keys.slice(k, k + GET_MANY)));
    for (const entry of got) {
      if (entry.value === null) {
        throw new Error(
          `KvStore ${location}: chunk ${String(entry.key.at(-1))} of a long sample is missing ` +
            `(key ${JSON.stringify(entry.key)}); the database was changed outside KvStore`,
        );
      }
      parts.push(entry.value);
    }
  }
  return concatBytes(parts);
}
