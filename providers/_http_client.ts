// One provider's HTTP side: the request queue, timeouts and retries with
// backoff around each request, and the moment a request may be held back
// (by its budget): when it holds its connection slot, just before it is
// sent. The options are checked in _http_settings.ts,
// response bodies are read under a cap by _response_body.ts, and every failure
// becomes an error that says what to do (never showing the key) in
// _http_errors.ts.

import { deadline, sleep, until } from "./_abortable.ts";
import { readApiKey } from "./_api_key.ts";
import { type ErrorFallback, HttpErrors } from "./_http_errors.ts";
import { type HttpSettings, httpSettings } from "./_http_settings.ts";
import type { HttpOptions } from "./http_options.ts";
import { Limiter, type Release } from "./_limiter.ts";
import { ProviderError } from "./provider_error.ts";
import { cappedBody, type ResponseBody } from "./_response_body.ts";
import { retryWait } from "./_retry.ts";

/**
 * Reads a successful response from `body` (never from `response.body`,
 * which is not capped); may throw a {@linkcode ProviderError}.
 */
export type ReadResponse<T> = (response: Response, body: ResponseBody) => Promise<T>;

/**
 * Decides, with the connection slot held, whether an attempt is sent now
 * (`retryOf` is the failure a retry follows): `undefined` sends it; a
 * promise gives the slot back and asks again, with a slot, once it
 * resolves; throwing sends nothing.
 */
export type Admit = (retryOf: ProviderError | undefined) => Promise<void> | undefined;

/** One request to send. */
export interface Outgoing<T> {
  /** The JSON body, made once the attempt is admitted. */
  body(): unknown;
  /** Reads a successful answer. */
  read: ReadResponse<T>;
  /** Whether a failure would recur however often it is sent again. */
  final?: ((error: ProviderError) => boolean) | undefined;
  /** What may hold the request back; without it, every attempt is sent. */
  admit?: Admit | undefined;
}

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
  #settings: HttpSettings;
  #apiKey: string | undefined;
  #errors: HttpErrors;
  #limiter: Limiter;

  constructor(options: HttpOptions, context: ClientContext) {
    this.#context = context;
    this.#settings = httpSettings(options, context.label, context.defaultBaseUrl);
    this.baseUrl = this.#settings.baseUrl;
    this.#errors = new HttpErrors(context.label, this.baseUrl, context.keyVariable);
    if (this.#settings.apiKey !== undefined) this.#setKey(this.#settings.apiKey);
    this.#limiter = new Limiter(this.#settings.maxConcurrency);
  }

  /** The most requests in flight at once. */
  get maxConcurrency(): number {
    return this.#limiter.max;
  }

  /**
   * POSTs the request's body as JSON to `path` below the base URL and reads
   * the answer, retrying what is worth retrying unless `final` says the
   * failure would recur. Each attempt is admitted (`admit`) when it holds its
   * connection slot, just before it is sent.
   */
  async post<T>(path: string, outgoing: Outgoing<T>): Promise<T> {
    const { signal, policy } = this.#settings;
    signal?.throwIfAborted();
    const url = `${this.baseUrl}${path}`;
    const headers = this.#headers();
    let retryOf: ProviderError | undefined;
    for (let attempt = 0;; attempt++) {
      let failure: unknown;
      const release = await this.#admitted(outgoing.admit, retryOf);
      try {
        if (retryOf !== undefined) this.#context.onRetry();
        const init = { method: "POST", headers, body: JSON.stringify(outgoing.body()) };
        return await this.#attempt(url, init, outgoing.read);
      } catch (error) {
        failure = error;
      } finally {
        release();
      }
      if (!(failure instanceof ProviderError) || !failure.retryable) throw failure;
      if (attempt >= policy.maxRetries || outgoing.final?.(failure)) throw failure;
      const wait = retryWait(policy, attempt, failure.retryAfter);
      if (failure.status === 429) this.#limiter.pause(wait);
      await sleep(wait, signal);
      retryOf = failure;
    }
  }

  /**
   * A connection slot for an attempt that `admit` lets go. An attempt held
   * back waits without its slot, so that the requests it waits for can
   * still get one (for their retries).
   */
  async #admitted(admit: Admit | undefined, retryOf: ProviderError | undefined): Promise<Release> {
    const { signal } = this.#settings;
    for (;;) {
      const release = await this.#limiter.acquire(signal);
      let later: Promise<void> | undefined;
      try {
        later = admit?.(retryOf);
      } catch (error) {
        release();
        throw error;
      }
      if (later === undefined) return release;
      release();
      await until(later, signal);
    }
  }

  /** The error for a response that carries no usable answer. */
  errorFrom(
    response: Response,
    raw: string,
    parsed: unknown,
    fallback?: ErrorFallback,
  ): ProviderError {
    return this.#errors.fromResponse(response, raw, parsed, fallback);
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
    this.#errors.hide(key);
  }

  /**
   * One attempt. What it throws: a {@linkcode ProviderError} made here once
   * a response came (from `fetch` itself it is a network failure), the
   * caller's abort as is, the rest explained by {@linkcode HttpErrors.failure}.
   */
  async #attempt<T>(url: string, init: RequestInit, read: ReadResponse<T>): Promise<T> {
    const { timeout, signal, maxResponseBytes } = this.#settings;
    const limit = deadline(timeout, signal);
    let response: Response | undefined;
    try {
      response = await this.#settings.fetch(url, { ...init, signal: limit.signal });
      const answer = response;
      const body = cappedBody(
        answer,
        maxResponseBytes,
        () => this.#errors.tooLarge(answer, maxResponseBytes),
      );
      if (!response.ok) throw await this.#statusError(response, body);
      return await read(response, body);
    } catch (error) {
      if (error instanceof ProviderError && response !== undefined) throw error;
      if (signal?.aborted) throw signal.reason;
      throw this.#errors.failure(error, limit.expired, timeout);
    } finally {
      limit.clear();
      if (response?.bodyUsed === false) await response.body?.cancel().catch(() => {});
    }
  }

  async #statusError(response: Response, body: ResponseBody): Promise<ProviderError> {
    const raw = await body.text();
    return this.errorFrom(response, raw, parseJson(raw));
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
