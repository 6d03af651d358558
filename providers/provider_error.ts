/**
 * `ProviderError`: what a provider answered instead of samples.
 *
 * @module
 */

import type { TokenUsage } from "../core/usage.ts";
import { excerpt } from "./_error_fields.ts";
import { type Redact, redactCause } from "./_redact.ts";
import { isRetryableStatus } from "./_retry.ts";

/**
 * What a {@linkcode ProviderError} reports.
 *
 * @example A fake server's failure, for a test
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProviderError } from "../mod.ts";
 * import type { ProviderErrorInit } from "../providers/http.ts";
 *
 * const init: ProviderErrorInit = { status: 503, providerMessage: "overloaded", retryAfter: 2000 };
 * const error = new ProviderError(init);
 * assert.equal(error.retryAfter, 2000);
 * assert.ok(error.retryable);
 * ```
 */
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
  /**
   * The tokens the request used although it brought no sample (e.g. every
   * choice was filtered): the provider bills them, so they count as spent.
   */
  usage?: TokenUsage | undefined;
  /** The underlying error (a network failure, a timeout). */
  cause?: unknown;
  /**
   * Whether sending the same request again may succeed.
   * @default {true for status 0 (no complete response), 408, 409, 429 and 5xx}
   */
  retryable?: boolean | undefined;
  /**
   * Applied to every text the error keeps (each field, the body before it is
   * cut, the hint and the cause), e.g. to hide an API key the server echoed.
   * @default {none: texts are kept as given}
   */
  redact?: ((text: string) => string) | undefined;
}

/**
 * An HTTP failure of a provider: an error status, a body that is not a
 * completion, or no complete response at all (`status` 0: network failure,
 * timeout, dropped connection). Retryable failures (429, 5xx, 0) are only
 * thrown once the retries are used up; `retryable` says whether trying again
 * later may help. The API key never appears in it: every text passes through
 * the provider's redaction when the error is made.
 *
 * @example Telling a rate limit from a bad request
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProviderError } from "./provider_error.ts";
 *
 * const error = new ProviderError({
 *   status: 429,
 *   providerMessage: "Rate limit reached",
 *   code: "rate_limit_exceeded",
 *   requestId: "req_123",
 * });
 * assert.ok(error instanceof Error && error.name === "ProviderError");
 * assert.equal(error.status, 429);
 * assert.equal(error.code, "rate_limit_exceeded");
 * assert.ok(error.retryable); // a rate limit passes: trying later may work
 * assert.match(error.message, /Rate limit reached/);
 * ```
 *
 * @example Every text passes through `redact`
 * ```ts
 * import assert from "node:assert/strict";
 * import { ProviderError } from "./provider_error.ts";
 *
 * const error = new ProviderError({
 *   status: 401,
 *   providerMessage: "Incorrect API key provided: sk-secret",
 *   param: "sk-secret",
 *   redact: (text) => text.replaceAll("sk-secret", "<redacted>"),
 * });
 * assert.ok(!error.message.includes("sk-secret") && error.param === "<redacted>");
 * assert.equal(error.retryable, false);
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
  /** Whether sending the same request again may succeed. */
  readonly retryable: boolean;
  /** The tokens the request used although it brought no sample, if the provider said. */
  readonly usage: TokenUsage | undefined;

  /**
   * Describes a failed exchange; the message names who answered, the status,
   * the provider's message, code and request id, and what to do.
   *
   * @param init What the provider answered.
   */
  constructor(init: ProviderErrorInit) {
    const clean = init.redact === undefined ? init : redacted(init, init.redact);
    super(composeMessage(clean), clean.cause === undefined ? undefined : { cause: clean.cause });
    this.status = clean.status;
    this.providerMessage = clean.providerMessage;
    this.code = clean.code;
    this.type = clean.type;
    this.param = clean.param;
    this.requestId = clean.requestId;
    this.body = excerpt(clean.body ?? "");
    this.retryAfter = clean.retryAfter;
    this.retryable = clean.retryable ?? isRetryableStatus(clean.status);
    this.usage = init.usage;
  }
}

/**
 * `init` with `redact` applied to every text in it, whatever the field: the
 * one place where an error's texts are cleaned, so no field can be missed.
 */
function redacted(init: ProviderErrorInit, redact: Redact): ProviderErrorInit {
  const entries = Object.entries(init).filter(([name]) => name !== "redact").map((
    [name, value],
  ) => [name, name === "cause" ? redactCause(value, redact) : redactText(value, redact)]);
  return Object.fromEntries(entries) as ProviderErrorInit;
}

function redactText(value: unknown, redact: Redact): unknown {
  return typeof value === "string" ? redact(value) : value;
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
