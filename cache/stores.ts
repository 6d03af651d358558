/**
 * Stores, for code that works with them directly: the {@linkcode Store}
 * interface and what a write, a key and a check are
 * ({@linkcode StoreWrite}, {@linkcode SequenceKey}, {@linkcode StoreVerification}),
 * the folder store {@linkcode FsStore}, the table of store kinds (a kind of
 * your own with {@linkcode registerStoreKind}), the model keys stores are
 * filed under ({@linkcode modelKey}) and {@linkcode copyStore}. A notebook
 * needs none of it: `Persistent` and `openStore` (the root module) open a
 * store from one line of text. A new store is tested with
 * `storeConformance` from `./testing`; the usage helpers it needs are on
 * `./accounting`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { promptHash } from "../mod.ts";
 * import { FsStore, modelKey, type SequenceKey } from "./stores.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * const model = modelKey({ alias: "gpt-4o", temperature: 1 });
 * const key: SequenceKey = { model, hash: promptHash("p") };
 * await store.append(key, { from: 0, samples: ["a", "b"], prompt: "p" });
 * assert.deepEqual(await store.load(key, 0), ["a", "b"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { FsStore, type FsStoreOptions } from "./fs_store.ts";
export type {
  ClaimHolder,
  ClaimPart,
  ClaimRecord,
  ClaimRequest,
  PromptEntry,
  SequenceKey,
  Store,
  StoreClaim,
  StoreProblem,
  StoreVerification,
  StoreWrite,
  VerifyOptions,
} from "./store.ts";
export { assertSequenceKey } from "./sequence_key.ts";
export { type ClaimChange, claimIn, type ClaimTable } from "./claims.ts";
export {
  type ParsedSpec,
  registerStoreKind,
  type SpecText,
  type StoreKind,
  storeKinds,
  type StoreOpenOptions,
  type StoreSpec,
} from "./store_kinds.ts";
export {
  type CopyConflict,
  CopyConflictError,
  type CopyOptions,
  type CopyProgress,
  type CopyResult,
  copyStore,
} from "./copy.ts";
export { formatTemperature, modelKey } from "../core/model_key.ts";
