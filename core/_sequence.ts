// One prompt's sequence: an append-only list of samples, filled on demand.
// Every model keeps one per prompt: caches keep their values, a provider's
// sequence is ephemeral (each value is handed out once, then dropped).
//
// What it guarantees:
// - index i holds one value for ever (or, ephemeral, until it is handed out);
// - waiters on missing indices share the fills in flight that cover them, so
//   a batch in flight is never asked for twice;
// - fills are appended in the order they started, whatever order they finish
//   in, so the value at i is the i-th draw;
// - a fill that brings fewer samples than it asked for leaves a remainder,
//   which the next fill asks for instead of a whole new batch;
// - a failed fill fails only the waiters whose index is still missing;
// - with a backing (a `SequenceStore`: `Persistent`'s store seen as one
//   prompt's sequence), the store is looked at again on a miss, never on a
//   hit, except on a miss at the index just past this sequence's own append
//   with nothing learned since: a writer takes an index only once the one
//   before it is taken, so that index was free then, and should another
//   writer take it meanwhile, the next append finds its sample there (a
//   deterministic rule: no clock decides); fresh samples are stored before
//   they are served; when the write fails, what reached the store is still
//   served and the error says how many samples were lost;
// - with a backing that claims (processes sharing a store pay once), each
//   fresh fill claims its indices once the miss policy let it draw, draws
//   only the runs that became its own, and for runs another process holds
//   waits (asking the backing again at growing intervals, never spinning)
//   until the store holds them, then serves what it finds there; a run whose
//   holder lapsed becomes its own, and is drawn then. Its own runs and the
//   others' are added in index order, as fills are; the claim is over (told
//   to the backing) once they are stored, or when the draw failed. Claims
//   decide who pays, never where a sample goes: the exclusive append still
//   does, so a claim taken over from a holder that was only slow makes both
//   pay, and the slow one's samples are stored after the other's;
// - exact fills (a cache over a cache: slicing; the fill says it is one)
//   bring the values at exactly the indices they were asked for: each value
//   goes to its own index, never to the first free one, and is placed there
//   in the store (an index taken meanwhile keeps its value, which the
//   backing checks is the same); the values of a fill that lands past a gap
//   (an earlier fill failed) are left to the cache below, which keeps them,
//   and asked for again;
// - counting: the first serving of a value this sequence drew fresh is a
//   miss, every other serving a hit, so hits + misses = values served;
// - it remembers which indices it served and which it drew fresh (for run
//   manifests), at the cost of one comparison per hit;
// - each value keeps its usage (its share of the request that drew it), from
//   the fill that brought it or from the store: one record per fill (per
//   request), or the store's records, maybe still to be read, per look in
//   it; a share is derived when asked, exactly the one it came with, and
//   the store's records are read only then (see `UsageRuns`). What the cache
//   saved is the usage of the values it served that it did not draw, tallied
//   when asked; a replay of a value served before does no more than count a
//   hit;
// - each value keeps what its reply holds beyond its text (its metadata:
//   tool calls, reasoning, …), served by `reply(i)` and never by `get(i)`:
//   known from the fill that drew it, or a link to the value of the
//   sequence below it was read from (a cache over a cache), or, for a value
//   found in the backing, read from the backing when a reply is first asked
//   for (one read from that index on), so that serving texts never reads
//   metadata. A value is written to the backing with its metadata (links
//   resolved first), in the same write. What is served is what a replay
//   reads back: a value that others' samples were appended around keeps no
//   metadata of its own draw in memory (it is read from the backing, where
//   each index has its own), and over a backing that keeps no metadata (no
//   `replies`) none is served. It is kept per fill, never per value (see
//   `MetaRuns`): a value with none costs nothing.
//
// Kept whole: these guarantees hold together, on one list of values and the
// fills in flight over it (waiting, appending in order, merging what the
// store holds, counting a serving), so they read best as one class; split,
// each part would need the others' private state.

