// One provider's HTTP side: the API key, the request queue, timeouts, retries
// with backoff, a cap on response size, and turning every failure into an
// error that says what to do (and never shows the key).

import { deadline, sleep } from "./_abortable.ts";
import { assertApiKey, isPermissionError, readApiKey } from "./_api_key.ts";
import { Limiter } from "./_limiter.ts";
import { errorFields, ProviderError, type ProviderErrorInit } from "./provider_error.ts";
import { type Redact, redactor } from "./_redact.ts";
import { retryHint, type RetryPolicy, retryWait } from "./_retry.ts";
import { assertLength, describe } from "../core/_validate.ts";

/** Connection options shared by every HTTP provider. Durations are milliseconds. */
export interface HttpOptions {
  /**
   * The API's base URL; requests go to paths below it.
   * @default {the provider's public endpoint}
   */
  baseUrl?: string;
  /**
   * The API key. Without it, the provider's key variable (e.g.
   * `CLOSEAI_API_KEY`) is read when the first request is sent, never earlier.
   * It is sent only in the `Authorization` header and never shown.
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

/** The default of {@linkcode HttpOptions.maxResponseBytes}: 32 MiB. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

/**
 * A response body, read within `maxResponseBytes`: past it, reading stops,
 * the connection is closed and a `response_too_large`
 * {@linkcode ProviderError} is thrown.
 */
export interface ResponseBody {
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
  /** The body's bytes as they arrive (after decompression). */
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * Reads a successful response from `body` (never from `response.body`,
 * which is not capped); may throw a {@linkcode ProviderError}.
 */
export type ReadResponse<T> = (response: Response, body: ResponseBody) => Promise<T>;

/** What the client needs from its model. */
export interface ClientContext {
  /** Who is asking, for messages, e.g. `CloseAI "gpt-4o"`. */
  label: string;
  /** The public endpoint when `baseUrl` is not given. */
  defaultBaseUrl?: string | undefined;
  /** The environment variable holding the key, if the provider needs one. */
  keyVariable?: string | undefined;
  /** Called before each retry. */
  onRetry(): void;
}

/** Sends one model's requests. */
export class HttpClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  #context: ClientContext;
  #apiKey: string | undefined;
  #redact: Redact = redactor(undefined);
  #policy: RetryPolicy;
  #timeout: number;
  #maxResponseBytes: number;
  #limiter: Limiter;
  #fetch: typeof fetch;
  #signal: AbortSignal | undefined;

  constructor(options: HttpOptions, context: ClientContext) {
    this.#context = context;
    this.baseUrl = checkBaseUrl(options.baseUrl ?? context.defaultBaseUrl);
    if (options.apiKey !== undefined) this.#setKey(checkApiKey(options.apiKey));
    const { maxRetries = 4, retryDelay = 1000, maxRetryDelay = 60_000 } = options;
    assertLength("maxRetries", maxRetries);
    assertDuration("retryDelay", retryDelay, 0);
    assertDuration("maxRetryDelay", maxRetryDelay, 0);
    this.#policy = { maxRetries, retryDelay, maxRetryDelay };
    this.#timeout = options.timeout ?? 600_000;
    assertDuration("timeout", this.#timeout, 1);
    this.#maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    if (
      this.#maxResponseBytes !== Infinity &&
      (!Number.isInteger(this.#maxResponseBytes) || this.#maxResponseBytes < 1)
    ) {
      throw new RangeError(
        `maxResponseBytes must be a positive integer or Infinity, got ${
          describe(this.#maxResponseBytes)
        }`,
      );
    }
    const maxConcurrency = options.maxConcurrency ?? 8;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1) {
      throw new RangeError(
        `maxConcurrency must be a positive integer, got ${describe(maxConcurrency)}`,
      );
    }
    this.#limiter = new Limiter(maxConcurrency);
    if (options.fetch !== undefined && typeof options.fetch !== "function") {
      throw new TypeError(`fetch must be a function, got ${describe(options.fetch)}`);
    }
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
      throw new TypeError(`signal must be an AbortSignal, got ${describe(options.signal)}`);
    }
    this.#signal = options.signal;
  }

  /** The most requests in flight at once. */
  get maxConcurrency(): number {
    return this.#limiter.max;
  }

