// KvStore.delete: the rows of a sequence's samples from an index on, their
// metadata, their usage and (for the whole sequence) its prompt listing,
// removed so that a reader always sees a prefix of what was there: the usage
// is cut first (a sample never keeps a record of another's), then the
// samples go highest index first, each sample's rows with its metadata's in
// one commit, and long values' chunks once nothing points to them.

import { asRecord, recordsBelow } from "../core/usage_records.ts";
import { retry } from "./_kv_commits.ts";
import { type CommitSize, fits, NO_WRITES, plus, sizeOfWrites } from "./_kv_limits.ts";
import { type Chunked, ROOT } from "./_kv_rows.ts";
import type { UsageRecord } from "../core/usage.ts";

/** Where a sequence's rows are: its samples, their metadata, its usage, its prompt listing. */
export interface SequenceRows {
  readonly samples: Deno.KvKey;
  readonly replies: Deno.KvKey;
  readonly usage: Deno.KvKey;
  readonly prompt: Deno.KvKey;
}

/**
 * Removes the samples at index `from` and after (see `Store.delete`); with
 * `from` 0, the prompt listing too.
 */
export async function deleteFrom(kv: Deno.Kv, rows: SequenceRows, from: number): Promise<void> {
  await cutUsage(kv, rows.usage, from);
  const bySample = new Map<number, Deno.KvKey[]>();
  const chunks: Deno.KvKey[] = [];
  await valueRows(kv, rows.samples, from, bySample, chunks);
  await valueRows(kv, rows.replies, from, bySample, chunks);
  const indices = [...bySample.keys()].sort((a, b) => b - a);
  const last = from === 0 ? [rows.prompt] : [];
  await deleteInCommits(kv, [...indices.map((i) => bySample.get(i)!), last]);
  await deleteInCommits(kv, chunks.map((key) => [key]));
}

/**
 * Cuts the usage records down to the samples below `from`, in one commit
 * that checks them (read again when another writer changed one meanwhile).
 */
async function cutUsage(kv: Deno.Kv, prefix: Deno.KvKey, from: number): Promise<void> {
  while (true) {
    const entries = await retry(() => Array.fromAsync(kv.list({ prefix }, { batchSize: 500 })));
    const records = entries.flatMap((e) => {
      const record = asRecord(e.value);
      return record === undefined ? [] : [[e, record] as const];
    });
    const kept = new Map(
      recordsBelow(records.map(([, r]) => r), from).map((r) => [r.from, r] as const),
    );
    const op = kv.atomic();
    for (const [entry, record] of records) {
      if (record.from + record.count <= from) continue;
      op.check(entry);
      const cut: UsageRecord | undefined = kept.get(record.from);
      if (cut === undefined) op.delete(entry.key);
      else op.set(entry.key, cut);
    }
    if ((await retry(() => op.commit())).ok) return;
  }
}

/** Adds the rows of each value under `prefix` at `from` and after to `bySample`, by index, and its chunks to `chunks`. */
async function valueRows(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  from: number,
  bySample: Map<number, Deno.KvKey[]>,
  chunks: Deno.KvKey[],
): Promise<void> {
  const entries = await retry(() =>
    Array.fromAsync(kv.list({ start: [...prefix, from], prefix }, { batchSize: 500 }))
  );
  for (const { key, value } of entries) {
    const index = key[prefix.length];
    if (typeof index !== "number") continue;
    bySample.set(index, [...bySample.get(index) ?? [], key]);
    const pointer = value as Partial<Chunked>;
    if (key.length === prefix.length + 1 && typeof pointer.id === "string" && pointer.id !== "") {
      for (let k = 0; k < (pointer.chunks ?? 0); k++) chunks.push([ROOT, "chunk", pointer.id, k]);
    }
  }
}

/** Deletes each group of keys whole, in order, as few commits as the limits allow. */
async function deleteInCommits(kv: Deno.Kv, groups: readonly Deno.KvKey[][]): Promise<void> {
  let batch: Deno.KvKey[] = [];
  let size: CommitSize = NO_WRITES;
  const commit = async () => {
    if (batch.length === 0) return;
    const keys = batch;
    await retry(async () => {
      const op = kv.atomic();
      for (const key of keys) op.delete(key);
      await op.commit();
    });
    [batch, size] = [[], NO_WRITES];
  };
  for (const group of groups) {
    const more = sizeOfWrites([], group.map((key) => [key, null] as const));
    if (batch.length > 0 && !fits(plus(size, more))) await commit();
    batch.push(...group);
    size = plus(size, more);
  }
  await commit();
}
