// The sampling core's one data structure: an append-only list of samples for
// one prompt, filled on demand. Caches keep every value; a provider's list is
// ephemeral (each value is handed out once, then dropped).

/**
 * Fetches fresh samples that belong at `index` and after; `wanted` is the
 * index a caller is waiting for.
 */
export type Fill = (
  index: number,
  batch: number,
  wanted: number,
) => Promise<readonly string[]>;

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
  /** How many samples one fill with this batch is expected to bring. */
  expected(batch: number): number;
  /** Durable storage; looked at again on a miss, written before serving. */
  backing?: Backing;
  /** Drop values once consumed (a provider's stream of fresh draws). */
  ephemeral?: boolean;
  /** Counters to update: a hit is served at once, a miss waits for a fill. */
  stats?: { hits: number; misses: number };
}

interface PendingFill {
  readonly end: number;
  readonly done: Promise<void>;
}

/**
 * One prompt's sequence. Index `i` holds one value for ever; concurrent
 * waiters on missing indices share the fills that cover them, and fills are
 * appended in the order they were started, whatever order they finish in.
 */
export class Sequence {
  #values: (string | undefined)[] = [];
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
    this.#stats.hits++;
    return value;
  }

  /** Forgets the value at `i` once it has been handed out (ephemeral only). */
  consume(i: number): void {
    if (this.#options.ephemeral) this.#values[i] = undefined;
  }

  async #miss(i: number, batch: number): Promise<string> {
    if (this.#options.backing !== undefined && this.#pending.length === 0) {
      await this.#refresh();
    }
    const counter = i < this.#values.length ? "hits" : "misses";
    while (i >= this.#values.length) await this.#covering(i, batch);
    this.#stats[counter]++;
    return this.#values[i]!;
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
    const count = Math.max(1, this.#options.expected(batch));
    const drawn = this.#options.fill(start, batch, wanted);
    const previous = this.#appended;
    const fill = { end: start + count, done: Promise.resolve() };
    this.#coverage += count;
    this.#pending.push(fill);
    fill.done = (async () => {
      try {
        const samples = await drawn;
        await previous;
        const backing = this.#options.backing;
        if (backing === undefined) this.#merge(this.#values.length, samples);
        else {
          const from = this.#values.length;
          this.#merge(from, await backing.append(from, samples));
        }
      } finally {
        this.#coverage -= count;
        this.#pending.splice(this.#pending.indexOf(fill), 1);
      }
    })();
    this.#appended = fill.done.catch(() => {});
    return fill;
  }

  /**
   * Adds what the store holds from index `from` on. A look in the store and
   * an append can overlap, so indices already here are skipped: a stored
   * index never changes, so they hold the same values.
   */
  #merge(from: number, samples: readonly string[]): void {
    for (let k = this.#values.length - from; k < samples.length; k++) {
      this.#values.push(samples[k]!);
    }
  }
}
