/**
 * `HttpOptions`: how an HTTP provider talks to its server (endpoint, key,
 * retries, time and size limits, concurrency).
 *
 * @module
 */

/**
 * Connection options shared by every HTTP provider. Durations are
 * milliseconds.
 *
 * @example A patient client for a slow local server
 * ```ts
 * import assert from "node:assert/strict";
 * import { OpenAICompatible } from "../mod.ts";
 * import type { HttpOptions } from "../providers/http.ts";
 *
 * const options: HttpOptions = {
 *   baseUrl: "http://localhost:8000/v1",
 *   timeout: 30 * 60_000,
 *   maxRetries: 8,
 *   maxConcurrency: 2,
 * };
 * const model = new OpenAICompatible("llama3", 0.7, options);
 * assert.equal(model.maxConcurrency, 2);
 * assert.throws(() => new OpenAICompatible("llama3", 0.7, { ...options, timeout: -1 }), RangeError);
 * ```
 */
export interface HttpOptions {
  /**
   * The API's base URL; requests go to paths below it.
   * @default {the provider's public endpoint}
   */
  baseUrl?: string;
  /**
   * The API key. Without it, the provider's key variable (e.g.
   * `CLOSEAI_API_KEY`) is read when the first request is sent, never earlier.
   * It is sent only in the API's auth header (`Authorization: Bearer`,
   * Anthropic's `x-api-key`, Gemini's `x-goog-api-key`) and never shown.
   * @default {the key variable's value}
   */
  apiKey?: string;
  /**
   * Retries of a request that failed with 429, 5xx, a timeout or a network
   * error. Other errors are never retried.
   * @default {4}
   */
  maxRetries?: number;
  /**
   * The first backoff delay in ms; it doubles with every retry, with jitter.
   * A server's `Retry-After` takes precedence.
   * @default {1000}
   */
  retryDelay?: number;
  /**
   * The longest wait in ms before one retry, whatever the server asks for.
   * @default {60000}
   */
  maxRetryDelay?: number;
  /**
   * How long one attempt may take in ms, the whole response included.
   * @default {600000}
   */
  timeout?: number;
  /**
   * The most bytes of one response body (error bodies and streams included),
   * counted after decompression. Past it, reading stops and a
   * {@linkcode ProviderError} with code `response_too_large` is thrown, not
   * retried: a server that answers without end cannot fill the memory.
   * `Infinity` lifts the cap.
   * @default {33554432 (32 MiB)}
   */
  maxResponseBytes?: number;
  /**
   * Requests in flight at once for this model; others wait in its queue. A
   * 429 pauses the whole queue.
   * @default {8}
   */
  maxConcurrency?: number;
  /**
   * The fetch function to use (tests, proxies, custom TLS).
   * @default {globalThis.fetch}
   */
  fetch?: typeof fetch;
  /**
   * Aborting it stops all work: queued requests, backoff waits and requests
   * in flight reject with the signal's reason.
   * @default {undefined}
   */
  signal?: AbortSignal;
}
