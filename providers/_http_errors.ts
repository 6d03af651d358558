// Turning what went wrong with a request into an error that says who
// answered, what happened and what to do, with every text cleaned of the API
// key: the only place where a client makes its errors, so no field is missed.

import type { TokenUsage } from "../core/usage.ts";
import { isPermissionError } from "./_api_key.ts";
import { errorFields } from "./_error_fields.ts";
import { ProviderError, type ProviderErrorInit } from "./provider_error.ts";
import { type Redact, redactor } from "./_redact.ts";
import { retryHint } from "./_retry.ts";

/** What a response without a usable answer is reported as, where its body does not say. */
export interface ErrorFallback {
  /** The message, when the body carries none. */
  message?: string | undefined;
  /** The error code, when the body carries none. */
  code?: string | undefined;
  /** The status, for a response that came with 200. */
  status?: number | undefined;
  /** What to do, when the status suggests nothing. */
  hint?: string | undefined;
  /** The tokens the request used, when its answer carried no sample. */
  usage?: TokenUsage | undefined;
}

/** What an API says about its own errors, beyond the envelopes every reader knows. */
export interface ErrorReading {
  /**
   * The code and retry delay an error body holds in the API's own form (e.g.
   * Gemini's `status` and `RetryInfo`); a retry header still wins.
   */
  errorDetails?: ((body: unknown) => ErrorDetails | undefined) | undefined;
  /** Whether the API's error may go away when sent again; `undefined`: by its status. */
  retryable?: ((error: ProviderError) => boolean | undefined) | undefined;
}

/** What {@linkcode ErrorReading.errorDetails} found. */
export interface ErrorDetails {
  /** The error's message, where the common envelopes find none. */
  message?: string | undefined;
  /** The error's code, in place of what the common envelopes hold. */
  code?: string | undefined;
  /** Milliseconds to wait before sending again. */
  retryAfter?: number | undefined;
  /** The request's id, when the body names it (a response header still wins). */
  requestId?: string | undefined;
}

/** Makes the errors of one client (one model's requests). */
export class HttpErrors {
  #label: string;
  #host: string;
  #keyVariable: string | undefined;
  #reading: ErrorReading;
  #redact: Redact = redactor(undefined);

  /**
   * @param label Who is asking, e.g. `CloseAI "gpt-4o"`.
   * @param baseUrl Where requests go.
   * @param keyVariable The environment variable holding the key, if any.
   * @param reading What the API says about its own errors.
   */
  constructor(
    label: string,
    baseUrl: string,
    keyVariable: string | undefined,
    reading: ErrorReading = {},
  ) {
    this.#label = label;
    this.#host = new URL(baseUrl).host;
    this.#keyVariable = keyVariable;
    this.#reading = reading;
  }

  /** Hides `key`, in every spelling, in every error made from now on. */
  hide(key: string): void {
    this.#redact = redactor(key);
  }

  /** The error for a response that carries no usable answer. */
  fromResponse(
    response: Response,
    raw: string,
    parsed: unknown,
    fallback?: ErrorFallback,
  ): ProviderError {
    const found = errorFields(parsed);
    const own = this.#reading.errorDetails?.(parsed);
    const status = response.ok
      ? (found?.status ?? fallback?.status ?? response.status)
      : response.status;
    const message = found?.message ?? own?.message ?? fallback?.message ??
      describeBody(response, raw, parsed);
    return this.#make({
      status,
      providerMessage: message,
      code: own?.code ?? found?.code ?? fallback?.code,
      type: found?.type,
      param: found?.param,
      requestId: requestId(response.headers, message) ?? own?.requestId,
      body: raw,
      retryAfter: retryHint(response.headers, message, undefined, own?.retryAfter),
      hint: statusHint(status, this.#keyVariable) ?? fallback?.hint,
      usage: fallback?.usage,
    });
  }

  /** The error for a body past `maxResponseBytes`: not retried. */
  tooLarge(response: Response, max: number): ProviderError {
    return this.#make({
      status: response.status,
      providerMessage: `the response body is larger than maxResponseBytes ` +
        `(${max} bytes, after decompression); reading stopped there`,
      code: "response_too_large",
      retryable: false,
      hint: "raise maxResponseBytes if the answers are really this long, else check the server",
    });
  }

  /**
   * The error for a request that got no complete response: a missing net
   * permission names the flag to add; a timeout (`expired`) or a network
   * failure becomes a retryable {@linkcode ProviderError} with status 0.
   */
  failure(error: unknown, expired: boolean, timeout: number): Error {
    const host = this.#host;
    if (isPermissionError(error)) {
      return new Deno.errors.NotCapable(
        `${this.#label} could not send a request: it needs network access to ${host}; ` +
          `run with --allow-net=${host}`,
        { cause: error },
      );
    }
    const message = expired
      ? `no complete response within ${timeout} ms (timeout)`
      : `network error: ${error instanceof Error ? error.message : String(error)}`;
    return this.#make({
      status: 0,
      providerMessage: message,
      code: expired ? "timeout" : "network_error",
      hint: expired ? "raise timeout if the model is slow" : `check that ${host} is reachable`,
      cause: error,
    });
  }

  #make(init: ProviderErrorInit): ProviderError {
    const full = { source: `${this.#label} at ${this.#host}`, ...init, redact: this.#redact };
    const error = new ProviderError(full);
    const verdict = this.#reading.retryable?.(error);
    if (verdict === undefined || verdict === error.retryable) return error;
    return new ProviderError({ ...full, retryable: verdict });
  }
}

function describeBody(response: Response, raw: string, parsed: unknown): string {
  const type = response.headers.get("content-type") ?? "no content type";
  const title = /<title[^>]*>([^<]*)<\/title>/i.exec(raw)?.[1]?.trim();
  if (title) return `an HTML page titled ${JSON.stringify(title)} instead of JSON (${type})`;
  if (raw.trim() === "") return `an empty body (${type})`;
  if (parsed !== undefined) return `a JSON body that holds no message (${type}; see its body)`;
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
  if (status === 408 || status === 409 || status >= 500) {
    return "the server could not answer; try again later, or raise maxRetries";
  }
  if (status >= 400) return "change the request as the provider's message says";
  return undefined;
}
