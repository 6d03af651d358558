// One provider's HTTP side: each request goes through the Sender (slots,
// budget admission, retries, see _sender.ts) and is one POST per attempt,
// with a timeout, the provider's auth headers, and a response body read
// under a cap (_response_body.ts). The options are checked in
// _http_settings.ts, and every failure becomes an error that says what to do
// (never showing the key) in _http_errors.ts.

import { deadline } from "./_abortable.ts";
import { readApiKey } from "./_api_key.ts";
import { type ErrorFallback, type ErrorReading, HttpErrors } from "./_http_errors.ts";
import { type HttpSettings, httpSettings } from "./_http_settings.ts";
import type { HttpOptions } from "./http_options.ts";
import { ProviderError } from "./provider_error.ts";
import { cappedBody, type ResponseBody } from "./_response_body.ts";
import { type Admit, Sender } from "./_sender.ts";

export type { Admit } from "./_sender.ts";

/**
 * Reads a successful response from `body` (never from `response.body`,
 * which is not capped); may throw a {@linkcode ProviderError}.
 */
export type ReadResponse<T> = (response: Response, body: ResponseBody) => Promise<T>;

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
export interface ClientContext extends ErrorReading {
  /** Who is asking, for messages, e.g. `CloseAI "gpt-4o"`. */
  label: string;
  /** The public endpoint when `baseUrl` is not given. */
  defaultBaseUrl?: string | undefined;
  /** The environment variable holding the key, if the provider needs one. */
  keyVariable?: string | undefined;
  /**
   * The headers that carry the key (and whatever else the API wants on every
   * request); without it, a key goes as `authorization: Bearer <key>`.
   */
  headers?: ((key: string | undefined) => Record<string, string>) | undefined;
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
  #sender: Sender;

  constructor(options: HttpOptions, context: ClientContext) {
    this.#context = context;
    this.#settings = httpSettings(options, context.label, context.defaultBaseUrl);
    this.baseUrl = this.#settings.baseUrl;
    this.#errors = new HttpErrors(context.label, this.baseUrl, context.keyVariable, context);
    if (this.#settings.apiKey !== undefined) this.#setKey(this.#settings.apiKey);
    this.#sender = new Sender(this.#settings, () => context.onRetry());
  }

  /** The most requests in flight at once. */
  get maxConcurrency(): number {
    return this.#sender.maxConcurrency;
  }

  /**
   * POSTs the request's body as JSON to `path` below the base URL and reads
   * the answer, retrying what is worth retrying unless `final` says the
   * failure would recur. Each attempt is admitted (`admit`) when it holds its
   * connection slot, just before it is sent.
   */
  async post<T>(path: string, outgoing: Outgoing<T>): Promise<T> {
    const url = `${this.baseUrl}${path}`;
    // Before any admission: a missing key sends (and spends) nothing.
    const headers = this.#headers();
    return await this.#sender.send(() => {
      const init = { method: "POST", headers, body: JSON.stringify(outgoing.body()) };
      return this.#attempt(url, init, outgoing.read);
    }, outgoing);
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
    const variable = this.#context.keyVariable;
    if (this.#apiKey === undefined && variable !== undefined) this.#setKey(readApiKey(variable));
    const key = this.#apiKey;
    const auth = this.#context.headers?.(key) ??
      (key === undefined ? {} : { authorization: `Bearer ${key}` });
    return { "content-type": "application/json", accept: "application/json", ...auth };
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