  /**
   * POSTs `body` as JSON to `path` below the base URL and reads the answer
   * with `read`, retrying what is worth retrying unless `final` says the
   * failure would recur.
   */
  async post<T>(
    path: string,
    body: unknown,
    read: ReadResponse<T>,
    final: (error: ProviderError) => boolean = () => false,
  ): Promise<T> {
    this.#signal?.throwIfAborted();
    const url = `${this.baseUrl}${path}`;
    const init = { method: "POST", headers: this.#headers(), body: JSON.stringify(body) };
    for (let attempt = 0;; attempt++) {
      let failure: unknown;
      const release = await this.#limiter.acquire(this.#signal);
      try {
        return await this.#attempt(url, init, read);
      } catch (error) {
        failure = error;
      } finally {
        release();
      }
      if (!(failure instanceof ProviderError) || !failure.retryable) throw failure;
      if (attempt >= this.#policy.maxRetries || final(failure)) throw failure;
      const wait = retryWait(this.#policy, attempt, failure.retryAfter);
      if (failure.status === 429) this.#limiter.pause(wait);
      this.#context.onRetry();
      await sleep(wait, this.#signal);
    }
  }

  #headers(): Record<string, string> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
    };
    const variable = this.#context.keyVariable;
    if (this.#apiKey === undefined && variable !== undefined) this.#setKey(readApiKey(variable));
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }

  #setKey(key: string): void {
    this.#apiKey = key;
    this.#redact = redactor(key);
  }

  async #attempt<T>(url: string, init: RequestInit, read: ReadResponse<T>): Promise<T> {
    const limit = deadline(this.#timeout, this.#signal);
    let response: Response | undefined;
    try {
      response = await this.#fetch(url, { ...init, signal: limit.signal });
      const body = this.#body(response);
      if (!response.ok) throw await this.#statusError(response, body);
      return await read(response, body);
    } catch (error) {
      throw this.#failure(error, limit.expired, response !== undefined);
    } finally {
      limit.clear();
      if (response?.bodyUsed === false) await response.body?.cancel().catch(() => {});
    }
  }

  /**
   * The body of `response` read under `maxResponseBytes`: every reader
   * (error bodies, JSON, streams) goes through it. Past the cap, leaving the
   * loop cancels the body, which closes the connection.
   */
  #body(response: Response): ResponseBody {
    const max = this.#maxResponseBytes;
    const tooLarge = () => this.#tooLarge(response);
    async function* chunks(): AsyncGenerator<Uint8Array> {
      if (response.body === null) return;
      let total = 0;
      for await (const chunk of response.body) {
        total += chunk.byteLength;
        if (total > max) throw tooLarge();
        yield chunk;
      }
    }
    return {
      chunks,
      async text() {
        // The fast native read, where the network's framing bounds the body.
        const length = framedLength(response);
        if (length !== undefined && length <= max) return await response.text();
        if (length !== undefined) throw tooLarge();
        const decoder = new TextDecoder();
        let text = "";
        for await (const chunk of chunks()) text += decoder.decode(chunk, { stream: true });
        return text + decoder.decode();
      },
    };
  }

  #tooLarge(response: Response): ProviderError {
    return this.#error({
      status: response.status,
      providerMessage: `the response body is larger than maxResponseBytes ` +
        `(${this.#maxResponseBytes} bytes, after decompression); reading stopped there`,
      code: "response_too_large",
      retryable: false,
      hint: "raise maxResponseBytes if the answers are really this long, else check the server",
    });
  }

  /**
   * What to throw for `error`: the caller's abort as is, the rest explained.
   * A {@linkcode ProviderError} passes as is only once a response came (it
   * was made here, redacted); from `fetch` itself it is a network failure.
   */
  #failure(error: unknown, expired: boolean, answered: boolean): unknown {
    if (error instanceof ProviderError && answered) return error;
    if (this.#signal?.aborted) return this.#signal.reason;
    const host = new URL(this.baseUrl).host;
    if (isPermissionError(error)) {
      return new Deno.errors.NotCapable(
        `${this.#context.label} needs network access to ${host}: run with --allow-net=${host}`,
        { cause: error },
      );
    }
    const message = expired
      ? `no complete response within ${this.#timeout} ms (timeout)`
      : `network error: ${error instanceof Error ? error.message : String(error)}`;
    return this.#error({
      status: 0,
      providerMessage: message,
      code: expired ? "timeout" : "network_error",
      hint: expired ? "raise timeout if the model is slow" : `check that ${host} is reachable`,
      cause: error,
    });
  }

  async #statusError(response: Response, body: ResponseBody): Promise<ProviderError> {
    const raw = await body.text();
    return this.errorFrom(response, raw, parseJson(raw));
  }

  /** The error for a response that carries no usable answer. */
  errorFrom(
    response: Response,
    raw: string,
    parsed: unknown,
    fallback?: { message?: string; code?: string; status?: number; hint?: string },
  ): ProviderError {
    const found = errorFields(parsed);
    const status = response.ok
      ? (found?.status ?? fallback?.status ?? response.status)
      : response.status;
    const message = found?.message ?? fallback?.message ?? describeBody(response, raw);
    return this.#error({
      status,
      providerMessage: message,
      code: found?.code ?? fallback?.code,
      type: found?.type,
      param: found?.param,
      requestId: requestId(response.headers, message),
      body: raw,
      retryAfter: retryHint(response.headers, message),
      hint: statusHint(status, this.#context.keyVariable) ?? fallback?.hint,
    });
  }

  /**
   * A {@linkcode ProviderError} from this client: it names who answered, and
   * every text in it is cleaned of the API key (the only way errors are made
   * here, so no field is missed).
   */
  #error(init: ProviderErrorInit): ProviderError {
    return new ProviderError({
      source: `${this.#context.label} at ${new URL(this.baseUrl).host}`,
      ...init,
      redact: this.#redact,
    });
  }
}

