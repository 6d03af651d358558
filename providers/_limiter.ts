// A provider's request queue: at most `max` requests in flight, and a pause
// that holds back every queued request (a 429 means the whole account is
// over its limit, not just the request that got it).

import { sleep } from "./_abortable.ts";

/** Gives back a slot taken with {@linkcode Limiter.acquire}; idempotent. */
export type Release = () => void;

/** A counting semaphore with a shared pause. */
export class Limiter {
  /** The most slots held at once. */
  readonly max: number;
  #active = 0;
  #queue: (() => void)[] = [];
  #resumeAt = 0;

  /** @param max Slots, a positive integer. */
  constructor(max: number) {
    this.max = max;
  }

  /** Slots held right now. */
  get active(): number {
    return this.#active;
  }

  /** Holds back new requests for `ms` milliseconds from now (pauses only grow). */
  pause(ms: number): void {
    this.#resumeAt = Math.max(this.#resumeAt, Date.now() + ms);
  }

  /** Waits for a free slot and for any pause to end; rejects when `signal` aborts. */
  async acquire(signal?: AbortSignal): Promise<Release> {
    try {
      for (;;) {
        signal?.throwIfAborted();
        const paused = this.#resumeAt - Date.now();
        if (paused > 0) await sleep(paused, signal);
        else if (this.#active < this.max) return this.#take();
        else await this.#wait(signal);
      }
    } catch (error) {
      // A woken waiter that gives up must pass its turn on.
      if (this.#active < this.max) this.#queue.shift()?.();
      throw error;
    }
  }

  #take(): Release {
    this.#active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#queue.shift()?.();
    };
  }

  #wait(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.#queue.indexOf(wake);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(signal!.reason);
      };
      this.#queue.push(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
