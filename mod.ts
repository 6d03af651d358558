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
 * {@linkcode OpenAI}), {@linkcode Ollama}, {@linkcode Anthropic} and
 * {@linkcode Gemini}, on one base for HTTP APIs ({@linkcode HttpProvider});
 * every AI SDK model through `./ai-sdk`. Displays for the Jupyter kernel
 * come from `./notebooks`, the command line from `./cli`.
 *
 * This module carries what a notebook or an experiment imports on day one.
 * The rest lives on the subpath of the code that uses it: `./accounting`
 * (figures, costs, usage, the `modelInfo` protocol), `./manifest` (run
 * manifests), `./stores` (the `Store` interface, `FsStore`, store kinds,
 * `copyStore`), `./engine` (decorators and caches of your own), `./http` (the
 * base for HTTP APIs, budgets), `./kv`, `./redis`, `./sqlite`, `./testing`,
 * `./ai-sdk`, `./notebooks` and `./cli`.
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

// Models and the decorators that make sampling repeatable or independent.
export {
  BufferedModel,
  type BufferedModelOptions,
  type CacheStats,
  Independent,
  type Model,
  Repeatable,
} from "./core/mod.ts";
// Reading streams of samples: the iterator helpers and the combinators.
export {
  chunk,
  collect,
  filter,
  find,
  type FindOptions,
  first,
  interleave,
  map,
  take,
  takeWhile,
  unique,
  zip,
} from "./core/mod.ts";
// Prompts, chats and replies (a prompt's hash names its folder in a cache).
export {
  type Chat,
  type ImagePart,
  type Message,
  messageOf,
  type Part,
  type Prompt,
  promptHash,
  promptText,
  repliesOf,
  type Reply,
  type ReplyMeta,
  type TextPart,
  type Tool,
  type ToolCall,
} from "./core/mod.ts";
// Caches across runs, opened from one line of text, and the miss a replay reports.
export {
  type ClosestPrompt,
  openStore,
  Persistent,
  type PersistentOptions,
  ReplicationCacheMiss,
  type ReplicationCacheMissDetails,
  type SimilarSequence,
} from "./cache/mod.ts";
// Ready-made providers, their options and the errors a caller catches.
export {
  AI302,
  Anthropic,
  BudgetExceededError,
  CloseAI,
  FireworksAI,
  Gemini,
  type GenerationOptions,
  MissingApiKeyError,
  Ollama,
  type OllamaOptions,
  OpenAI,
  OpenAICompatible,
  type OpenAICompatibleOptions,
  ProviderError,
  type ProviderOptions,
  XMCP,
} from "./providers/mod.ts";
// Structured output and statistics over samples.
export * from "./structured/mod.ts";
export * from "./analysis/mod.ts";

// Named at the root by earlier rounds, and imported from it by code outside
// the project: a run's manifest, copying a slice, the folder store and the
// Store interface, a decorator of one's own and how a model describes itself.
// Their subpaths (`./manifest`, `./stores`, `./engine`, `./accounting`) hold
// the rest of each topic.
export { copyStore, FsStore, manifest, type Store, writeManifest } from "./cache/mod.ts";
export { Decorator, infoOf, modelInfo, stackOf } from "./core/mod.ts";
