// Waiting that a caller can cancel: sleeps and per-request deadlines built on
// plain timers, so that nothing is left running once the wait is over.

/**
 * Resolves after `ms` milliseconds, or rejects with the signal's reason as
 * soon as `signal` aborts; the timer never outlives the wait.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A signal that aborts at a deadline or with its parent, whichever is first. */
export interface Deadline {
  /** Aborts with a `TimeoutError` DOMException, or with the parent's reason. */
  readonly signal: AbortSignal;
  /** Whether the deadline (not the parent) aborted the signal. */
  readonly expired: boolean;
  /** Stops the timer and detaches from the parent; call it when done. */
  clear(): void;
}

/**
 * A signal for one request: aborts after `ms` milliseconds, or when `parent`
 * aborts. `AbortSignal.timeout` is avoided on purpose: its timer cannot be
 * cancelled, so it would outlive fast requests.
 */
export function deadline(ms: number, parent?: AbortSignal): Deadline {
  const controller = new AbortController();
  let expired = false;
  const onAbort = () => controller.abort(parent!.reason);
  const timer = setTimeout(() => {
    expired = true;
    controller.abort(new DOMException(`no response within ${ms} ms`, "TimeoutError"));
  }, ms);
  if (parent?.aborted) onAbort();
  else parent?.addEventListener("abort", onAbort, { once: true });
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    clear() {
      clearTimeout(timer);
      parent?.removeEventListener("abort", onAbort);
    },
  };
}

/**
 * Waits for `promise`, or rejects with the signal's reason as soon as
 * `signal` aborts (the promise is left to settle on its own).
 */
export function until(promise: Promise<void>, signal?: AbortSignal): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
