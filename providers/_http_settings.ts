// The HttpOptions checked, with their defaults filled in: everything a client
// needs to send requests, refused at construction when it could never work.

import {
  assertCount,
  assertCountOrInfinity,
  assertLength,
  assertMilliseconds,
  describe,
} from "../internal/validate.ts";
import { apiKeyOption } from "./_api_key.ts";
import type { HttpOptions } from "./http_options.ts";
import type { RetryPolicy } from "./_retry.ts";
import type { SenderSettings } from "./_sender.ts";

/** The default of {@linkcode HttpOptions.maxResponseBytes}: 32 MiB. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/** {@linkcode HttpOptions} after checking, every default applied. */
export interface HttpSettings {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The `apiKey` option, trimmed; undefined when the key comes from the environment. */
  readonly apiKey: string | undefined;
  /** Retries and backoff. */
  readonly policy: RetryPolicy;
  /** Milliseconds one attempt may take. */
  readonly timeout: number;
  /** The most bytes of one response body, or `Infinity`. */
  readonly maxResponseBytes: number;
  /** Requests in flight at once. */
  readonly maxConcurrency: number;
  /** The fetch function. */
  readonly fetch: typeof fetch;
  /** Aborts all work when it aborts. */
  readonly signal: AbortSignal | undefined;
}

/**
 * Checks `options` and fills in the defaults.
 *
 * @param options The provider's options.
 * @param who The model, for messages, e.g. `CloseAI "gpt-4o"`.
 * @param defaultBaseUrl The endpoint when `baseUrl` is not given.
 */
export function httpSettings(
  options: HttpOptions,
  who: string,
  defaultBaseUrl?: string,
): HttpSettings {
  const timeout = options.timeout ?? 600_000;
  const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
  const baseUrl = checkBaseUrl(options.baseUrl ?? defaultBaseUrl, who);
  const apiKey = options.apiKey === undefined ? undefined : apiKeyOption(options.apiKey, who);
  const sending = senderSettings(options, who);
  assertMilliseconds("timeout", timeout, 1, who);
  assertCountOrInfinity("maxResponseBytes", maxResponseBytes, who);
  if (options.fetch !== undefined && typeof options.fetch !== "function") {
    throw new TypeError(
      `${who}: fetch must be a function, got ${describe(options.fetch)}; ` +
        "pass a function with the signature of globalThis.fetch, or leave it out",
    );
  }
  return {
    ...sending,
    baseUrl,
    apiKey,
    timeout,
    maxResponseBytes,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
  };
}

/** The options of how requests are sent whatever the transport: retries, slots, the signal. */
export type SendingOptions = Pick<
  HttpOptions,
  "maxRetries" | "retryDelay" | "maxRetryDelay" | "maxConcurrency" | "signal"
>;

/**
 * Checks the retry, concurrency and signal options and fills in their
 * defaults (4 retries from 1 s, at most 60 s a wait, 8 requests at once).
 */
export function senderSettings(options: SendingOptions, who: string): SenderSettings {
  const { maxRetries = 4, retryDelay = 1000, maxRetryDelay = 60_000 } = options;
  const maxConcurrency = options.maxConcurrency ?? 8;
  assertLength("maxRetries", maxRetries, who);
  assertMilliseconds("retryDelay", retryDelay, 0, who);
  assertMilliseconds("maxRetryDelay", maxRetryDelay, 0, who);
  assertCount("maxConcurrency", maxConcurrency, who);
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new TypeError(
      `${who}: signal must be an AbortSignal, got ${describe(options.signal)}; ` +
        "pass controller.signal of an AbortController",
    );
  }
  return {
    policy: { maxRetries, retryDelay, maxRetryDelay },
    maxConcurrency,
    signal: options.signal,
  };
}

function checkBaseUrl(baseUrl: unknown, who: string): string {
  if (typeof baseUrl !== "string") {
    throw new TypeError(
      `${who}: baseUrl must be a string, got ${describe(baseUrl)}; pass the API root, ` +
        `e.g. "https://api.openai.com/v1"`,
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(
      `${who}: baseUrl ${describe(baseUrl)} is not a URL; pass the API root, ` +
        `e.g. "http://localhost:8000/v1"`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(
      `${who}: baseUrl must use http or https, got ${describe(baseUrl)}; pass the API root, ` +
        `e.g. "https://api.openai.com/v1"`,
    );
  }
  return baseUrl.replace(/\/+$/, "");
}
