// The metadata of a sequence's values (what each reply holds beyond its
// text, see reply.ts) as a sequence keeps it: per range, never per value,
// the way it keeps usage (see `UsageRuns`). A value whose reply holds
// nothing beyond its text costs nothing, so that a cache of plain texts
// costs what it did before replies had metadata; a fill that brought some
// keeps its list of slots as it came; the values a cache read from a cache
// below keep one link to where they are there, per run.
//
// With a backing, a value's metadata is known (`undefined` meaning none) or
// still in the backing, to be read when a reply is asked for: the known
// indices are kept as ranges too, one per run of fills that were appended
// alone, so that a sequence filled one request after another keeps one.

import type { ReplyMeta } from "./reply.ts";

/** What a value's reply holds beyond its text; `undefined` when nothing. */
export type Meta = ReplyMeta | undefined;

/** Where the metadata of values can be asked for by index (a sequence). */
export interface MetaSource {
  /** The metadata of the value at `index`: now when it is known, else once read. */
  metaAt(index: number): Meta | Promise<Meta>;
}

/**
 * The metadata of a value read from another sequence (a cache's value, read
 * by a model above): found there when it is asked for.
 */
export class MetaLink {
  /**
   * @param source The sequence the value was read from.
   * @param index Its index there.
   */
  constructor(readonly source: MetaSource, readonly index: number) {}

  /** The metadata, now when it is known, else once read. */
  get(): Meta | Promise<Meta> {
    return this.source.metaAt(this.index);
  }
}

/** A value's metadata as a fill carries it: known, or a link to where it is. */
export type MetaSlot = Meta | MetaLink;

/** The slots of the values at `from` and after, as a fill brought them. */
interface SlotRun {
  readonly from: number;
  readonly slots: readonly MetaSlot[];
}

/** Links to `count` consecutive values of `source`, from its `index` on. */
interface LinkRun {
  readonly from: number;
  readonly count: number;
  readonly source: MetaSource;
  readonly index: number;
}

type Run = SlotRun | LinkRun;

/** A read of the backing's metadata in flight, covering `from` to `end - 1`. */
export interface MetaLoading {
  readonly from: number;
  readonly end: number;
  readonly done: Promise<void>;
}

/**
 * What a sequence knows of its values' metadata, made with the first value
 * that has some, or whose metadata is known to be none over a backing.
 */
export class MetaRuns {
  // Runs in index order, not overlapping; only where some slot is set.
  #runs: Run[] | undefined;
  // Indices whose metadata is known: flat [start, end) pairs in index order,
  // touching ones merged.
  #known: number[] | undefined;
  /** A read of the backing in flight. */
  loading: MetaLoading | undefined;

  /** The slot of the value at `index`: its metadata, a link to it, or `undefined`. */
  at(index: number): MetaSlot {
    const runs = this.#runs;
    if (runs === undefined) return undefined;
    const run = runs[lastAtOrBefore(runs, index)];
    if (run === undefined) return undefined;
    const k = index - run.from;
    if ("slots" in run) return run.slots[k];
    return k < run.count ? new MetaLink(run.source, run.index + k) : undefined;
  }

  /** Whether the metadata of the value at `index` is known (no read of the backing needed). */
  isKnown(index: number): boolean {
    const known = this.#known;
    if (known === undefined) return false;
    const k = pairAtOrBefore(known, index);
    return k >= 0 && index < known[2 * k + 1]!;
  }

  /**
   * Notes `slots[a]` to `slots[b - 1]` as the slots of the values at `from`
   * and after (values with none noted before), and, when `known`, that
   * their metadata is known.
   */
  note(from: number, slots: readonly MetaSlot[] | undefined, a: number, b: number, known: boolean) {
    const run = slots === undefined ? undefined : runOf(from, slots, a, b);
    if (run !== undefined) {
      const runs = this.#runs ??= [];
      runs.splice(lastAtOrBefore(runs, run.from) + 1, 0, run);
    }
    if (known && a < b) this.#know(from, from + b - a);
  }

  /** The ranges `[start, end)` among `from` to `end - 1` whose metadata is not known. */
  unknownIn(from: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    let at = from;
    const known = this.#known ?? [];
    for (let k = 0; k < known.length && at < end; k += 2) {
      if (known[k + 1]! <= at) continue;
      if (known[k]! > at) out.push([at, Math.min(known[k]!, end)]);
      at = Math.max(at, known[k + 1]!);
    }
    if (at < end) out.push([at, end]);
    return out;
  }

  /** Forgets the slots of the values below `index`; whether anything is left. */
  dropBelow(index: number): boolean {
    const runs = this.#runs;
    if (runs !== undefined) {
      let gone = 0;
      while (gone < runs.length && end(runs[gone]!) <= index) gone++;
      runs.splice(0, gone);
      if (runs.length === 0) this.#runs = undefined;
    }
    return this.#runs !== undefined || this.#known !== undefined || this.loading !== undefined;
  }

  /** Notes the values at `from` to `end - 1` as known. */
  #know(from: number, to: number): void {
    const known = this.#known;
    if (known === undefined) {
      this.#known = [from, to];
      return;
    }
    // The usual case: a fill appended right after the last known one.
    if (known[known.length - 1] === from) {
      known[known.length - 1] = to;
      return;
    }
    const merged: number[] = [];
    let [start, stop] = [from, to];
    for (let k = 0; k < known.length; k += 2) {
      const [s, e] = [known[k]!, known[k + 1]!];
      if (e < start || s > stop) merged.push(s, e);
      else [start, stop] = [Math.min(s, start), Math.max(e, stop)];
    }
    const at = merged.findIndex((s, k) => k % 2 === 0 && s > start);
    merged.splice(at < 0 ? merged.length : at, 0, start, stop);
    this.#known = merged;
  }
}

/** The run of `slots[a]` to `slots[b - 1]` at `from`, or none when no slot is set. */
function runOf(from: number, slots: readonly MetaSlot[], a: number, b: number): Run | undefined {
  const first = slots[a];
  if (first instanceof MetaLink) {
    const { source, index } = first;
    let k = a + 1;
    while (k < b && sameLink(slots[k], source, index + k - a)) k++;
    if (k === b) return { from, count: b - a, source, index };
  }
  for (let k = a; k < b; k++) {
    if (slots[k] !== undefined) {
      return { from, slots: a === 0 && b === slots.length ? slots : slots.slice(a, b) };
    }
  }
  return undefined;
}

function sameLink(slot: MetaSlot, source: MetaSource, index: number): boolean {
  return slot instanceof MetaLink && slot.source === source && slot.index === index;
}

function end(run: Run): number {
  return run.from + ("slots" in run ? run.slots.length : run.count);
}

/** The position of the last run that starts at or before `index`, or -1. */
function lastAtOrBefore(runs: readonly Run[], index: number): number {
  let [low, high] = [0, runs.length - 1];
  // Most asks are about the latest values.
  if (high < 0 || runs[high]!.from <= index) return high;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (runs[mid]!.from <= index) low = mid + 1;
    else high = mid - 1;
  }
  return high;
}

/** The position of the last pair of `flat` ([start, end) pairs) that starts at or before `index`, or -1. */
function pairAtOrBefore(flat: readonly number[], index: number): number {
  let [low, high] = [0, (flat.length >> 1) - 1];
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (flat[2 * mid]! <= index) low = mid + 1;
    else high = mid - 1;
  }
  return high;
}
