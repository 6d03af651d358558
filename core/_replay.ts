// A private read position over one prompt's sequence: every stream of a
// cache replays the sequence from index 0.
//
// What it guarantees: the k-th item a replay hands out is the value at index
// k (plus where it started) and nothing else, whatever the batch, as a text
// or as its reply (the same index, its metadata read only then); a model
// above reads the same indices through its feed, by index (a cache over a
// cache) or through a cursor of its own from the replay's position
// (Independent), so reading through a replay never moves another reader.

import { Cursor } from "./_cursor.ts";
import type { Reply } from "./reply.ts";
import type { Drawn, Sequence } from "./_sequence.ts";
import type { Feed, Pull } from "./_pull.ts";

/** Replays a sequence from index 0. */
export class Replay implements Pull {
  #sequence: Sequence;
  #next = 0;

  /** @param sequence The sequence to replay. */
  constructor(sequence: Sequence) {
    this.#sequence = sequence;
  }

  /** The value at the next index. */
  next(batch: number): string | Promise<string> {
    // No closure in here: one would make every call allocate, hits too.
    return this.#sequence.get(this.#next++, batch);
  }

  /** The reply at the next index. */
  reply(batch: number): Reply | Promise<Reply> {
    return this.#sequence.reply(this.#next++, batch);
  }

  /** The sequence from this replay's position on, by index or through a cursor of its own. */
  feed(): Feed {
    const sequence = this.#sequence;
    const start = this.#next;
    return {
      reader: () => new Cursor(sequence, { from: start }),
      at: (index, count, batch) => itemsAt(sequence, start + index, count, batch),
    };
  }
}

/**
 * The items at `index` and after, saying which were stored before this
 * sequence drew them, with their metadata or links to it (read only if the
 * cache above asks: to store them, or to serve a reply).
 */
async function itemsAt(
  sequence: Sequence,
  index: number,
  count: number,
  batch: number,
): Promise<Drawn> {
  const served = await Promise.all(
    Array.from({ length: count }, (_, k) => sequence.served(index + k, batch)),
  );
  return {
    samples: served.map((s) => s.value),
    stored: served.map((s) => s.hit),
    usage: served.map((s) => s.usage),
    meta: served.map((s) => s.meta),
    exact: true,
  };
}
