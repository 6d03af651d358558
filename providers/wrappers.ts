/**
 * Ready-made {@linkcode OpenAICompatible} providers: the base URL and the
 * API-key variable are filled in.
 *
 * @module
 */

import { OpenAICompatible, type OpenAICompatibleOptions } from "./openai_compatible.ts";

/**
 * Options of the ready-made providers: those of
 * {@linkcode OpenAICompatibleOptions} without `apiKeyVariable`; `baseUrl`
 * defaults to the provider's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { OpenAI, type ProviderOptions } from "../mod.ts";
 *
 * const options: ProviderOptions = { maxBatch: 10, seed: 1, timeout: 120_000 };
 * const model = new OpenAI("gpt-4o-mini", 1, options);
 * assert.equal(model.baseUrl, "https://api.openai.com/v1");
 * ```
 */
export type ProviderOptions = Omit<OpenAICompatibleOptions, "apiKeyVariable">;

function endpoint(
  options: ProviderOptions,
  baseUrl: string,
  apiKeyVariable: string,
): OpenAICompatibleOptions {
  return { ...options, baseUrl: options.baseUrl ?? baseUrl, apiKeyVariable };
}

/**
 * 302.ai (`https://api.302.ai/v1`); the key is read from `AI302_API_KEY` at
 * the first request.
 *
 * @example An alias shares one cache between providers
 * ```ts
 * import assert from "node:assert/strict";
 * import { AI302 } from "./wrappers.ts";
 *
 * const model = new AI302("deepseek-v3-huoshan", 0.5, { alias: "deepseek-v3" });
 * assert.equal(model.alias, "deepseek-v3");
 * assert.equal(model.baseUrl, "https://api.302.ai/v1");
 * ```
 */
export class AI302 extends OpenAICompatible {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature.
   * @param options Alias, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: ProviderOptions = {}) {
    super(name, temperature, endpoint(options, "https://api.302.ai/v1", "AI302_API_KEY"));
  }
}

/**
 * CloseAI (`https://api.openai-proxy.org/v1`); the key is read from
 * `CLOSEAI_API_KEY` at the first request.
 *
 * @example The seed's batch example: four requests of 10
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloseAI } from "./wrappers.ts";
 *
 * // Constructing needs no key: a cache replay never reads it.
 * const model = new CloseAI("gpt-4o", 1.0, { maxBatch: 10 });
 * assert(model.maxBatch === 10 && model.keyOptions === undefined);
 * ```
 */
export class CloseAI extends OpenAICompatible {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature.
   * @param options Alias, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: ProviderOptions = {}) {
    super(
      name,
      temperature,
      endpoint(options, "https://api.openai-proxy.org/v1", "CLOSEAI_API_KEY"),
    );
  }
}

/**
 * Fireworks AI (`https://api.fireworks.ai/inference/v1`); the key is read
 * from `FIREWORKS_API_KEY` at the first request.
 *
 * @example A long model name with a short alias
 * ```ts
 * import assert from "node:assert/strict";
 * import { FireworksAI } from "./wrappers.ts";
 *
 * const model = new FireworksAI("accounts/fireworks/models/llama-v3p1-8b-instruct", 1.0, {
 *   alias: "llama-3.1-8b",
 * });
 * assert.equal(model.alias, "llama-3.1-8b");
 * ```
 */
export class FireworksAI extends OpenAICompatible {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature.
   * @param options Alias, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: ProviderOptions = {}) {
    super(
      name,
      temperature,
      endpoint(options, "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
    );
  }
}

/**
 * XMCP (`https://llm.xmcp.ltd`); the key is read from `XMCP_API_KEY` at the
 * first request.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { XMCP } from "./wrappers.ts";
 *
 * const model = new XMCP("gpt-4o", 0);
 * assert.equal(model.baseUrl, "https://llm.xmcp.ltd");
 * ```
 */
export class XMCP extends OpenAICompatible {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature.
   * @param options Alias, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: ProviderOptions = {}) {
    super(name, temperature, endpoint(options, "https://llm.xmcp.ltd", "XMCP_API_KEY"));
  }
}

/**
 * OpenAI (`https://api.openai.com/v1`); the key is read from
 * `OPENAI_API_KEY` at the first request.
 *
 * @example Generation options join the cache key
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "../mod.ts";
 * import { OpenAI } from "./wrappers.ts";
 *
 * const model = new OpenAI("gpt-4o-mini", 1, { seed: 42, maxBatch: 8 });
 * assert(modelKey(model).startsWith("gpt-4o-mini_1+"));
 * ```
 */
export class OpenAI extends OpenAICompatible {
  /**
   * Creates the model; no key is read and nothing is sent until a sample is
   * needed.
   *
   * @param name The model name sent to the server.
   * @param temperature Sampling temperature.
   * @param options Alias, batch limit, retries, generation options, …
   */
  constructor(name: string, temperature: number, options: ProviderOptions = {}) {
    super(name, temperature, endpoint(options, "https://api.openai.com/v1", "OPENAI_API_KEY"));
  }
}
