// Where a refresh of recordings kept in a store (not a folder) draws: this
// process's memory, swapped into the store sequence by sequence when the test
// module ends. A refresh that dies leaves nothing behind to clean up; what it
// drew is given up, as a dead refresh's staging folder is.

import { assertSequenceKey } from "../cache/sequence_key.ts";
import type { PromptEntry, SequenceKey, Store, StoreWrite } from "../cache/store.ts";
import type { UsageRecord } from "../core/usage.ts";
import { recordsOf } from "../core/usage_records.ts";
import { type Reply, type ReplyMeta, replyOf } from "../core/reply.ts";

/** One sequence, as drawn. */
export interface Staged {
  readonly key: SequenceKey;
  prompt: string | undefined;
  readonly samples: string[];
  readonly usage: UsageRecord[];
  /** `meta[i]`: what sample `i`'s reply holds beyond its text. */
  readonly meta: (ReplyMeta | undefined)[];
}

/** Sequences in memory; `before` runs before the first draw (see `checkAccess`). */
export class MemoryStore implements Store {
  readonly location: string;
  readonly #sequences = new Map<string, Staged>();
  readonly #beforeWrites: () => Promise<void>;

  /**
   * @param location What messages call it.
   * @param beforeWrites What `checkAccess("write")` checks: that the drawn
   * samples can be swapped in at the end, before any is paid for.
   */
  constructor(location: string, beforeWrites: () => Promise<void>) {
    this.location = location;
    this.#beforeWrites = beforeWrites;
  }

  /** Every sequence drawn, in the order they were first written. */
  get staged(): readonly Staged[] {
    return [...this.#sequences.values()];
  }

  load(key: SequenceKey, from: number): Promise<string[]> {
    return Promise.resolve(this.#get(key)?.samples.slice(from) ?? []);
  }

  append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const sequence = this.#make(key, write.prompt);
    this.#push(sequence, write);
    return Promise.resolve(sequence.samples.slice(write.from));
  }

  place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    const { from, samples, prompt, usage, meta } = write;
    const sequence = this.#make(key, prompt);
    if (from > sequence.samples.length) {
      return Promise.reject(new RangeError(`${this.location} keeps no gaps`));
    }
    const taken = Math.min(samples.length, sequence.samples.length - from);
    this.#push(sequence, {
      from,
      samples: samples.slice(taken),
      usage: usage?.slice(taken),
      meta: meta?.slice(taken),
    });
    return Promise.resolve(sequence.samples.slice(from, from + samples.length));
  }

  replies(key: SequenceKey, from: number): Promise<Reply[]> {
    const sequence = this.#get(key);
    const texts = sequence?.samples.slice(from) ?? [];
    return Promise.resolve(texts.map((text, k) => replyOf(text, sequence!.meta[from + k])));
  }

  usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    const records = this.#get(key)?.usage ?? [];
    return Promise.resolve(records.filter((r) => r.from + r.count > from));
  }

  async *models(): AsyncIterableIterator<string> {
    yield* new Set(this.staged.map((s) => s.key.model));
  }

  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    for (const { key, prompt } of this.staged) {
      if (key.model === model) yield { hash: key.hash, prompt };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  async checkAccess(mode: "read" | "write"): Promise<void> {
    if (mode === "write") await this.#beforeWrites();
  }

  #push(sequence: Staged, { samples, usage, meta }: StoreWrite): void {
    const at = samples.map((_, k) => sequence.samples.length + k);
    sequence.samples.push(...samples);
    if (usage !== undefined) sequence.usage.push(...recordsOf(at, usage));
    at.forEach((i, k) => sequence.meta[i] = meta?.[k]);
  }

  #get(key: SequenceKey): Staged | undefined {
    assertSequenceKey(key);
    return this.#sequences.get(`${key.model}\n${key.hash}`);
  }

  #make(key: SequenceKey, prompt: string | undefined): Staged {
    let sequence = this.#get(key);
    if (sequence === undefined) {
      sequence = {
        key: { model: key.model, hash: key.hash },
        prompt,
        samples: [],
        usage: [],
        meta: [],
      };
      this.#sequences.set(`${key.model}\n${key.hash}`, sequence);
    }
    sequence.prompt ??= prompt;
    return sequence;
  }
}