import type { IndexRanges } from "./model_info.ts";
import type { SequenceClaim, SequenceStore, StoredSamples } from "./repeatable_options.ts";
import { type Meta, MetaLink, MetaRuns, type MetaSlot } from "./_meta_runs.ts";
import { metaOf, type Reply, replyOf } from "./reply.ts";
import {
  dropBelow,
  shareAt,
  tallyRuns,
  type UsageRuns,
  withRecords,
  withShares,
} from "./_usage.ts";
import { type Usages, UsageTally } from "./usage_shares.ts";
import type { SampleUsage } from "./usage.ts";

export type { MetaSlot } from "./_meta_runs.ts";

/**
 * Samples at consecutive indices with what is known of their usage and
 * metadata (`meta[k]`: what sample `k`'s reply holds beyond its text, or a
 * link to it; absent when none does, or, from a backing, when not read).
 */
interface Found extends Omit<StoredSamples, "meta"> {
  readonly meta?: readonly MetaSlot[] | undefined;
}

/** Samples a fill brought, their usage and metadata, and which of them were stored before it asked. */
export interface Drawn extends Found {
  /**
   * `stored[k]` is true when sample `k` was already stored further down (a
   * cache under this one had it); absent or false means a fresh draw.
   */
  readonly stored?: readonly boolean[] | undefined;
  /**
   * The samples are the values at exactly the indices asked for (read by
   * index from a cache below: a slice), not the next fresh draws.
   */
  readonly exact?: boolean | undefined;
}

/** A value served, and whether it counted as a hit. */
export interface Served {
  /** The value. */
  readonly value: string;
  /** Whether it was stored before this sequence drew it. */
  readonly hit: boolean;
  /** What it cost to draw, when known. */
  readonly usage: SampleUsage | undefined;
  /** What its reply holds beyond its text, or where to find it. */
  readonly meta: MetaSlot;
}

/** One fill: `count` samples that belong at `from` and after. */
export interface FillRequest {
  /** The first index the fill brings. */
  readonly from: number;
  /** How many samples it asks for. */
  readonly count: number;
  /** The batch of the caller that started it. */
  readonly batch: number;
  /** The index that caller is waiting for. */
  readonly index: number;
  /**
   * With a backing that claims: claims the fill's indices before a fresh
   * draw, and resolves to how many samples to draw (the runs that became
   * this sequence's own; 0 when others hold them all). A slice never calls it.
   */
  readonly claim?: (() => Promise<number>) | undefined;
}

/** Fetches the samples of a fill. */
export type Fill = (request: FillRequest) => Promise<Drawn>;

/** Hits and misses, updated as values are served. */
export interface Counts {
  hits: number;
  misses: number;
  /** Samples waited for now, that another process claimed and is drawing. */
  waiting?: number;
}

/** How a sequence gets its missing values. */
export interface SequenceOptions {
  /** Draws fresh samples for missing indices. */
  fill: Fill;
  /** How many samples one fill with this batch asks for. */
  expected(batch: number): number;
  /** Durable storage; looked at again on a miss, written before serving. */
  backing?: SequenceStore | undefined;
  /** Drop each value once it is served (a provider's stream of fresh draws). */
  ephemeral?: boolean;
  /** Where to count hits and misses. */
  stats?: Counts;
}

interface PendingFill {
  readonly end: number;
  done: Promise<void>;
}

// What a sequence keeps while nothing is in flight (most of the time, for
// each prompt): one empty list for all.
const NO_FILLS = Object.freeze([]) as unknown as PendingFill[];
// Where a sequence nobody counts (a provider's) counts its hits and misses.
const UNCOUNTED: Counts = { hits: 0, misses: 0 };

