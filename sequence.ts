// The sampling core's one data structure: an append-only list of samples for
// one prompt, filled on demand. Caches keep every value; a provider's list is
// ephemeral (each value is handed out once, then dropped).

/** Samples a fill brought, and which of them were stored before it asked. */
export interface Drawn {
  /** The samples, in order. */
  readonly samples: readonly string[];
  /**
   * `stored[k]` is true when sample `k` was already stored further down (a
   * cache under this one had it); absent or false means a fresh draw.
   */
  readonly stored?: readonly boolean[] | undefined;
}

/** A value served by {@linkcode Sequence.getStored}. */
export interface Served {
  /** The value. */
  readonly value: string;
  /** Whether it counted as a hit: stored before this sequence drew it. */
  readonly stored: boolean;
}

/**
 * Fetches `count` fresh samples that belong at `index` and after; `wanted`
 * is the index a caller is waiting for.
 */
export type Fill = (
  index: number,
  count: number,
  batch: number,
  wanted: number,
) => Promise<Drawn>;

/** Durable storage behind a sequence (a `Persistent` store). */
export interface Backing {
  /** Samples stored at `from` and after, in order, up to the first gap. */
  load(from: number): Promise<readonly string[]>;
  /**
   * Stores `samples` at the first free indices at or after `from` and returns
   * every sample now stored at `from` and after, others' included, in order.
   */
  append(from: number, samples: readonly string[]): Promise<readonly string[]>;
}

/** How a sequence gets its missing values. */
export interface SequenceOptions {
  /** Draws fresh samples for a missing index. */
  fill: Fill;
  /** How many samples one fill with this batch asks for. */
  expected(batch: number): number;
  /** Durable storage; looked at again on a miss, written before serving. */
  backing?: Backing;
  /** Drop values once consumed (a provider's stream of fresh draws). */
  ephemeral?: boolean;
  /**
   * Counters to update for every value served: a hit is a value stored
   * before this sequence drew it (found in the backing, or served before); a
   * miss is the first serving of a value this sequence drew fresh, whether a
   * caller waited for it or it came with another caller's batch.
   */
  stats?: { hits: number; misses: number };
}

interface PendingFill {
  readonly end: number;
  readonly done: Promise<void>;
}

/**
 * One prompt's sequence. Index `i` holds one value for ever; concurrent
 * waiters on missing indices share the fills that cover them, and fills are
 * appended in the order they were started, whatever order they finish in. A
 * fill that brings fewer samples than it asked for leaves a remainder, which
 * the next fill asks for instead of a whole new batch.
 */
export class Sequence {
  #values: (string | undefined)[] = [];
  // owed[i]: the value at i is a fresh draw of this sequence not served yet,
  // so serving it is a miss; `#owing` counts them, to keep hits cheap.
  #owed: boolean[] = [];
  #owing = 0;
  #remainder = 0;
  #options: SequenceOptions;
  #pending: PendingFill[] = [];
  #coverage = 0;
  #appended: Promise<unknown> = Promise.resolve();
  #refreshing: Promise<void> | undefined;
  #stats: { hits: number; misses: number };

  constructor(options: SequenceOptions) {
    this.#options = options;
    this.#stats = options.stats ?? { hits: 0, misses: 0 };
  }

  /** How many values the sequence holds. */
  get length(): number {
    return this.#values.length;
  }

  /** The value at `i` if it is already here, without waiting. */
  peek(i: number): string | undefined {
    return this.#values[i];
  }

