// When and how long to wait before sending a failed request again.

/** How a provider retries. All durations are milliseconds. */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  readonly maxRetries: number;
  /** The first backoff delay; it doubles with every retry. */
  readonly retryDelay: number;
  /** The longest single wait, whatever the backoff or the server asks for. */
  readonly maxRetryDelay: number;
}

/**
 * Whether an HTTP status is worth retrying: rate limits, timeouts, conflicts
 * and server errors. 0 stands for "no complete response" (network failure,
 * timeout, dropped connection).
 */
export function isRetryableStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 409 || status === 429 ||
    status >= 500;
}

/**
 * The wait before retry number `attempt` (0-based): the server's hint when it
 * gave one, else exponential backoff with jitter, never above the cap.
 */
export function retryWait(
  policy: RetryPolicy,
  attempt: number,
  hint: number | undefined,
  random: () => number = Math.random,
): number {
  if (hint !== undefined) {
    // A little jitter keeps the waiters of one pause from all returning at once.
    return Math.min(policy.maxRetryDelay, hint * (1 + 0.1 * random()));
  }
  const exponential = policy.retryDelay * 2 ** attempt;
  return Math.min(policy.maxRetryDelay, exponential * (0.5 + 0.5 * random()));
}

/**
 * The server's retry hint in milliseconds: `retry-after-ms`, then
 * `Retry-After` (seconds or an HTTP date), then what the body said in the
 * API's own form (`fromBody`, e.g. Gemini's `RetryInfo`), then a phrase such
 * as "Please try again in 26.604s" in the error message (OpenAI's rate-limit
 * errors).
 */
export function retryHint(
  headers: Headers,
  message: string,
  now: number = Date.now(),
  fromBody?: number,
): number | undefined {
  const ms = Number.parseFloat(headers.get("retry-after-ms") ?? "");
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const after = headers.get("retry-after")?.trim();
  if (after) {
    if (/^\d+(\.\d+)?$/.test(after)) return Number(after) * 1000;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  return fromBody ?? durationInText(message);
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

function durationInText(text: string): number | undefined {
  const match = /try again in ((?:\d+(?:\.\d+)?(?:ms|s|m|h))+)/i.exec(text);
  if (match === null) return undefined;
  let total = 0;
  for (const [, amount, unit] of match[1]!.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/gi)) {
    total += Number(amount) * UNITS[unit!.toLowerCase()]!;
  }
  return total;
}