/** One prompt's sequence (see the guarantees above). */
export class Sequence {
  #options: SequenceOptions;
  #stats: Counts;
  #values: (string | undefined)[] = [];
  // What the values cost to draw, where known (made with the first usage).
  #usage: UsageRuns | undefined;
  // What the values' replies hold beyond their texts, or links to it, and
  // which are known (with a backing, the others are asked of it when a
  // reply is); made with the first that has some or is known.
  #meta: MetaRuns | undefined;
  // What the cache saved, as last tallied, and the served and drawn counts then.
  #saved: { tally: UsageTally; below: number; past: number; drawn: number } | undefined;
  #remainder = 0;
  #pending = NO_FILLS;
  #coverage = 0;
  #tail: Promise<unknown> | undefined;
  /** The last claim taken or being taken: the next waits for it. */
  #claiming: Promise<unknown> | undefined;
  #refreshing: Promise<void> | undefined;
  // Served: every index below `#servedBelow`, and those in `#servedPast`
  // (past a gap). A fresh index was never served, so it is at or above
  // `#servedBelow`: a replay of served indices checks one number.
  #servedBelow = 0;
  #servedPast: Set<number> | undefined;
  // Drawn fresh: flat [start, end) pairs, appended in index order. A value
  // drawn and not served yet is fresh: its first serving is a miss.
  #drawn: number[] = [];
  // Where this sequence's last append ended, while nothing was learned
  // since: the store need not be looked at for that index (see #wait).
  #appendedTo = -1;

  constructor(options: SequenceOptions) {
    this.#options = options;
    this.#stats = options.stats ?? UNCOUNTED;
  }

  /** The value at `i`: at once on a hit, else once a fill brings it. */
  get(i: number, batch: number): string | Promise<string> {
    // No closure in here: one would make every call allocate, hits too.
    return this.#values[i] === undefined ? this.#later(i, batch) : this.#take(i);
  }