  /** The value at `i`, filling the sequence up to it if needed. */
  get(i: number, batch: number): string | Promise<string> {
    const value = this.#values[i];
    if (value === undefined) return this.#miss(i, batch);
    if (this.#owing === 0) this.#stats.hits++;
    else this.#count(i);
    return value;
  }

  /** Like {@linkcode Sequence.get}, also saying whether the value was a hit. */
  async getStored(i: number, batch: number): Promise<Served> {
    if (this.#values[i] === undefined) await this.#wait(i, batch);
    return { value: this.#values[i]!, stored: this.#count(i) };
  }

  /** Forgets the value at `i` once it has been handed out (ephemeral only). */
  consume(i: number): void {
    if (this.#options.ephemeral) this.#values[i] = undefined;
  }

  async #miss(i: number, batch: number): Promise<string> {
    await this.#wait(i, batch);
    this.#count(i);
    return this.#values[i]!;
  }

  /** Counts the serving of index `i`; true for a hit. */
  #count(i: number): boolean {
    if (this.#owed[i] === true) {
      this.#owed[i] = false;
      this.#owing--;
      this.#stats.misses++;
      return false;
    }
    this.#stats.hits++;
    return true;
  }

  async #wait(i: number, batch: number): Promise<void> {
    if (this.#options.backing !== undefined && this.#pending.length === 0) {
      await this.#refresh();
    }
    while (i >= this.#values.length) {
      try {
        await this.#covering(i, batch);
      } catch (error) {
        // A failed fill fails only the waiters whose index is still missing.
        if (i >= this.#values.length) throw error;
      }
    }
  }

  #refresh(): Promise<void> {
    const from = this.#values.length;
    this.#refreshing ??= this.#options.backing!.load(from)
      .then((found) => this.#merge(from, found))
      .finally(() => this.#refreshing = undefined);
    return this.#refreshing;
  }

  #covering(i: number, batch: number): Promise<void> {
    for (const fill of this.#pending) if (i < fill.end) return fill.done;
    let fill: PendingFill;
    do fill = this.#start(batch, i); while (i >= fill.end);
    return fill.done;
  }

  #start(batch: number, wanted: number): PendingFill {
    const start = this.#values.length + this.#coverage;
    const expected = Math.max(1, this.#options.expected(batch));
    // What an earlier short fill still owes, but never more than this batch asks for.
    const count = this.#remainder > 0 ? Math.min(this.#remainder, expected) : expected;
    this.#remainder -= Math.min(this.#remainder, count);
    const drawn = this.#options.fill(start, count, batch, wanted);
    const previous = this.#appended;
    const fill = { end: start + count, done: Promise.resolve() };
    this.#coverage += count;
    this.#pending.push(fill);
    fill.done = (async () => {
      try {
        const { samples, stored } = await drawn;
        if (samples.length < count) this.#remainder += count - samples.length;
        await previous;
        const owed = samples.map((_, k) => stored?.[k] !== true);
        const backing = this.#options.backing;
        if (backing === undefined) this.#merge(this.#values.length, samples, owed);
        else await this.#store(backing, samples, owed);
      } finally {
        this.#coverage -= count;
        this.#pending.splice(this.#pending.indexOf(fill), 1);
      }
    })();
    this.#appended = fill.done.catch(() => {});
    return fill;
  }

  /**
   * Appends fresh samples to the backing and adds what it holds now. When the
   * write fails, what did reach the store is still served, and the error says
   * how many of the samples were lost.
   */
  async #store(backing: Backing, samples: readonly string[], owed: boolean[]): Promise<void> {
    const from = this.#values.length;
    let found: readonly string[];
    try {
      found = await backing.append(from, samples);
    } catch (error) {
      let lost: number | undefined;
      try {
        const kept = await backing.load(from);
        this.#merge(from, kept, ownFlags(kept, samples, owed));
        lost = samples.length - ownFlags(kept, samples, samples.map(() => true))
          .filter(Boolean).length;
      } catch {
        // The store cannot be read either: how many samples it kept is unknown.
      }
      throw lostSamples(error, samples.length, lost);
    }
    this.#merge(from, found, ownFlags(found, samples, owed));
  }

  /**
   * Adds what the store holds from index `from` on; `owed[k]` marks
   * `samples[k]` as a fresh draw of this sequence. A look in the store and an
   * append can overlap, so indices already here are skipped: a stored index
   * never changes, so they hold the same values.
   */
  #merge(from: number, samples: readonly string[], owed?: readonly boolean[]): void {
    for (let k = this.#values.length - from; k < samples.length; k++) {
      if (owed?.[k] === true) {
        this.#owed[this.#values.length] = true;
        this.#owing++;
      }
      this.#values.push(samples[k]!);
    }
  }
}

/**
 * For each sample of `found` (what a store holds from some index on), whether
 * it is one of `ours` marked in `owed`. Ours were stored in order, each at the
 * first free index, so they are a subsequence of `found`: matching them
 * greedily marks exactly as many as there are, whatever others wrote between.
 */
function ownFlags(
  found: readonly string[],
  ours: readonly string[],
  owed: readonly boolean[],
): boolean[] {
  const flags = new Array<boolean>(found.length).fill(false);
  for (let r = 0, k = 0; r < found.length && k < ours.length; r++) {
    if (found[r] === ours[k]) flags[r] = owed[k++]!;
  }
  return flags;
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
