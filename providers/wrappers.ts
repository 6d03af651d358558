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

/** Where each ready-made provider is, and how many samples one request may ask for. */
const ENDPOINTS = {
  AI302: {
    baseUrl: "https://api.302.ai/v1",
    keyVariable: "AI302_API_KEY",
    batch: 8,
    limit: Infinity,
  },
  CloseAI: {
    baseUrl: "https://api.openai-proxy.org/v1",
    keyVariable: "CLOSEAI_API_KEY",
    batch: 8,
    limit: Infinity,
  },
  FireworksAI: {
    baseUrl: "https://api.fireworks.ai/inference/v1",
    keyVariable: "FIREWORKS_API_KEY",
    batch: 128,
    limit: 128,
  },
  XMCP: { baseUrl: "https://llm.xmcp.ltd", keyVariable: "XMCP_API_KEY", batch: 8, limit: Infinity },
  // OpenAI's and Fireworks' n go up to 128.
  OpenAI: {
    baseUrl: "https://api.openai.com/v1",
    keyVariable: "OPENAI_API_KEY",
    batch: 128,
    limit: 128,
  },
} as const;

function endpoint(
  provider: keyof typeof ENDPOINTS,
  name: string,
  options: ProviderOptions,
): OpenAICompatibleOptions {
  // Not options: the base class says what to pass.
  if (typeof options !== "object" || options === null) return options;
  const { baseUrl, keyVariable, batch, limit } = ENDPOINTS[provider];
  const maxBatch = options.maxBatch ?? batch;
  if (typeof maxBatch === "number" && maxBatch > limit) {
    throw new RangeError(
      `${provider} "${name}": maxBatch must be at most ${limit}, the most samples one request ` +
        `can ask for (n), got ${maxBatch}; pass a maxBatch from 1 to ${limit} (a larger batch is ` +
        "split into requests of at most maxBatch)",
    );
  }
  return { ...options, baseUrl: options.baseUrl ?? baseUrl, apiKeyVariable: keyVariable, maxBatch };
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
    super(name, temperature, endpoint("AI302", name, options));
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
    super(name, temperature, endpoint("CloseAI", name, options));
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
    super(name, temperature, endpoint("FireworksAI", name, options));
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
    super(name, temperature, endpoint("XMCP", name, options));
  }
}

/**
 * OpenAI (`https://api.openai.com/v1`); the key is read from
 * `OPENAI_API_KEY` at the first request.
 *
 * @example Generation options join the cache key
 * ```ts
 * import assert from "node:assert/strict";
 * import { modelKey } from "../cache/stores.ts";
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
    super(name, temperature, endpoint("OpenAI", name, options));
  }
}
