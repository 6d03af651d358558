/**
 * The rows behind `SqliteStore`: a sequence is a row of `sequences` and its
 * samples are rows of `samples`, one per index. Here are the prepared
 * statements, the one transaction an append is, the ids a process may
 * remember, and how text goes in and out of a column exactly (text with a
 * NUL as a BLOB of its UTF-8 bytes; text that is not UTF-8 an error).
 *
 * @module
 */

import type { DatabaseSync } from "node:sqlite";
import { assertSequenceKey, describeKey } from "./sequence_key.ts";
import { type Connection, hasTable, transaction } from "./_sqlite_file.ts";
import type { Usages } from "../core/usage_shares.ts";
import { recordsBelow, recordsOf } from "../core/usage_records.ts";
import type { UsageRecord } from "../core/usage.ts";
import { checkUtf8, decodeUtf8 } from "./_utf8.ts";
import type { PromptEntry, SequenceKey, StoreWrite } from "./store.ts";
import { decodeMeta, encodeMeta, type Reply, replyOf } from "../core/reply.ts";
import { type ClaimChange, decodeClaims, encodeClaims } from "./claims.ts";
import type { ClaimRecord } from "./store.ts";

/** What a claim step does with a sequence's claims (see `ClaimTable`). */
export type ClaimUpdate<T> = (claims: readonly ClaimRecord[], taken: boolean) => ClaimChange<T>;

/** How many prompts one listing query reads. */
export const LIST_PAGE = 500;