  /**
   * The value at `i` as its reply: at once on a hit whose metadata is
   * known, else once a fill brings it and its metadata is read.
   */
  reply(i: number, batch: number): Reply | Promise<Reply> {
    if (this.#values[i] === undefined) return this.#laterReply(i, batch);
    const meta = this.metaAt(i);
    return meta instanceof Promise
      ? meta.then((m) => replyOf(this.#take(i), m))
      : replyOf(this.#take(i), meta);
  }

  /**
   * What the reply of the value at `i` holds beyond its text: now when it
   * is known, else once read from the sequence below or the backing.
   */
  metaAt(i: number): Meta | Promise<Meta> {
    const slot = this.#meta?.at(i);
    if (slot instanceof MetaLink) return slot.get();
    if (slot !== undefined || this.#options.backing === undefined || this.#meta?.isKnown(i)) {
      return slot;
    }
    return this.#loadMeta(i);
  }

  /** The value at `i`, whether it was a hit, its usage, and its metadata (or a link to it). */
  async served(i: number, batch: number): Promise<Served> {
    if (this.#values[i] === undefined) await this.#wait(i, batch);
    const hit = !this.#isFresh(i);
    const usage = this.#usage && shareAt(this.#usage, i);
    const slot = this.#meta?.at(i);
    const known = slot !== undefined || this.#options.backing === undefined ||
      this.#meta?.isKnown(i) === true;
    return { value: this.#take(i), hit, usage, meta: known ? slot : new MetaLink(this, i) };
  }

  /**
   * The usage of the values served as hits (stored before this sequence
   * drew them), each counted once: tallied when asked (a store's records
   * are read then), and again only once more values were served.
   */
  saved(): UsageTally {
    const [below, past, drawn] = [
      this.#servedBelow,
      this.#servedPast?.size ?? 0,
      this.#drawn.length,
    ];
    const last = this.#saved;
    if (last !== undefined && last.below === below && last.past === past && last.drawn === drawn) {
      return last.tally;
    }
    const tally = new UsageTally();
    let at = 0;
    for (let k = 0; k < this.#drawn.length && this.#drawn[k]! < below; k += 2) {
      this.#tally(tally, at, this.#drawn[k]!);
      at = this.#drawn[k + 1]!;
    }
    this.#tally(tally, at, below);
    for (const i of this.#servedPast ?? []) if (!this.#isDrawn(i)) this.#tally(tally, i, i + 1);
    this.#saved = { tally, below, past, drawn };
    return tally;
  }

  /** Counts the values at `a` to `b - 1` in `tally`, with their usage. */
  #tally(tally: UsageTally, a: number, b: number): void {
    if (a >= b) return;
    if (this.#usage === undefined) tally.addUnknown(b - a);
    else tallyRuns(this.#usage, tally, a, b);
  }

  /** Which indices were served, and which were drawn fresh (not stored before). */
  record(): { served: IndexRanges; drawn: IndexRanges } {
    const served: [number, number][] = this.#servedBelow > 0 ? [[0, this.#servedBelow - 1]] : [];
    for (const i of [...this.#servedPast ?? []].sort((a, b) => a - b)) {
      const last = served.at(-1);
      if (last !== undefined && last[1] === i - 1) last[1] = i;
      else served.push([i, i]);
    }
    const drawn: [number, number][] = [];
    for (let k = 0; k < this.#drawn.length; k += 2) {
      drawn.push([this.#drawn[k]!, this.#drawn[k + 1]! - 1]);
    }
    return { served, drawn };
  }

  /** The value at `i`, once a fill brings it. */
  async #later(i: number, batch: number): Promise<string> {
    await this.#wait(i, batch);
    return this.#take(i);
  }

  /** The reply at `i`, once a fill brings it. */
  async #laterReply(i: number, batch: number): Promise<Reply> {
    await this.#wait(i, batch);
    return await this.reply(i, batch);
  }

  /**
   * Reads the metadata of the values from index `i` on from the backing
   * (one read covers every value held then), and answers `i`'s. A stored
   * reply whose text is not the value held is not this value's: none.
   */
  async #loadMeta(i: number): Promise<Meta> {
    const meta = this.#meta ??= new MetaRuns();
    let loading = meta.loading;
    if (loading === undefined || i < loading.from || i >= loading.end) {
      const from = i;
      const end = this.#values.length;
      const done = this.#readMeta(meta, from, end).finally(() => {
        if (meta.loading === loading) meta.loading = undefined;
      });
      meta.loading = loading = { from, end, done };
    }
    await loading.done;
    // Read, or found unreadable: either way not asked again.
    if (!meta.isKnown(i)) meta.note(i, undefined, 0, 1, true);
    return await this.metaAt(i);
  }

  /** Reads the metadata of the values at `from` to `end - 1` not known yet. */
  async #readMeta(meta: MetaRuns, from: number, end: number): Promise<void> {
    const backing = this.#options.backing!;
    const replies = backing.replies === undefined ? [] : await backing.replies(from);
    for (const [start, stop] of meta.unknownIn(from, end)) {
      const slots = Array.from({ length: stop - start }, (_, k) => {
        const reply = replies[start - from + k];
        return reply !== undefined && reply.text === this.#values[start + k]
          ? metaOf(reply)
          : undefined;
      });
      meta.note(start, slots, 0, slots.length, true);
    }
  }

  /** Serves the value at `i`, counting it. */
  #take(i: number): string {
    const value = this.#values[i]!;
    if (i >= this.#servedBelow) this.#takeFirst(i);
    else this.#stats.hits++;
    // A provider's fresh draws are never hits: their usage goes with them.
    if (this.#options.ephemeral) {
      this.#values[i] = undefined;
      if (this.#usage !== undefined) this.#usage = dropBelow(this.#usage, this.#servedBelow);
      if (this.#meta?.dropBelow(this.#servedBelow) === false) this.#meta = undefined;
    }
    return value;
  }

  /** Serves `i` maybe for the first time: a fresh value's first serving is a miss. */
  #takeFirst(i: number): void {
    if (this.#isFresh(i)) this.#stats.misses++;
    else this.#stats.hits++;
    if (i !== this.#servedBelow) {
      (this.#servedPast ??= new Set()).add(i);
      return;
    }
    this.#servedBelow++;
    const past = this.#servedPast;
    if (past === undefined) return;
    while (past.delete(this.#servedBelow)) this.#servedBelow++;
    if (past.size === 0) this.#servedPast = undefined;
  }

  /** Whether the value at `i` was drawn by this sequence and not served yet. */
  #isFresh(i: number): boolean {
    return i >= this.#servedBelow && this.#servedPast?.has(i) !== true && this.#isDrawn(i);
  }

  /** Whether the value at `i` was drawn by this sequence. */
  #isDrawn(i: number): boolean {
    const drawn = this.#drawn;
    let [low, high] = [0, (drawn.length >> 1) - 1];
    while (low <= high) {
      const mid = (low + high) >> 1;
      if (i < drawn[2 * mid]!) high = mid - 1;
      else if (i >= drawn[2 * mid + 1]!) low = mid + 1;
      else return true;
    }
    return false;
  }

  async #wait(i: number, batch: number): Promise<void> {
    const backing = this.#options.backing;
    // A miss right after this sequence's own append draws without a look:
    // the index past it was free when the append took the one before.
    if (
      backing !== undefined && this.#pending.length === 0 &&
      this.#values.length !== this.#appendedTo
    ) {
      await this.#refresh(backing);
    }
    while (i >= this.#values.length) {
      try {
        await this.#covering(i, batch);
      } catch (error) {
        if (i >= this.#values.length) throw error;
      }
    }
  }

  #refresh(backing: SequenceStore): Promise<void> {
    const from = this.#values.length;
    this.#refreshing ??= backing.load(from)
      .then((found) => this.#merge(from, found, [], found.meta !== undefined))
      .finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  /** A fill in flight that covers `i`, or new fills up to one that does. */
  #covering(i: number, batch: number): Promise<void> {
    for (const fill of this.#pending) if (i < fill.end) return fill.done;
    let fill: PendingFill;
    do fill = this.#start(batch, i); while (i >= fill.end);
    return fill.done;
  }

  #start(batch: number, wanted: number): PendingFill {
    const index = this.#values.length + this.#coverage;
    const expected = Math.max(1, this.#options.expected(batch));
    const count = Math.min(this.#remainder || expected, expected);
    this.#remainder -= Math.min(this.#remainder, count);
    const claim = this.#claimOf(index, count);
    const drawn = this.#options.fill({
      from: index,
      count,
      batch,
      index: wanted,
      claim: claim?.take,
    });
    const fill: PendingFill = { end: index + count, done: Promise.resolve() };
    fill.done = this.#add(drawn, index, count, this.#tail, claim, batch).finally(() => {
      this.#coverage -= count;
      this.#pending.splice(this.#pending.indexOf(fill), 1);
      // Nothing in flight: nothing to wait for, and no list to keep.
      if (this.#pending.length === 0) {
        this.#pending = NO_FILLS;
        this.#tail = undefined;
      }
    });
    this.#coverage += count;
    if (this.#pending === NO_FILLS) this.#pending = [fill];
    else this.#pending.push(fill);
    this.#tail = fill.done.catch(() => {});
    return fill;
  }

  /**
   * Appends a fill's samples once every fill started before it is appended;
   * an exact fill's go to their own indices from `index` on.
   */
  async #add(
    drawn: Promise<Drawn>,
    index: number,
    count: number,
    previous: Promise<unknown> | undefined,
    claim: PendingClaim | undefined,
    batch: number,
  ): Promise<void> {
    const got = await drawn.catch(async (error) => {
      await claim?.claimed?.done(this.#values.length);
      throw error;
    });
    if (claim?.claimed !== undefined) return this.#addClaimed(got, claim.claimed, previous, batch);
    const { samples, stored, usage, exact } = got;
    if (samples.length < count) this.#remainder += count - samples.length;
    const backing = this.#options.backing;
    // What goes to the backing goes whole: links to the sequence below resolved.
    const meta = backing === undefined ? got.meta : await resolved(got.meta);
    await previous;
    const fresh = samples.map((_, k) => stored?.[k] !== true);
    if (exact) {
      // Past a gap (an earlier fill failed): the cache below keeps them.
      if (index > this.#values.length) return;
      if (backing === undefined) return this.#merge(index, got, fresh, false);
      await backing.place({ from: index, samples, usage, meta: meta as Meta[] | undefined });
      this.#merge(index, { samples, usage, meta: kept(backing, meta) }, fresh, true);
    } else if (backing === undefined) {
      this.#merge(this.#values.length, got, fresh, false);
    } else await this.#store(backing, { samples, usage, meta: meta as Meta[] | undefined }, fresh);
  }

  /** How a fill starting at `from` claims its indices, when the backing claims. */
  #claimOf(from: number, count: number): PendingClaim | undefined {
    const backing = this.#options.backing;
    if (backing?.claim === undefined) return undefined;
    const claim: PendingClaim = {
      claimed: undefined,
      take: () => {
        // In index order: fills of one process then ask the model below in the
        // order they started, as they do without claims.
        const taken = (this.#claiming ?? Promise.resolve()).then(async () => {
          const stored = this.#values.length;
          claim.claimed = await backing.claim!({ from, count, stored });
          return mineCount(claim.claimed);
        });
        const mine = this.#claiming = taken.catch(() => {});
        void mine.then(() => {
          if (this.#claiming === mine) this.#claiming = undefined;
        });
        return taken;
      },
    };
    return claim;
  }

  /**
   * Adds a claimed fill once the fills before it are added: its own runs
   * (`got`, drawn for them, in order) stored, the others' waited for; then
   * tells the backing the claim is over. A claim that found its first index
   * stored adds what the store holds.
   */
  async #addClaimed(
    got: Drawn,
    claimed: SequenceClaim,
    previous: Promise<unknown> | undefined,
    batch: number,
  ): Promise<void> {
    const mine = mineCount(claimed);
    if (got.samples.length < mine) this.#remainder += mine - got.samples.length;
    await previous;
    try {
      if (claimed.stored) await this.#refresh(this.#options.backing!);
      else await this.#addRuns(claimed, got, batch);
    } finally {
      await claimed.done(this.#values.length);
    }
  }

  /** Stores the own runs of a claim (`got`: their samples, in order) and waits for the others'. */
  async #addRuns(claimed: SequenceClaim, got: Drawn, batch: number): Promise<void> {
    const backing = this.#options.backing!;
    const meta = await resolved(got.meta) as Meta[] | undefined;
    let k = 0;
    for (const run of claimed.runs) {
      if (!run.mine) {
        await this.#awaitOthers(backing, run.from + run.count, batch);
        continue;
      }
      const n = Math.min(run.count, got.samples.length - k);
      if (n <= 0) continue;
      const part = (list: readonly unknown[] | undefined) => list?.slice(k, k + n);
      const fresh = got.samples.slice(k, k + n).map((_, j) => got.stored?.[k + j] !== true);
      await this.#store(backing, {
        samples: got.samples.slice(k, k + n),
        usage: part(got.usage) as Drawn["usage"],
        meta: part(meta) as Meta[] | undefined,
      }, fresh);
      k += n;
    }
  }

  /**
   * Waits until the store holds the samples up to `end` (exclusive), which
   * other processes claimed, adding them as they come: asks the backing
   * again at growing intervals (20 ms, then half as long again each time, at
   * most 500 ms); what of them was stored meanwhile is read, and a run whose
   * holder lapsed becomes this sequence's own, drawn and stored now.
   */
  async #awaitOthers(backing: SequenceStore, end: number, batch: number): Promise<void> {
    let counted = 0;
    const count = () => {
      const now = Math.max(0, end - this.#values.length);
      this.#stats.waiting = (this.#stats.waiting ?? 0) + now - counted;
      counted = now;
    };
    let pause = FIRST_PAUSE;
    try {
      for (count(); this.#values.length < end; count()) {
        const from = this.#values.length;
        const claimed = await backing.claim!({ from, count: end - from, stored: from });
        if (claimed.stored) {
          await claimed.done(from);
          await this.#refresh(backing);
          pause = FIRST_PAUSE;
        } else if (claimed.runs.some((run) => run.mine)) {
          await this.#drawClaimed(claimed, batch);
          pause = FIRST_PAUSE;
        } else {
          await claimed.done(from);
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(LAST_PAUSE, pause * 1.5);
        }
      }
    } finally {
      this.#stats.waiting = (this.#stats.waiting ?? 0) - counted;
    }
  }

  /** Draws the own runs of a claim made while waiting (taken over), and adds its runs. */
  async #drawClaimed(claimed: SequenceClaim, batch: number): Promise<void> {
    const from = this.#values.length;
    const count = claimed.runs.reduce((n, run) => n + run.count, 0);
    let got: Drawn;
    try {
      const mine = Promise.resolve(mineCount(claimed));
      got = await this.#options.fill({ from, count, batch, index: from, claim: () => mine });
    } catch (error) {
      await claimed.done(this.#values.length);
      throw error;
    }
    try {
      await this.#addRuns(claimed, got, batch);
    } finally {
      await claimed.done(this.#values.length);
    }
  }

  /** Stores fresh samples, then adds what the store holds from there on. */
  async #store(backing: SequenceStore, mine: StoredSamples, fresh: boolean[]): Promise<void> {
    const from = this.#values.length;
    let found: StoredSamples;
    this.#appendedTo = -1;
    try {
      found = await backing.append({ from, ...mine });
    } catch (error) {
      const kept = await backing.load(from).catch(() => undefined);
      if (kept === undefined) throw lostSamples(error, mine.samples.length, undefined);
      this.#mergeOurs(from, kept, mine, fresh, false);
      const stored = ours(kept.samples, mine.samples).filter((k) => k >= 0).length;
      throw lostSamples(error, mine.samples.length, mine.samples.length - stored);
    }
    this.#mergeOurs(from, found, { ...mine, meta: kept(backing, mine.meta) }, fresh, true);
    this.#appendedTo = this.#values.length;
  }

  /**
   * Adds what the store holds from index `from` on, among which `mine`, this
   * sequence's own samples (`fresh[k]` marks a fresh draw), keep their usage
   * (others' have the store's). Their metadata is kept only when the store
   * holds exactly them (`found` answers an append that stored them all):
   * among others' samples, one of the same text could be taken for ours, so
   * the metadata of each index is then read from the store, when asked for.
   */
  #mergeOurs(
    from: number,
    found: StoredSamples,
    mine: StoredSamples,
    fresh: readonly boolean[],
    appended: boolean,
  ): void {
    const matched = ours(found.samples, mine.samples);
    const alone = appended && found.samples.length === mine.samples.length;
    const start = this.#values.length - from;
    this.#merge(
      from,
      { samples: found.samples, meta: alone ? mine.meta : found.meta },
      matched.map((k) => k >= 0 && fresh[k]!),
      alone || found.meta !== undefined,
    );
    // Runs of ours (their usage is known here) and of others' (the store's).
    const usage = mine.usage;
    for (let r = Math.max(start, 0); r < matched.length;) {
      const mineHere = usage !== undefined && matched[r]! >= 0;
      let end = r + 1;
      while (end < matched.length && (usage !== undefined && matched[end]! >= 0) === mineHere) {
        end++;
      }
      if (mineHere) this.#noteShares(from + r, usage.slice(matched[r]!, matched[r]! + end - r));
      else this.#noteStored(from + r, found, r, end);
      r = end;
    }
  }

  /**
   * Adds what the store holds from index `from` on, with its usage and
   * metadata (`known`: whether an empty slot means none, rather than
   * "ask the backing"); `fresh[k]` marks `samples[k]` as this sequence's own
   * draw. A look in the store and an append can overlap, so indices already
   * here are skipped: a stored index never changes, so they hold the same
   * values.
   */
  #merge(from: number, found: Found, fresh: readonly boolean[], known: boolean): void {
    const { samples } = found;
    const start = this.#values.length - from;
    for (let k = start; k < samples.length; k++) {
      if (fresh[k] === true) this.#markDrawn(from + k);
    }
    // The first values: an array of their exact size (there is one per prompt).
    if (this.#values.length === 0 && start === 0) this.#values = samples.slice();
    else for (let k = start; k < samples.length; k++) this.#values.push(samples[k]!);
    if (start >= samples.length) return;
    this.#noteStored(from + start, found, start, samples.length);
    this.#noteMeta(from + start, found.meta, start, samples.length, known);
  }

  /**
   * Notes `slots[a]` to `slots[b - 1]` as the metadata of the values at
   * `index` and after (`known`: an empty slot means none, not "ask the
   * backing"): nothing to keep when none is set and none is known.
   */
  #noteMeta(
    index: number,
    slots: readonly MetaSlot[] | undefined,
    a: number,
    b: number,
    known: boolean,
  ): void {
    if (!known && !slots?.some((slot, k) => k >= a && k < b && slot !== undefined)) return;
    (this.#meta ??= new MetaRuns()).note(index, slots, a, b, known);
  }

  /** Notes the usage of the values at `index` and after: `found`'s, of its samples `a` to `b - 1`. */
  #noteStored(index: number, found: Found, a: number, b: number): void {
    if (found.usage !== undefined) this.#noteShares(index, found.usage.slice(a, b));
    else if (found.records !== undefined) {
      this.#usage = withRecords(this.#usage, index, b - a, found.records);
    }
  }

  /** Notes the shares of the values at `index` and after. */
  #noteShares(index: number, usage: Usages): void {
    if (usage.some((u) => u !== undefined)) this.#usage = withShares(this.#usage, index, usage);
  }

