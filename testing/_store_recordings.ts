// A test module's recordings in a store that is not a folder (`kv:`,
// `sqlite:`, `redis://`, a registered kind), one store for every module: the
// module's sequences are kept under model keys that start with its name
// (`_prefixed_store.ts`), so that a run of one module never touches another's.
//
// - replay and record read and write the store through that prefix;
// - refresh draws into memory (`_memory_store.ts`) and, when the module
//   ends, replaces each sequence it drew, whole: deleted, then written again
//   (a reader in between finds it missing, never a mix of old and new);
// - prune deletes what the run did not use.
// Replacing and pruning delete samples, which needs `Store.delete`: a store
// without it can be replayed and recorded, and a refresh or prune of it is
// refused, saying why, before anything is drawn (refresh) or removed.
// Everything here is asynchronous, so it runs after the module's last test
// (`Deno.test.afterAll`), not when the runtime unloads, as a folder's can.

import { LazyStore } from "../cache/lazy_store.ts";
import { openParsed } from "../cache/open_store.ts";
import type { SequenceKey, Store } from "../cache/store.ts";
import { storeKind, type StoreSpec } from "../cache/store_kinds.ts";
import { usageAt } from "../core/usage_records.ts";
import { MemoryStore, type Staged } from "./_memory_store.ts";
import { PrefixedStore } from "./_prefixed_store.ts";
import type { Recorded } from "./_recordings.ts";

/** What a run of the module does with its recordings here. */
export interface StoreUse {
  /** Draws into memory, swapped in when the module ends. */
  readonly refresh: boolean;
  /** Removes what the run did not use when the module ends. */
  readonly prune: boolean;
}

/** A test module's recordings in a store, for one run. */
export class StoreRecordings {
  /** The store and the module's prefix, for messages. */
  readonly where: string;
  /** What the module's fixtures read and write in this run. */
  readonly store: Store;
  readonly #spec: StoreSpec;
  readonly #target: Store;
  readonly #opened: () => Promise<Store>;
  readonly #recordings: PrefixedStore;
  readonly #staging: MemoryStore | undefined;

  /**
   * @param spec The store of every module's recordings.
   * @param module The module's name, its prefix in the store.
   * @param use Whether the run refreshes or prunes (both delete).
   */
  constructor(spec: StoreSpec, module: string, use: StoreUse) {
    this.#spec = spec;
    const now = storeKind(spec.kind).openNow?.(spec);
    const lazy = now === undefined ? new LazyStore(spec, openParsed) : undefined;
    this.#target = now ?? lazy!;
    this.#opened = () => lazy?.opened() ?? Promise.resolve(now!);
    this.#recordings = new PrefixedStore(this.#target, module);
    this.where = this.#recordings.location;
    this.#staging = use.refresh
      ? new MemoryStore(`memory (a refresh of ${this.where})`, () => this.#mayReplace())
      : undefined;
    this.store = this.#staging ?? this.#recordings;
  }

  /** The permission flags a run that writes the store needs. */
  writeFlags(): string {
    return storeKind(this.#spec.kind).permissions(this.#spec, "write").join(" ");
  }

  /**
   * Why samples cannot be deleted from the store (a prune, a refresh), or
   * `undefined` when they can. Opens the store.
   */
  async cannotDelete(): Promise<string | undefined> {
    if ((await this.#opened()).delete !== undefined) return undefined;
    return `the store ${this.#spec.location} cannot delete samples (it has no delete() ` +
      `method, see Store.delete)`;
  }

  /** Every sequence recorded for the module; none when the store does not exist. */
  async recordings(): Promise<Recorded[]> {
    const found: Recorded[] = [];
    for await (const model of this.#recordings.models()) {
      for await (const { hash, prompt } of this.#recordings.prompts(model)) {
        const key = { model, hash };
        const indices = await this.#recordings.indices(key);
        let stored = 0;
        while (indices[stored] === stored) stored++;
        found.push({ model, hash, stored, indices, prompt });
      }
    }
    return found.sort((a, b) => a.model.localeCompare(b.model) || a.hash.localeCompare(b.hash));
  }

  /** Removes the sequence, or only its samples from index `keep` on. */
  async remove(recorded: Recorded, keep: number): Promise<void> {
    await this.#recordings.delete({ model: recorded.model, hash: recorded.hash }, keep);
  }

  /**
   * Replaces each sequence the refresh drew with what it drew, whole.
   *
   * @returns The sequences replaced.
   * @throws {Error} When another writer wrote a sequence while it was being
   * replaced (it holds their samples, not the refresh's).
   */
  async swapIn(): Promise<readonly Staged[]> {
    const staged = this.#staging?.staged ?? [];
    for (const { key, prompt, samples, usage, meta } of staged) {
      await this.#recordings.delete(key);
      const written = await this.#recordings.append(key, {
        from: 0,
        samples,
        prompt,
        usage: usageAt(usage, 0, samples.length),
        meta,
      });
      if (written.some((sample, i) => sample !== samples[i])) throw this.#raced(key);
    }
    return staged;
  }

  /** Closes the store, if it was opened. */
  async close(): Promise<void> {
    await this.#target.close();
  }

  /** Before a refresh draws: the store can be written and can delete, to replace sequences. */
  async #mayReplace(): Promise<void> {
    await this.#target.checkAccess?.("write");
    const why = await this.cannotDelete();
    if (why === undefined) return;
    throw new TypeError(
      `llmFixture cannot refresh the recordings in ${this.where}: ${why}, and a refresh ` +
        `replaces each sequence it draws. Nothing was drawn: record new prompts with ` +
        `--llm-record, or keep the recordings in a store that deletes (a folder, kv:, ` +
        `sqlite:, redis://)`,
    );
  }

  #raced(key: SequenceKey): Error {
    return new Error(
      `another writer wrote ${key.model}/${key.hash} in ${this.where} while the refresh ` +
        `replaced it: it holds their samples; refresh again when nothing else writes there`,
    );
  }
}