/** The prepared statements of one connection. */
function statements(db: DatabaseSync) {
  const sql = (text: string) => db.prepare(text);
  return {
    sequenceId: sql("SELECT id FROM sequences WHERE model = ? AND hash = ?"),
    addSequence: sql(
      "INSERT INTO sequences (model, hash, prompt) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    ),
    setPrompt: sql("UPDATE sequences SET prompt = ? WHERE id = ? AND prompt IS NULL"),
    next: sql("SELECT coalesce(max(idx) + 1, 0) AS next FROM samples WHERE sequence = ?"),
    from: sql("SELECT idx, sample FROM samples WHERE sequence = ? AND idx >= ? ORDER BY idx"),
    range: sql(
      "SELECT idx, sample FROM samples WHERE sequence = ? AND idx >= ? AND idx < ? ORDER BY idx",
    ),
    bytes: sql("SELECT CAST(sample AS BLOB) AS bytes FROM samples WHERE sequence = ? AND idx = ?"),
    insert: sql("INSERT INTO samples (sequence, idx, sample) VALUES (?, ?, ?)"),
    // A sequence whose samples were all deleted keeps its row (its id stays
    // valid for every process that knows it) but is not listed.
    nextModel: sql(
      `SELECT min(model) AS model FROM sequences WHERE model > ? AND ${HAS_SAMPLES}`,
    ),
    prompts: sql(
      `SELECT hash, prompt FROM sequences WHERE model = ? AND hash > ? AND ${HAS_SAMPLES} ` +
        `ORDER BY hash LIMIT ${LIST_PAGE}`,
    ),
    deleteFrom: sql("DELETE FROM samples WHERE sequence = ? AND idx >= ?"),
    promptBytes: sql(
      "SELECT CAST(prompt AS BLOB) AS bytes FROM sequences WHERE model = ? AND hash = ?",
    ),
  };
}

const HAS_SAMPLES = "EXISTS (SELECT 1 FROM samples WHERE samples.sequence = sequences.id)";

/** The statements of the usage table (absent from a file of an older version opened read-only). */
function usageStatements(db: DatabaseSync) {
  const sql = (text: string) => db.prepare(text);
  return {
    insert: sql(
      "INSERT INTO usage (sequence, idx, count, requests, prompt_tokens, completion_tokens, " +
        "latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
    ),
    from: sql(
      "SELECT idx, count, requests, prompt_tokens, completion_tokens, latency_ms FROM usage " +
        "WHERE sequence = ? AND idx + count > ? ORDER BY rowid",
    ),
    deleteAll: sql("DELETE FROM usage WHERE sequence = ?"),
  };
}

/** The statements of the replies table (absent from a file of an older version opened read-only). */
function replyStatements(db: DatabaseSync) {
  const sql = (text: string) => db.prepare(text);
  return {
    insert: sql("INSERT INTO replies (sequence, idx, reply) VALUES (?, ?, ?)"),
    range: sql(
      "SELECT idx, reply FROM replies WHERE sequence = ? AND idx >= ? AND idx < ? ORDER BY idx",
    ),
    deleteFrom: sql("DELETE FROM replies WHERE sequence = ? AND idx >= ?"),
  };
}

/** The statements of the claims table (absent from a file of an older version opened read-only). */
function claimStatements(db: DatabaseSync) {
  const sql = (text: string) => db.prepare(text);
  return {
    of: sql("SELECT claims FROM claims WHERE sequence = ?"),
    set: sql("INSERT OR REPLACE INTO claims (sequence, claims) VALUES (?, ?)"),
    clear: sql("DELETE FROM claims WHERE sequence = ?"),
    taken: sql("SELECT 1 AS taken FROM samples WHERE sequence = ? AND idx = ?"),
  };
}

/** A row of the usage table. */
interface UsageRow {
  idx: number;
  count: number;
  requests: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  latency_ms: number;
}

/** What a text column holds: text, or a BLOB of UTF-8 bytes for text with a NUL. */
type Column = string | Uint8Array;

const encoder = new TextEncoder();

/**
 * The sequences and samples of one open database, read and written
 * synchronously; waiting for locks and explaining failures is the caller's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect, prepareFile } from "./_sqlite_file.ts";
 * import { SqliteTables } from "./_sqlite_tables.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const connection = connect(`${dir}/cache.db`, (error) => error);
 * prepareFile(connection, "cache.db");
 * const tables = new SqliteTables(connection, "sqlite:cache.db");
 * const key = { model: "gpt-4o_1", hash: "ab".repeat(32) };
 * assert.deepEqual(tables.append(key, { from: 0, samples: ["x", "a\0b"], prompt: "p" }), ["x", "a\0b"]);
 * assert.deepEqual(tables.load(key, 1), ["a\0b"]);
 * assert.equal(tables.nextModel(""), "gpt-4o_1");
 * assert.deepEqual(tables.prompts("gpt-4o_1", ""), [{ hash: key.hash, prompt: "p" }]);
 * connection.db.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SqliteTables {
  #db: DatabaseSync;
  #sql: ReturnType<typeof statements>;
  #usage: ReturnType<typeof usageStatements> | undefined;
  #replies: ReturnType<typeof replyStatements> | undefined;
  #claims: ReturnType<typeof claimStatements> | undefined;
  #denied: Error | undefined;
  #location: string;
  // Sequence ids known to be committed; a row, once committed, never changes.
  #ids = new Map<string, number>();
  // Sequences whose prompt this process has recorded (or found recorded).
  #prompted = new Set<string>();

  /**
   * @param connection The open database; appends throw its `denied` error
   * when it was opened read-only.
   * @param location The store's location, for messages.
   */
  constructor(connection: Connection, location: string) {
    this.#db = connection.db;
    this.#sql = statements(connection.db);
    this.#usage = hasTable(connection.db, "usage") ? usageStatements(connection.db) : undefined;
    this.#replies = hasTable(connection.db, "replies") ? replyStatements(connection.db) : undefined;
    this.#claims = hasTable(connection.db, "claims") ? claimStatements(connection.db) : undefined;
    this.#denied = connection.denied;
    this.#location = location;
  }

  /** The samples at index `from` and after, up to the first missing index. */
  load(key: SequenceKey, from: number): string[] {
    const id = this.#id(key);
    return id === undefined ? [] : this.#readFrom(id, key, from);
  }

  /**
   * The replies at index `from` and after, up to the first missing index:
   * each sample's text with its stored metadata, or nothing beyond it (a
   * sample's metadata is committed with it, so a sample read has its own).
   */
  replies(key: SequenceKey, from: number): Reply[] {
    const id = this.#id(key);
    if (id === undefined) return [];
    const texts = this.#readFrom(id, key, from);
    if (this.#replies === undefined || texts.length === 0) return texts.map((t) => replyOf(t));
    const rows = this.#replies.range.all(id, from, from + texts.length) as {
      idx: number;
      reply: string;
    }[];
    const meta = new Map(rows.map((row) => [row.idx, row.reply]));
    return texts.map((text, k) => {
      const stored = meta.get(from + k);
      if (stored === undefined) return replyOf(text);
      const where = `${this.#location}: the reply metadata of sample ${from + k} of ${
        describeKey(key)
      }`;
      return replyOf(text, decodeMeta(stored, where));
    });
  }

  /**
   * The usage records of the sequence's samples that cover index `from` or
   * later, in the order they were stored.
   */
  usage(key: SequenceKey, from: number): UsageRecord[] {
    const id = this.#id(key);
    if (id === undefined || this.#usage === undefined) return [];
    return (this.#usage.from.all(id, from) as unknown as UsageRow[]).map(recordOfRow);
  }

  /**
   * Removes the samples at index `from` and after, and their usage (a
   * record that also covers lower indices is cut down to them), in one
   * transaction. The sequence's row stays, unlisted once it has no samples.
   *
   * @throws {Deno.errors.NotCapable} When the database was opened read-only.
   */
  delete(key: SequenceKey, from: number): void {
    const id = this.#id(key);
    if (id === undefined) return;
    if (this.#denied !== undefined) throw this.#denied;
    const usage = this.#usage;
    transaction(this.#db, () => {
      if (from === 0) this.#claims?.clear.run(id);
      this.#replies?.deleteFrom.run(id, from);
      this.#sql.deleteFrom.run(id, from);
      if (usage === undefined) return;
      // All of them, rewritten in the same order: of two records of an index, the later counts.
      const records = (usage.from.all(id, 0) as unknown as UsageRow[]).map(recordOfRow);
      if (records.every((r) => r.from + r.count <= from)) return;
      usage.deleteAll.run(id);
      insertRecords(usage, id, recordsBelow(records, from));
    });
  }

  /**
   * Stores `samples` (and their usage) after the last stored index in one
   * transaction and returns the samples from `from` on, other writers'
   * included.
   *
   * @throws {RangeError} When `from` lies beyond the stored samples.
   * @throws {Deno.errors.NotCapable} When the database was opened read-only.
   */
  append(key: SequenceKey, write: StoreWrite): string[] {
    const { from, samples, usage, meta } = write;
    return this.#write(key, write, (id) => {
      const next = this.#next(key, id, from, "append");
      const result = from < next ? this.#readFrom(id, key, from) : [];
      const at = samples.map((_, k) => next + k);
      this.#insert(id, at, samples, usage, meta);
      result.push(...samples);
      return result;
    });
  }

  /**
   * Stores `samples[k]` at exactly index `from + k` where that index is free,
   * in one transaction, and returns what each of those indices holds (cache
   * slicing).
   *
   * @throws {RangeError} When `from` lies beyond the stored samples.
   * @throws {Deno.errors.NotCapable} When the database was opened read-only.
   */
  place(key: SequenceKey, write: StoreWrite): string[] {
    const { from, samples, usage, meta } = write;
    return this.#write(key, write, (id) => {
      const next = this.#next(key, id, from, "place");
      // Indices stay contiguous: those below `next` are taken, the others free.
      const held = this.#readFrom(id, key, from, samples.length);
      const placed = samples.slice(held.length);
      const at = placed.map((_, k) => from + held.length + k);
      assertContiguous(at, next);
      this.#insert(id, at, placed, usage?.slice(held.length), meta?.slice(held.length));
      return [...held, ...placed];
    });
  }

  /**
   * The atomic step on a sequence's claims (see `ClaimTable`): in one write
   * transaction, reads its claims and whether index `at` holds a sample,
   * and writes what `change` returns (the sequence's row made first where
   * it is missing; it is listed only once it has samples).
   *
   * @throws {Deno.errors.NotCapable} When the database was opened read-only.
   */
  claims<T>(key: SequenceKey, at: number | undefined, change: ClaimUpdate<T>): T {
    if (this.#denied !== undefined) throw this.#denied;
    // A file opened for writing has the table (see prepareFile).
    const sql = this.#claims!;
    const name = keyName(key);
    const id = this.#id(key);
    let sequence = id;
    const result = transaction(this.#db, () => {
      sequence = id ?? this.#id(key) ?? this.#addSequence(key, undefined);
      const taken = at !== undefined && sql.taken.get(sequence, at) !== undefined;
      const row = sql.of.get(sequence) as { claims: string } | undefined;
      const { claims, result } = change(decodeClaims(row?.claims), taken);
      if (claims !== undefined && claims.length === 0) sql.clear.run(sequence);
      else if (claims !== undefined) sql.set.run(sequence, encodeClaims(claims));
      return result;
    });
    // Known only now that the row is committed: a rolled-back id may be reused.
    this.#ids.set(name, sequence!);
    return result;
  }

  /** The first model key after `after` in code unit order, if any. */
  nextModel(after: string): string | undefined {
    const { model } = this.#sql.nextModel.get(after) as { model: string | null };
    return model ?? undefined;
  }

  /** Up to {@linkcode LIST_PAGE} prompts of `model` after the hash `after`, by hash. */
  prompts(model: string, after: string): PromptEntry[] {
    const rows = this.#sql.prompts.all(model, after) as { hash: string; prompt: Column | null }[];
    return rows.map(({ hash, prompt }) => ({
      hash,
      prompt: prompt === null ? undefined : fromColumn(
        prompt,
        () => this.#sql.promptBytes.get(model, hash)?.bytes as Uint8Array,
        () => `${this.#location}: the prompt of ${describeKey({ model, hash })}`,
      ),
    }));
  }

  /**
   * `work(id)` in one write transaction, the sequence's row (with its
   * prompt) made first where it is missing.
   */
  #write(
    key: SequenceKey,
    { from, samples, prompt }: StoreWrite,
    work: (id: number) => string[],
  ): string[] {
    const id = this.#id(key);
    if (samples.length === 0) return id === undefined ? [] : this.#readFrom(id, key, from);
    if (this.#denied !== undefined) throw this.#denied;
    const name = keyName(key);
    const prompted = this.#prompted.has(name);
    let sequence = id;
    const result = transaction(this.#db, () => {
      // Another process may have listed the sequence since it was looked up.
      sequence = id ?? this.#id(key) ?? this.#addSequence(key, prompt);
      // The first writer's prompt stays; one that was not recorded is filled in.
      if (!prompted && prompt !== undefined) {
        this.#sql.setPrompt.run(toColumn(prompt), sequence);
      }
      return work(sequence);
    });
    // Known only now that the row is committed: a rolled-back id may be reused.
    this.#ids.set(name, sequence!);
    if (prompt !== undefined) this.#prompted.add(name);
    return result;
  }

  /** The index after the last stored one; throws when `from` lies beyond it. */
  #next(key: SequenceKey, id: number, from: number, doing: string): number {
    const { next } = this.#sql.next.get(id) as { next: number };
    if (from > next) {
      throw new RangeError(
        `cannot ${doing} at index ${from} of ${describeKey(key)} in ${this.#location}: ` +
          `only ${next} samples are stored and a sequence has no gaps; ` +
          `${doing} at index ${next} or below`,
      );
    }
    return next;
  }

  /** Inserts `samples` at the free indices `at`, with their usage and metadata. */
  #insert(
    id: number,
    at: readonly number[],
    samples: readonly string[],
    usage: Usages | undefined,
    meta: StoreWrite["meta"],
  ): void {
    for (const [k, sample] of samples.entries()) {
      this.#sql.insert.run(id, at[k]!, toColumn(sample));
    }
    // A file opened for writing has the table (see prepareFile).
    const replies = this.#replies;
    if (meta !== undefined && replies !== undefined) {
      for (const [k, m] of meta.entries()) {
        if (m !== undefined && k < samples.length) replies.insert.run(id, at[k]!, encodeMeta(m));
      }
    }
    if (usage !== undefined && this.#usage !== undefined) {
      insertRecords(this.#usage, id, recordsOf(at, usage));
    }
  }

  /** The id of the sequence, when it is stored. */
  #id(key: SequenceKey): number | undefined {
    assertSequenceKey(key);
    const name = keyName(key);
    const known = this.#ids.get(name);
    if (known !== undefined) return known;
    const row = this.#sql.sequenceId.get(key.model, key.hash) as { id: number } | undefined;
    // Outside this process's own write transaction, a row found is committed.
    if (row !== undefined && !this.#db.isTransaction) this.#ids.set(name, row.id);
    return row?.id;
  }

  #addSequence(key: SequenceKey, prompt: string | undefined): number {
    this.#sql.addSequence.run(key.model, key.hash, prompt === undefined ? null : toColumn(prompt));
    return (this.#sql.sequenceId.get(key.model, key.hash) as { id: number }).id;
  }

  /** Up to `limit` samples from index `from` on, up to the first missing index. */
  #readFrom(id: number, key: SequenceKey, from: number, limit?: number): string[] {
    const rows =
      (limit === undefined
        ? this.#sql.from.all(id, from)
        : this.#sql.range.all(id, from, from + limit)) as { idx: number; sample: Column }[];
    const out: string[] = [];
    // Indices are contiguous unless the file was edited by hand: stop at a gap.
    for (const { idx, sample } of rows) {
      if (idx !== from + out.length) break;
      // Plain text, by far the most common, needs no check (and no closures).
      out.push(
        typeof sample === "string" && !sample.includes("\uFFFD") ? sample : fromColumn(
          sample,
          () => this.#sql.bytes.get(id, idx)?.bytes as Uint8Array,
          () => `${this.#location}: sample ${idx} of ${describeKey(key)}`,
        ),
      );
    }
    return out;
  }
}

