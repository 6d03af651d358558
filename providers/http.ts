/**
 * The base for HTTP models: {@linkcode HttpProvider} and the
 * {@linkcode HttpApi} a new API describes itself with (its request body, its
 * answers, its failures), the transport options every provider takes
 * ({@linkcode HttpOptions}: timeouts, retries, concurrency) and budgets
 * ({@linkcode Budget}; past one, providers throw `BudgetExceededError`, which
 * the root module exports). Using a provider needs none of it: the
 * ready-made ones are on the root module.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Anthropic, BudgetExceededError } from "../mod.ts";
 * import { type HttpProviderOptions, HttpProvider } from "./http.ts";
 *
 * const options: HttpProviderOptions = { maxConcurrency: 4, budget: { requests: 0 } };
 * const model = new Anthropic("claude-haiku-4-5", 1, { ...options, apiKey: "k" });
 * assert.ok(model instanceof HttpProvider);
 * await assert.rejects(model.sample("p").next(), BudgetExceededError);
 * ```
 *
 * @module
 */

export { HttpProvider, type HttpProviderOptions, type HttpProviderStats } from "./http_provider.ts";
export type {
  ApiAnswer,
  ApiCall,
  ApiFailure,
  ApiResponse,
  ApiTokens,
  HttpApi,
} from "./http_api.ts";
export type { HttpOptions } from "./http_options.ts";
export type { ProviderErrorInit } from "./provider_error.ts";
export type { Budget, BudgetLimit, BudgetOptions } from "./budget.ts";