  #markDrawn(i: number): void {
    const drawn = this.#drawn;
    if (drawn.length === 0) this.#drawn = [i, i + 1];
    else if (drawn[drawn.length - 1] === i) drawn[drawn.length - 1] = i + 1;
    else drawn.push(i, i + 1);
  }
}

/** The first pause between two looks at others' claims, and the longest (ms). */
const FIRST_PAUSE = 20;
const LAST_PAUSE = 500;

/** A fill's claim: how to take it (once the policy lets the fill draw), and what it answered. */
interface PendingClaim {
  claimed: SequenceClaim | undefined;
  readonly take: () => Promise<number>;
}

/** How many indices of a claim are the claimer's own to draw. */
function mineCount(claimed: SequenceClaim): number {
  return claimed.runs.reduce((n, run) => n + (run.mine ? run.count : 0), 0);
}

/**
 * For each sample of `found` (what a store holds from some index on), the
 * index of the sample of `mine` it is, or -1 for another writer's. Mine were
 * stored in order, each at the first free index, so they are a subsequence
 * of `found`: matching greedily finds exactly as many as there are, whatever
 * others wrote between them.
 */
function ours(found: readonly string[], mine: readonly string[]): number[] {
  const out = new Array<number>(found.length).fill(-1);
  for (let r = 0, k = 0; r < found.length && k < mine.length; r++) {
    if (found[r] === mine[k]) out[r] = k++;
  }
  return out;
}

