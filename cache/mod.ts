/**
 * Caches that survive the process: `Persistent` over a store. The filesystem
 * store (`FsStore`, the Python original's layout) is here; Deno KV, Redis and
 * SQLite stores live on their own subpaths (`./kv`, `./redis`, `./sqlite`),
 * so that importing this module needs neither unstable APIs nor the Redis
 * client. `openStore` opens any of them from one line of text, as the table
 * of store kinds says (`registerStoreKind` adds a store of your own), and
 * `copyStore` copies between them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first } from "../core/mod.ts";
 * import { Persistent } from "./mod.ts";
 *
 * class Constant extends BufferedModel {
 *   protected query(): Promise<string[]> {
 *     return Promise.resolve(["92"]);
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * assert.equal(await first(new Persistent(new Constant("gpt-4o", 1), dir).sample("p")), "92");
 * const replay = new Persistent(new Constant("gpt-4o", 1), dir, { replication: true });
 * assert.equal(await first(replay.sample("p")), "92");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { Persistent, type PersistentOptions } from "./persistent.ts";
export {
  type ClosestPrompt,
  ReplicationCacheMiss,
  type ReplicationCacheMissDetails,
  type SimilarSequence,
} from "./replication_cache_miss.ts";
export * from "./stores.ts";
export { openStore } from "./open_store.ts";
export {
  formatManifest,
  type Manifest,
  manifest,
  type ManifestModel,
  type ManifestSaving,
  type ManifestSequence,
  type ManifestSpending,
  type ManifestTotals,
  parseManifest,
  readManifest,
  writeManifest,
} from "./manifest.ts";
