// A shared read position over one prompt's sequence: what makes draws
// independent. Every position is handed out once; positions whose values
// failed to arrive go back, so that no item is ever skipped.

import type { Drawn, Sequence, Served } from "./sequence.ts";

/** Positions of one sequence handed out one by one, none twice. */
export class Cursor {
  #next = 0;
  #returned: number[] = [];

  /**
   * Claims the next `count` positions; with `from`, skips ahead to it first
   * (a cache over a cache fills index `i` from the inner index `i`).
   */
  claim(count: number, from = 0): number[] {
    const positions: number[] = [];
    while (positions.length < count) positions.push(this.claimOne(from));
    return positions;
  }

  /** Claims the next position (see {@linkcode Cursor.claim}). */
  claimOne(from = 0): number {
    if (this.#returned.length > 0) return this.#returned.shift()!;
    if (this.#next < from) this.#next = from;
    return this.#next++;
  }

  /** Gives positions back after their values failed to arrive. */
  release(positions: readonly number[]): void {
    this.#returned.push(...positions);
    this.#returned.sort((a, b) => a - b);
  }
}

/**
 * Reads `count` fresh values of `sequence` through `cursor`; synchronous when
 * every value is already there.
 */
export function read(
  sequence: Sequence,
  cursor: Cursor,
  count: number,
  batch: number,
  from?: number,
): string[] | Promise<string[]> {
  if (count === 1) {
    // The common case, a stream's next(), without the arrays below.
    const j = cursor.claimOne(from);
    const value = sequence.get(j, batch);
    if (typeof value === "string") {
      sequence.consume(j);
      return [value];
    }
    return value.then((v) => {
      sequence.consume(j);
      return [v];
    }, (error) => {
      cursor.release([j]);
      throw error;
    });
  }
  return readDrawn(sequence, cursor, count, batch, from).then((drawn) => [...drawn.samples]);
}

/**
 * Reads `count` fresh values of `sequence` through `cursor` for a cache's
 * fill, saying which of them were stored before (hits of `sequence`).
 */
export async function readDrawn(
  sequence: Sequence,
  cursor: Cursor,
  count: number,
  batch: number,
  from?: number,
): Promise<Drawn> {
  const positions = cursor.claim(count, from);
  let served: Served[];
  try {
    served = await Promise.all(positions.map((j) => sequence.getStored(j, batch)));
  } catch (error) {
    cursor.release(positions);
    throw error;
  }
  for (const j of positions) sequence.consume(j);
  return { samples: served.map((s) => s.value), stored: served.map((s) => s.stored) };
}
