/**
 * Providers: OpenAI-compatible HTTP models, ready-made wrappers for common
 * endpoints, Ollama's native API, Anthropic's Messages API and the Gemini
 * API, all on one base ({@linkcode HttpProvider}) that a new API plugs into.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI, ProviderError } from "./mod.ts";
 *
 * const model = new CloseAI("gpt-4o", 1.0, { maxBatch: 10 });
 * assert.equal(model.maxConcurrency, 8);
 * assert.equal(new ProviderError({ status: 500, providerMessage: "oops" }).status, 500);
 * ```
 *
 * @module
 */

export { OpenAICompatible, type OpenAICompatibleOptions } from "./openai_compatible.ts";
export { AI302, CloseAI, FireworksAI, OpenAI, type ProviderOptions, XMCP } from "./wrappers.ts";
export { Ollama, type OllamaOptions } from "./ollama.ts";
export { Anthropic } from "./anthropic.ts";
export { Gemini } from "./gemini.ts";
export * from "./http.ts";
export { ProviderError } from "./provider_error.ts";
export { MissingApiKeyError } from "./missing_api_key_error.ts";
export { BudgetExceededError } from "./budget.ts";
export type { GenerationOptions } from "./generation.ts";
