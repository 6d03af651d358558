/**
 * What one Deno KV atomic commit may hold, and what a commit's checks and
 * writes take of it, so that `KvStore` splits its writes into commits that
 * Deno accepts.
 *
 * The limits are those Deno 2.9 enforces in `op_kv_atomic_write` (measured
 * against the runtime in tests/cache/kv_store_limits_test.ts, one byte on either
 * side of each):
 * - a key encodes to at most 2,048 bytes, a value to at most 65,536 (a
 *   `Uint8Array` as its bytes, anything else V8-serialized);
 * - at most 100 checks and 1,000 mutations;
 * - the keys of the sets add up to at most 81,920 bytes (checked and deleted
 *   keys are not counted);
 * - the "total mutation size" is at most 819,200 bytes: each checked key
 *   once, each set's key twice, plus its value.
 *
 * @module
 */

/** What a commit takes of each of Deno KV's limits. */
export interface CommitSize {
  /** Checks. */
  readonly checks: number;
  /** Mutations (sets). */
  readonly mutations: number;
  /** The encoded bytes of the keys set. */
  readonly keyBytes: number;
  /** The total mutation size, as Deno KV counts it. */
  readonly bytes: number;
}

/**
 * The most one atomic commit may take.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { KV_LIMITS } from "./_kv_limits.ts";
 *
 * assert.equal(KV_LIMITS.bytes, 800 * 1024);
 * ```
 */
export const KV_LIMITS: CommitSize = {
  checks: 100,
  mutations: 1000,
  keyBytes: 80 * 1024,
  bytes: 800 * 1024,
};

/** A commit with nothing in it. */
export const NO_WRITES: CommitSize = { checks: 0, mutations: 0, keyBytes: 0, bytes: 0 };

/**
 * What checking that `checks` are missing and setting `sets` takes of a
 * commit; a value's size is exact for bytes, an upper bound for others.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeOfWrites } from "./_kv_limits.ts";
 *
 * // ["a", 1] encodes to 3 + 9 bytes; a set counts its key twice.
 * const size = sizeOfWrites([["a", 1]], [[["a", 1], new Uint8Array(100)]]);
 * assert.deepEqual(size, { checks: 1, mutations: 1, keyBytes: 12, bytes: 12 + 24 + 100 });
 * ```
 */
export function sizeOfWrites(
  checks: readonly Deno.KvKey[],
  sets: readonly (readonly [Deno.KvKey, unknown])[],
): CommitSize {
  let [keyBytes, bytes] = [0, 0];
  for (const key of checks) bytes += encodedKeyBytes(key);
  for (const [key, value] of sets) {
    const length = encodedKeyBytes(key);
    keyBytes += length;
    bytes += 2 * length + valueBytes(value);
  }
  return { checks: checks.length, mutations: sets.length, keyBytes, bytes };
}

/**
 * `a` and `b` in one commit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { NO_WRITES, plus, sizeOfWrites } from "./_kv_limits.ts";
 *
 * const one = sizeOfWrites([["a"]], []);
 * assert.deepEqual(plus(one, NO_WRITES), one);
 * assert.equal(plus(one, one).checks, 2);
 * ```
 */
export function plus(a: CommitSize, b: CommitSize): CommitSize {
  return {
    checks: a.checks + b.checks,
    mutations: a.mutations + b.mutations,
    keyBytes: a.keyBytes + b.keyBytes,
    bytes: a.bytes + b.bytes,
  };
}

/**
 * Whether a commit of `size` is within every limit of {@linkcode KV_LIMITS}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fits, KV_LIMITS, plus, sizeOfWrites } from "./_kv_limits.ts";
 *
 * assert.ok(fits(KV_LIMITS));
 * assert.ok(!fits(plus(KV_LIMITS, sizeOfWrites([["a"]], []))));
 * ```
 */
export function fits(size: CommitSize): boolean {
  return size.checks <= KV_LIMITS.checks && size.mutations <= KV_LIMITS.mutations &&
    size.keyBytes <= KV_LIMITS.keyBytes && size.bytes <= KV_LIMITS.bytes;
}

/**
 * The bytes of `key` as Deno KV encodes it (a tuple encoding: a string or
 * bytes part is a type byte, its bytes with each 0 doubled, and a 0; a
 * number is 9 bytes).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodedKeyBytes } from "./_kv_limits.ts";
 *
 * assert.equal(encodedKeyBytes(["llm-cache", 7]), 11 + 9);
 * assert.equal(encodedKeyBytes(["é\0"]), 2 + 2 + 2);
 * ```
 */
export function encodedKeyBytes(key: Deno.KvKey): number {
  let bytes = 0;
  for (const part of key) {
    if (typeof part === "string") bytes += 2 + stringBytes(part);
    else if (part instanceof Uint8Array) bytes += 2 + withZerosDoubled(part);
    else if (typeof part === "number") bytes += 9;
    else if (typeof part === "bigint") {
      // A type byte, a length byte and the magnitude's bytes at most.
      bytes += 2 + Math.ceil((part < 0n ? -part : part).toString(16).length / 2);
    } else bytes += 1;
  }
  return bytes;
}

/**
 * The bytes Deno KV counts for `value`: a `Uint8Array`'s length, or an upper
 * bound of V8's serialization of the values `KvStore` writes (strings,
 * numbers, null, bytes, and plain objects and arrays of those).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { valueBytes } from "./_kv_limits.ts";
 *
 * assert.equal(valueBytes(new Uint8Array(10)), 10);
 * assert.ok(valueBytes("abc") >= 7); // what V8 makes of it
 * ```
 */
export function valueBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length;
  // V8's header: a version tag and its number.
  return 3 + serialized(value);
}

/** An upper bound of the bytes V8 serializes `value` to (header aside). */
function serialized(value: unknown): number {
  // A tag, a length of up to 5 bytes, and two bytes a UTF-16 unit at most.
  if (typeof value === "string") return 7 + 2 * value.length;
  // A tag and a double.
  if (typeof value === "number") return 9;
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  // The whole buffer (a tag, a length, the bytes), then the view (tags,
  // offset, length, flags).
  if (value instanceof Uint8Array) return 24 + value.buffer.byteLength;
  if (typeof value === "object") {
    // A tag, each entry, an end tag and a count.
    let bytes = 7;
    for (const [name, item] of Object.entries(value)) bytes += serialized(name) + serialized(item);
    return bytes;
  }
  throw new TypeError(`KvStore writes no ${typeof value} values`);
}

/**
 * The UTF-8 bytes of `text` with each 0 doubled, counted without encoding it
 * (every key of every commit is sized: this is 20 times faster): a unit up
 * to U+007F takes 1 byte, up to U+07FF 2, a surrogate pair 4, any other 3
 * (a lone surrogate becomes U+FFFD).
 */
function stringBytes(text: string): number {
  let bytes = text.length;
  for (let k = 0; k < text.length; k++) {
    const unit = text.charCodeAt(k);
    if (unit === 0) bytes++;
    else if (unit < 0x80) continue;
    else if (unit < 0x800) bytes += 1;
    else if (unit < 0xd800 || unit > 0xdbff || !isLowSurrogate(text.charCodeAt(k + 1))) bytes += 2;
    else [bytes, k] = [bytes + 2, k + 1];
  }
  return bytes;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}

function withZerosDoubled(bytes: Uint8Array): number {
  let length = bytes.length;
  for (let at = bytes.indexOf(0); at !== -1; at = bytes.indexOf(0, at + 1)) length++;
  return length;
}
