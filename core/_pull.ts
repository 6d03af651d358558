// What reads a stream, as the engine's parts see one another: a stream pulls
// its items (`Pull`), a fresh stream's items come from a `Reader`, and a model
// above reads a stream through its `Feed`. Types only, in a file of their
// own, so that the files that make and use them import in one direction.

import type { Reply } from "./reply.ts";
import type { Drawn } from "./_sequence.ts";

/** Pulls one stream's items. */
export interface Pull {
  /** The next item; synchronous when it is already there. */
  next(batch: number): string | Promise<string>;
  /** The next item as its reply (the same position {@linkcode Pull.next} would take). */
  reply(batch: number): Reply | Promise<Reply>;
  /** What the stream reads, for a model above it. */
  feed(): Feed;
}

/** Reads one prompt's fresh items: each goes to one caller only. */
export interface Reader extends Pull {
  /**
   * The next `count` items, for a cache's fill; fewer when some failed to
   * arrive (an error only when none did).
   */
  take(count: number, batch: number): Promise<Drawn>;
  /** How many items one fill of a cache above asks for, with this batch. */
  expected(batch: number): number;
}

/** What a stream reads, as a model above sees it. */
export interface Feed {
  /**
   * The reader of fresh items: a shared stream's own reader, or a new cursor
   * from a replay's position.
   */
  reader(): Reader;
  /**
   * A cache's items at `index` and after, counted from the stream's
   * position, saying which were stored before; absent for fresh draws.
   */
  readonly at: ((index: number, count: number, batch: number) => Promise<Drawn>) | undefined;
}
