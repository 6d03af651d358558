/**
 * `ProviderError`: what a provider answered instead of samples.
 *
 * @module
 */

import { isRecord } from "./options.ts";

/** What a {@linkcode ProviderError} reports. */
export interface ProviderErrorInit {
  /** HTTP status; 0 when no complete response arrived (network, timeout). */
  status: number;
  /** The provider's own message, or a description of what went wrong. */
  providerMessage: string;
  /** The provider's error code (numbers are turned into text). */
  code?: string | undefined;
  /** The provider's error type, e.g. `invalid_request_error`. */
  type?: string | undefined;
  /** The request field the provider complained about, e.g. `n` or `stop`. */
  param?: string | undefined;
  /** The request id, from a response header or the message text. */
  requestId?: string | undefined;
  /** The start of the response body. */
  body?: string | undefined;
  /** Who answered, e.g. `CloseAI "gpt-4o" at api.openai-proxy.org`. */
  source?: string | undefined;
  /** Milliseconds the provider asked to wait before retrying. */
  retryAfter?: number | undefined;
  /** What to do about it, appended to the message. */
  hint?: string | undefined;
  /** The underlying error (a network failure, a timeout). */
  cause?: unknown;
}

/** How much of a response body an error keeps. */
export const BODY_EXCERPT = 300;

/**
 * An HTTP failure of a provider: an error status, a body that is not a
 * completion, or no complete response at all (`status` 0: network failure,
 * timeout, dropped connection). Retryable failures (429, 5xx, 0) are only
 * thrown once the retries are used up. The API key never appears in it.
 *
 * @example Telling a rate limit from a bad request
 * ```ts
 * import { ProviderError } from "./provider_error.ts";
 *
 * const error = new ProviderError({
 *   status: 429,
 *   providerMessage: "Rate limit reached",
 *   code: "rate_limit_exceeded",
 *   requestId: "req_123",
 * });
 * console.assert(error instanceof Error && error.name === "ProviderError");
 * console.assert(error.status === 429 && error.code === "rate_limit_exceeded");
 * console.assert(error.message.includes("Rate limit reached"));
 * ```
 */
export class ProviderError extends Error {
  /** Always `"ProviderError"`. */
  override readonly name: string = "ProviderError";
  /** HTTP status; 0 when no complete response arrived. */
  readonly status: number;
  /** The provider's own message. */
  readonly providerMessage: string;
  /** The provider's error code, if any. */
  readonly code: string | undefined;
  /** The provider's error type, if any. */
  readonly type: string | undefined;
  /** The request field the provider complained about, if it said. */
  readonly param: string | undefined;
  /** The request id, if the provider gave one. */
  readonly requestId: string | undefined;
  /** The first characters of the response body ("" when there was none). */
  readonly body: string;
  /** Milliseconds the provider asked to wait before retrying, if it said. */
  readonly retryAfter: number | undefined;

  /**
   * Describes a failed exchange; the message names who answered, the status,
   * the provider's message, code and request id, and what to do.
   *
   * @param init What the provider answered.
   */
  constructor(init: ProviderErrorInit) {
    super(composeMessage(init), init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.providerMessage = init.providerMessage;
    this.code = init.code;
    this.type = init.type;
    this.param = init.param;
    this.requestId = init.requestId;
    this.body = excerpt(init.body ?? "");
    this.retryAfter = init.retryAfter;
  }
}

function composeMessage(init: ProviderErrorInit): string {
  const who = init.source === undefined ? "the provider" : init.source;
  const what = init.status === 0 ? "gave no complete response" : `answered HTTP ${init.status}`;
  const details = [
    init.code === undefined ? undefined : `code ${init.code}`,
    init.requestId === undefined ? undefined : `request id ${init.requestId}`,
  ].filter((d) => d !== undefined);
  const suffix = details.length === 0 ? "" : ` (${details.join(", ")})`;
  const hint = init.hint === undefined ? "" : `; ${init.hint}`;
  return `${who} ${what}: ${init.providerMessage}${suffix}${hint}`;
}

/** The first {@linkcode BODY_EXCERPT} characters of `text`, whitespace-trimmed. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > BODY_EXCERPT ? trimmed.slice(0, BODY_EXCERPT) + "…" : trimmed;
}

/** The fields of the many error envelopes servers use. */
export interface ErrorFields {
  message: string | undefined;
  code: string | undefined;
  type: string | undefined;
  /** A status written inside the body (Azure's 200-with-error). */
  status: number | undefined;
  param: string | undefined;
}

/**
 * Reads an error body: OpenAI `{error: {message, type, param, code}}`,
 * OpenRouter (numeric `code`, `metadata.raw`), Azure (`innererror`, `status`),
 * Fireworks, Ollama `{error: "text"}`, FastAPI `{detail}` and plain
 * `{message}`. Returns undefined when `body` holds no error.
 */
export function errorFields(body: unknown): ErrorFields | undefined {
  if (!isRecord(body)) return undefined;
  const error = body.error ?? body.detail;
  if (typeof error === "string") return fields(error, undefined);
  if (isRecord(error)) return fields(joinMessages(text(error.message), rawMessage(error)), error);
  if (typeof body.message === "string" && body.choices === undefined) {
    return fields(body.message, body);
  }
  return undefined;
}

function fields(message: string | undefined, from: Record<string, unknown> | undefined) {
  return {
    message,
    code: text(from?.code),
    type: text(from?.type),
    status: typeof from?.status === "number" ? from.status : undefined,
    param: text(from?.param),
  };
}

function joinMessages(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return `${a}: ${b}`;
}

function rawMessage(error: Record<string, unknown>): string | undefined {
  const metadata = error.metadata;
  return isRecord(metadata) ? text(metadata.raw) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}