/** JSON.parse that tolerates leading padding and returns undefined for non-JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim());
  } catch {
    return undefined;
  }
}

/**
 * The body size a network response declares, when the connection enforces
 * it: a `Content-Length` of the bytes as read, i.e. without a
 * `Content-Encoding`, on a response from `fetch` itself (a response made in
 * JavaScript, e.g. by a custom `fetch`, may carry any header).
 */
function framedLength(response: Response): number | undefined {
  if (response.type === "default") return undefined;
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "identity") return undefined;
  const length = response.headers.get("content-length")?.trim();
  return length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined;
}

function describeBody(response: Response, raw: string): string {
  const type = response.headers.get("content-type") ?? "no content type";
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1]?.trim();
  if (title) return `an HTML page titled ${JSON.stringify(title)} instead of JSON (${type})`;
  if (raw.trim() === "") return `an empty body (${type})`;
  return `a body that is not JSON (${type})`;
}

function requestId(headers: Headers, message: string): string | undefined {
  for (const name of ["x-request-id", "request-id", "apim-request-id", "x-ms-request-id"]) {
    const value = headers.get(name);
    if (value) return value;
  }
  return /request ID ([\w-]+)/i.exec(message)?.[1];
}

function statusHint(status: number, keyVariable: string | undefined): string | undefined {
  const key = keyVariable === undefined ? "the API key" : `the API key (${keyVariable})`;
  if (status === 401 || status === 403) return `check ${key}`;
  if (status === 404) return "check the model name and baseUrl";
  if (status === 429) return "lower maxConcurrency or raise maxRetries";
  return undefined;
}

/** The `apiKey` option, trimmed (a key read from a file ends with a newline) and checked. */
function checkApiKey(apiKey: unknown): string {
  const key = typeof apiKey === "string" ? apiKey.trim() : "";
  if (key === "") {
    throw new TypeError(
      `apiKey must be a non-empty string, got ${
        typeof apiKey === "string" ? "a blank one" : describe(typeof apiKey)
      }`,
    );
  }
  assertApiKey(key, "apiKey");
  return key;
}

function checkBaseUrl(baseUrl: unknown): string {
  if (typeof baseUrl !== "string") {
    throw new TypeError(
      `baseUrl must be a string such as "https://api.openai.com/v1", got ${describe(baseUrl)}`,
    );
  }
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(
      `baseUrl ${describe(baseUrl)} is not a URL: pass e.g. "http://localhost:8000/v1"`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new TypeError(`baseUrl must use http or https, got ${describe(baseUrl)}`);
  }
  return baseUrl.replace(/\/+$/, "");
}

function assertDuration(name: string, value: unknown, min: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
    throw new RangeError(
      `${name} must be a number of milliseconds of at least ${min}, got ${describe(value)}`,
    );
  }
}
