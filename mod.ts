/**
 * The LLM cache for Deno: reproducible, faster and cheaper LLM experiments
 * that keep statistical independence honest.
 *
 * One API, `model.sample(prompt, batch)`, yields an endless stream of
 * samples. Decorators change what a call of `sample` means without the
 * calling code having to know:
 *
 * - a provider draws fresh, independent samples;
 * - {@linkcode Repeatable} replays the same sequence on every call;
 * - {@linkcode Independent} continues where the previous call stopped;
 * - {@linkcode Persistent} is `Repeatable` across runs, on disk (the Python
 *   original's layout), in Deno KV (`./kv`) or in Redis (`./redis`).
 *
 * Providers: {@linkcode OpenAICompatible} and its wrappers ({@linkcode AI302},
 * {@linkcode CloseAI}, {@linkcode FireworksAI}, {@linkcode XMCP},
 * {@linkcode OpenAI}), and {@linkcode Ollama}. Displays for the Jupyter kernel
 * come from `./notebooks`, the command line from `./cli`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Independent, Repeatable } from "./mod.ts";
 *
 * class Dice extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(
 *       Array.from({ length: n }, () => String(1 + Math.floor(Math.random() * 6))),
 *     );
 *   }
 * }
 *
 * const model = new Repeatable(new Dice("dice", 1));
 * const a = await first(model.sample("roll"));
 * assert.equal(a, await first(model.sample("roll")));
 * const fresh = new Independent(model);
 * assert.equal(a, await first(fresh.sample("roll")));
 * ```
 *
 * @module
 */

export type { Model } from "./model.ts";
export {
  type DescribedModel,
  identity,
  infoOf,
  type ModelInfo,
  modelInfo,
  stackOf,
} from "./model_info.ts";
export { BufferedModel, type BufferedModelOptions, type ProviderStats } from "./buffered_model.ts";
export { Repeatable } from "./repeatable.ts";
export { Independent } from "./independent.ts";
export { Decorator } from "./decorator.ts";
export { CachedModel, type CacheStats } from "./cached_model.ts";
export { type AsyncSource, collect, first, take } from "./iterators.ts";
export {
  chunk,
  filter,
  find,
  type FindOptions,
  interleave,
  map,
  takeWhile,
  unique,
  zip,
} from "./combinators.ts";
export {
  bootstrapInterval,
  type BootstrapOptions,
  type Interval,
  majority,
  type MajorityOptions,
  type MajorityResult,
  passAtK,
  type VoteCount,
} from "./statistics.ts";
export {
  type Attempt,
  code,
  type FailedAttempt,
  type InferOutput,
  isStandardSchema,
  json,
  LLMOutputError,
  type LLMOutputErrorContext,
  type Match,
  type OutputSpec,
  parse,
  type Parsed,
  ParseError,
  type ParseErrorInit,
  type PassedAttempt,
  queryRetry,
  type QueryRetryOptions,
  repeat,
  sequence,
  type SequenceValues,
  type Spec,
  type StandardSchemaIssue,
  type StandardSchemaProps,
  type StandardSchemaResult,
  type StandardSchemaTypes,
  type StandardSchemaV1,
  tag,
  type Validator,
} from "./structured/mod.ts";
export { formatTemperature, modelKey, promptHash } from "./model_key.ts";
export { Persistent, type PersistentOptions } from "./cache/persistent.ts";
export {
  ReplicationCacheMiss,
  type ReplicationCacheMissDetails,
  type SimilarSequence,
} from "./cache/replication_cache_miss.ts";
export { FsStore } from "./cache/fs_store.ts";
export type { PromptEntry, SequenceKey, Store } from "./cache/store.ts";
export {
  type CopyConflict,
  CopyConflictError,
  type CopyOptions,
  type CopyProgress,
  type CopyResult,
  copyStore,
} from "./cache/copy.ts";
export {
  AI302,
  type Budget,
  BudgetExceededError,
  type BudgetLimit,
  type BudgetOptions,
  CloseAI,
  FireworksAI,
  type GenerationOptions,
  type HttpOptions,
  MissingApiKeyError,
  Ollama,
  type OllamaOptions,
  OpenAI,
  OpenAICompatible,
  type OpenAICompatibleOptions,
  ProviderError,
  type ProviderErrorInit,
  type ProviderOptions,
  XMCP,
} from "./providers/mod.ts";
