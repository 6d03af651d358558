// One test module's recordings in a store that holds every module's (a `kv:`
// or `sqlite:` file, a Redis prefix): its sequences are kept under model keys
// that start with the module's name, `tests/chat_test.ts/gpt-4o_0`, as a
// folder keeps them under `<dir>/tests/chat_test.ts/gpt-4o_0/`. The fixture
// sees the module's own model keys, without the prefix.

import type {
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreWrite,
} from "../cache/store.ts";
import type { UsageRecord } from "../core/usage.ts";
import type { Reply } from "../core/reply.ts";

/** The sequences of `store` whose model keys start with `<module>/`, seen without it. */
export class PrefixedStore implements Store {
  /** The store, and the module's part of it. */
  readonly location: string;
  readonly #store: Store;
  readonly #prefix: string;

  /**
   * @param store The store of every module's recordings.
   * @param module The module's name: its model keys start with `<module>/`.
   */
  constructor(store: Store, module: string) {
    this.#store = store;
    this.#prefix = `${module}/`;
    this.location = `${store.location}, under ${this.#prefix}`;
  }

  load(key: SequenceKey, from: number): Promise<string[]> {
    return this.#store.load(this.#key(key), from);
  }

  append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    return this.#store.append(this.#key(key), write);
  }

  place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    if (this.#store.place === undefined) {
      return Promise.reject(
        new TypeError(
          `cache slicing: the store ${this.#store.location} cannot keep a slice: it has no ` +
            `place() method (see Store.place)`,
        ),
      );
    }
    return this.#store.place(this.#key(key), write);
  }

  /** The replies of the store, when it keeps them (see `Store.replies`). */
  get replies(): ((key: SequenceKey, from: number) => Promise<Reply[]>) | undefined {
    const store = this.#store;
    if (store.replies === undefined) return undefined;
    return (key, from) => store.replies!(this.#key(key), from);
  }

  /** The claims of the store, when it claims (see `Store.claim`). */
  get claim(): ((key: SequenceKey, request: ClaimRequest) => Promise<StoreClaim>) | undefined {
    const store = this.#store;
    if (store.claim === undefined) return undefined;
    return (key, request) => store.claim!(this.#key(key), request);
  }

  async usage(key: SequenceKey, from?: number): Promise<UsageRecord[]> {
    return await this.#store.usage?.(this.#key(key), from) ?? [];
  }

  async indices(key: SequenceKey): Promise<number[]> {
    const inner = this.#key(key);
    return await this.#store.indices?.(inner) ??
      (await this.#store.load(inner, 0)).map((_, i) => i);
  }

  async delete(key: SequenceKey, from?: number): Promise<void> {
    if (this.#store.delete === undefined) {
      throw new TypeError(`the store ${this.#store.location} cannot delete samples`);
    }
    await this.#store.delete(this.#key(key), from);
  }

  async *models(): AsyncIterableIterator<string> {
    for await (const model of this.#store.models()) {
      if (model.startsWith(this.#prefix)) yield model.slice(this.#prefix.length);
    }
  }

  prompts(model: string): AsyncIterableIterator<PromptEntry> {
    return this.#store.prompts(this.#prefix + model);
  }

  close(): Promise<void> {
    return this.#store.close();
  }

  async checkAccess(mode: "read" | "write"): Promise<void> {
    await this.#store.checkAccess?.(mode);
  }

  #key(key: SequenceKey): SequenceKey {
    return { model: this.#prefix + key.model, hash: key.hash };
  }
}
