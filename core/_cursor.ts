// A shared read position over one prompt's sequence: what makes draws
// independent.
//
// What it guarantees: every position is handed out once, to one reader; a
// position whose value failed to arrive goes back and is handed out next, so
// no item is ever skipped; a value that did arrive is never dropped.

import type { Drawn, Sequence } from "./_sequence.ts";
import type { SampleUsage } from "./usage.ts";

/** Reads a sequence so that no two reads share an item. */
export class Cursor {
  #sequence: Sequence;
  #next = 0;
  #returned: number[] = [];

  /** @param sequence The sequence to read. */
  constructor(sequence: Sequence) {
    this.#sequence = sequence;
  }

  /** The next item nobody else got; synchronous when it is already there. */
  next(batch: number): string | Promise<string> {
    const position = this.#claim();
    const value = this.#sequence.get(position, batch);
    // No closure in here: one would make every call allocate, hits too.
    return typeof value === "string" ? value : this.#orGiveBack(position, value);
  }

  /** `value`; should it fail, `position` goes back, to be handed out next. */
  async #orGiveBack(position: number, value: Promise<string>): Promise<string> {
    try {
      return await value;
    } catch (error) {
      this.#returned.push(position);
      this.#returned.sort((a, b) => a - b);
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
    let failure: PromiseRejectedResult | undefined;
    results.forEach((result, k) => {
      if (result.status === "fulfilled") {
        samples.push(result.value.value);
        stored.push(result.value.hit);
        usage.push(result.value.usage);
      } else {
        failure ??= result;
        this.#returned.push(positions[k]!);
      }
    });
    this.#returned.sort((a, b) => a - b);
    if (samples.length === 0 && failure !== undefined) throw failure.reason;
    return { samples, stored, usage };
  }

  #claim(): number {
    return this.#returned.shift() ?? this.#next++;
  }
}