/** Inserts usage records of the sequence `id`, in order. */
function insertRecords(
  usage: ReturnType<typeof usageStatements>,
  id: number,
  records: readonly UsageRecord[],
): void {
  for (const r of records) {
    const tokens = [r.promptTokens ?? null, r.completionTokens ?? null];
    usage.insert.run(id, r.from, r.count, r.requests, ...tokens, r.latencyMs);
  }
}

/** A row of the usage table as a record. */
function recordOfRow(row: UsageRow): UsageRecord {
  const { idx, count, requests, latency_ms: latencyMs } = row;
  return row.prompt_tokens === null || row.completion_tokens === null
    ? { from: idx, count, requests, latencyMs }
    : {
      from: idx,
      count,
      requests,
      promptTokens: row.prompt_tokens,
      completionTokens: row.completion_tokens,
      latencyMs,
    };
}

/**
 * `text` as stored: text holding a NUL as a BLOB of its UTF-8 bytes, since
 * SQLite hands text back only up to its first NUL.
 */
function toColumn(text: string): Column {
  return text.includes("\0") ? encoder.encode(text) : text;
}

/**
 * The text a column holds. Text that is not valid UTF-8 reaches JavaScript
 * with U+FFFD in place of the bad bytes, so the rare text holding U+FFFD is
 * checked against its `bytes`, read again only then.
 */
function fromColumn(value: Column, bytes: () => Uint8Array, what: () => string): string {
  return typeof value === "string" ? checkUtf8(value, bytes, what) : decodeUtf8(value, what);
}

/**
 * Checks that `at` starts at `next`: a file edited by hand may hide
 * samples behind a gap, where placing would collide with them.
 */
function assertContiguous(at: readonly number[], next: number): void {
  if (at.length > 0 && at[0]! < next) {
    throw new Error(
      `index ${at[0]} is missing although ${next} samples are stored: the file was edited ` +
        `outside this library`,
    );
  }
}

function keyName(key: SequenceKey): string {
  return `${key.model}\n${key.hash}`;
}
