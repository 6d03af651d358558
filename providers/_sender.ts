// Sending one request with everything around it that does not depend on the
// transport: a connection slot (at most maxConcurrency in flight), the
// moment the request may be held back (its budget: when it holds its slot,
// just before it is sent), and retries with backoff that honour the server's
// hint, a 429 pausing every request of the model. HTTP providers send through
// it (HttpClient), and so does any other transport (the AI SDK bridge).

import { sleep, until } from "./_abortable.ts";
import { Limiter, type Release } from "./_limiter.ts";
import { ProviderError } from "./provider_error.ts";
import { type RetryPolicy, retryWait } from "./_retry.ts";

/**
 * Decides, with the connection slot held, whether an attempt is sent now
 * (`retryOf` is the failure a retry follows): `undefined` sends it; a
 * promise gives the slot back and asks again, with a slot, once it
 * resolves; throwing sends nothing.
 */
export type Admit = (retryOf: ProviderError | undefined) => Promise<void> | undefined;

/** How one request is sent again and held back. */
export interface SendOptions {
  /** Whether a failure would recur however often it is sent again. */
  final?: ((error: ProviderError) => boolean) | undefined;
  /** What may hold the request back; without it, every attempt is sent. */
  admit?: Admit | undefined;
}

/** What a sender needs: the retry policy, the slots, the abort signal. */
export interface SenderSettings {
  /** Retries and backoff. */
  readonly policy: RetryPolicy;
  /** Requests in flight at once. */
  readonly maxConcurrency: number;
  /** Aborts all work when it aborts. */
  readonly signal: AbortSignal | undefined;
}

/** Sends one model's requests: slots, admission, retries. */
export class Sender {
  #settings: SenderSettings;
  #limiter: Limiter;
  #onRetry: () => void;

  /**
   * @param settings Retry policy, concurrency and abort signal.
   * @param onRetry Called before each retry.
   */
  constructor(settings: SenderSettings, onRetry: () => void) {
    this.#settings = settings;
    this.#limiter = new Limiter(settings.maxConcurrency);
    this.#onRetry = onRetry;
  }

  /** The most requests in flight at once. */
  get maxConcurrency(): number {
    return this.#limiter.max;
  }

  /**
   * Runs `attempt` until it succeeds, retrying a retryable
   * {@linkcode ProviderError} unless `final` says it would recur; each
   * attempt is admitted (`admit`) when it holds its slot.
   */
  async send<T>(attempt: () => Promise<T>, options: SendOptions = {}): Promise<T> {
    const { signal, policy } = this.#settings;
    signal?.throwIfAborted();
    let retryOf: ProviderError | undefined;
    for (let count = 0;; count++) {
      let failure: unknown;
      const release = await this.#admitted(options.admit, retryOf);
      try {
        if (retryOf !== undefined) this.#onRetry();
        return await attempt();
      } catch (error) {
        failure = error;
      } finally {
        release();
      }
      if (!(failure instanceof ProviderError) || !failure.retryable) throw failure;
      if (count >= policy.maxRetries || options.final?.(failure)) throw failure;
      const wait = retryWait(policy, count, failure.retryAfter);
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
}
