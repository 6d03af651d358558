// A shared read position over one prompt's sequence: what makes draws
// independent.
//
// What it guarantees: every position is handed out once, to one reader,
// whether it reads texts (`next`), replies (`reply`) or a cache's fill
// (`take`, which carries each value's metadata, or a link to it); a position
// whose value failed to arrive goes back and is handed out next, so no item
// is ever skipped; a value that did arrive is never dropped. Every stream
// over one cursor, and every model above them, shares it.

import type { Reply } from "./reply.ts";
import type { Drawn, MetaSlot, Sequence } from "./_sequence.ts";
import type { Feed, Reader } from "./_pull.ts";
import type { SampleUsage } from "./usage.ts";

/** Where a cursor starts, and what a cache above it asks for at once. */
export interface CursorOptions {
  /** The first position handed out (a replay read up to there). */
  from?: number;
  /** How many items one fill of a cache above asks for, with this batch. */
  expected?: (batch: number) => number;
}

/** Reads a sequence so that no two reads share an item. */
export class Cursor implements Reader {
  #sequence: Sequence;
  #next: number;
  // Positions given back (made when the first is).
  #returned: number[] | undefined;
  #expected: (batch: number) => number;

  /**
   * @param sequence The sequence to read.
   * @param options Where to start (0), and the size of a fill above (1).
   */
  constructor(sequence: Sequence, options: CursorOptions = {}) {
    this.#sequence = sequence;
    this.#next = options.from ?? 0;
    this.#expected = options.expected ?? one;
  }

  /** How many items one fill of a cache above asks for. */
  expected(batch: number): number {
    return this.#expected(batch);
  }

  /** This cursor itself: every model above shares it. */
  feed(): Feed {
    return { reader: () => this, at: undefined };
  }

  /** The next item nobody else got; synchronous when it is already there. */
  next(batch: number): string | Promise<string> {
    const position = this.#claim();
    const value = this.#sequence.get(position, batch);
    // No closure in here: one would make every call allocate, hits too.
    return typeof value === "string" ? value : this.#orGiveBack(position, value);
  }

  /** The next reply nobody else got: the same positions as {@linkcode Cursor.next}. */
  reply(batch: number): Reply | Promise<Reply> {
    const position = this.#claim();
    const value = this.#sequence.reply(position, batch);
    return value instanceof Promise ? this.#orGiveBack(position, value) : value;
  }

  /** `value`; should it fail, `position` goes back, to be handed out next. */
  async #orGiveBack<T>(position: number, value: Promise<T>): Promise<T> {
    try {
      return await value;
    } catch (error) {
      this.#giveBack([position]);
      throw error;
    }
  }

  /**
   * The next `count` items, for a cache's fill, saying which were stored
   * before and what each cost to draw. Items that arrived are returned even when others failed (the
   * failed positions go back); only when none arrived is the error thrown.
   */
  async take(count: number, batch: number): Promise<Drawn> {
    const positions = Array.from({ length: count }, () => this.#claim());
    const results = await Promise.allSettled(
      positions.map((j) => this.#sequence.served(j, batch)),
    );
    const samples: string[] = [];
    const stored: boolean[] = [];
    const usage: (SampleUsage | undefined)[] = [];
    const meta: MetaSlot[] = [];
    let failure: PromiseRejectedResult | undefined;
    const failed: number[] = [];
    results.forEach((result, k) => {
      if (result.status === "fulfilled") {
        samples.push(result.value.value);
        stored.push(result.value.hit);
        usage.push(result.value.usage);
        meta.push(result.value.meta);
      } else {
        failure ??= result;
        failed.push(positions[k]!);
      }
    });
    if (failed.length > 0) this.#giveBack(failed);
    if (samples.length === 0 && failure !== undefined) throw failure.reason;
    return { samples, stored, usage, meta };
  }

  /** Positions whose value failed to arrive: handed out next, lowest first. */
  #giveBack(positions: readonly number[]): void {
    (this.#returned ??= []).push(...positions);
    this.#returned.sort((a, b) => a - b);
  }

  #claim(): number {
    return this.#returned?.shift() ?? this.#next++;
  }
}

function one(): number {
  return 1;
}