/**
 * `meta`, as `backing` keeps it once written: nothing, when it keeps no
 * metadata (asked after the write, which opens a store opened on first
 * use), so that what is served now is what a replay reads.
 */
function kept<T>(backing: SequenceStore, meta: T): T | undefined {
  return backing.replies === undefined ? undefined : meta;
}

/** `meta` with every link resolved: what the sequence below holds. */
async function resolved(
  meta: readonly MetaSlot[] | undefined,
): Promise<readonly MetaSlot[] | undefined> {
  if (meta === undefined || !meta.some((m) => m instanceof MetaLink)) return meta;
  return await Promise.all(meta.map((m) => m instanceof MetaLink ? m.get() : m));
}

function lostSamples(error: unknown, drawn: number, lost: number | undefined): Error {
  const what = lost === 0
    ? `storing ${drawn} freshly drawn sample(s) failed after all of them were stored`
    : `storing ${drawn} freshly drawn sample(s) failed, and ` +
      `${lost === undefined ? `up to ${drawn}` : lost} of them were lost ` +
      `(paid for, but neither stored nor served)`;
  const message = `${what}: ${error instanceof Error ? error.message : String(error)}`;
  // A missing permission stays recognisable as one.
  return error instanceof Deno.errors.NotCapable
    ? new Deno.errors.NotCapable(message, { cause: error })
    : new Error(message, { cause: error });
}
