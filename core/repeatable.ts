/**
 * `Repeatable`: every call of `sample(p)` (or `replies(p)`, the same
 * sequence as whole replies) replays the same sequence. It is also the
 * engine of every cache: `Persistent` configures it with a store and a miss
 * policy ({@linkcode RepeatableOptions}).
 *
 * @module
 */

import { Decorator } from "./decorator.ts";
import type { Model } from "./model.ts";
import type { Price, SavedFigures } from "./cost.ts";
import { type ModelInfo, modelInfo, type SequenceUse, stackOf } from "./model_info.ts";
import type { Miss, MissPolicy, RepeatableOptions, SequenceStore } from "./repeatable_options.ts";
import type { Prompt } from "./prompt.ts";
import type { Reply } from "./reply.ts";
import { promptKey, promptToSend } from "./_prompt_key.ts";
import { Replay } from "./_replay.ts";
import { SampleIterator } from "./_sample_iterator.ts";
import { type Drawn, type FillRequest, Sequence } from "./_sequence.ts";
import { Below, memo } from "./_source.ts";
import { UsageTally } from "./usage_shares.ts";
import { assertCount, describe } from "../internal/validate.ts";

/**
 * Cache figures since the model was created; `hits + misses` is the number
 * of items served.
 */
export interface CacheStats {
  /**
   * Items served that were stored before this model drew them: found in its
   * store or in a cache below it, or served before (a replay).
   */
  hits: number;
  /**
   * Items served from this model's own fresh draws, each counted once: the
   * item a caller waited for and the rest of its batch alike.
   */
  misses: number;
  /** Samples drawn from the inner model (a batch draws several), served or not yet. */
  drawn: number;
  /**
   * Samples it is waiting for now, that another process sharing its store
   * claimed and is drawing (see `Store.claim`); they count as hits once
   * served, and are not paid for here. Absent while none.
   * @default {undefined}
   */
  waiting?: number;
  /**
   * What the items served from the cache (hits stored before this model drew
   * them, each counted once) cost when they were drawn, from the usage stored
   * with them; the cost at the price of the provider under this model.
   */
  saved: SavedFigures;
}

/**
 * An in-memory cache: the i-th item of every call's sequence for a prompt is
 * always the same value. Missing items are fresh, independent draws from the
 * inner model, so the items within one sequence stay independent of each
 * other. When the inner model is a cache too (also through decorators that
 * pass its streams on), a missing item is the inner cache's item at the same
 * index: slicing keeps indices.
 *
 * Its options make it the engine of other caches: a durable backing for each
 * prompt's sequence and a policy for misses ({@linkcode RepeatableOptions});
 * `Persistent` and `llmFixture` are built this way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable, take } from "../mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * const model = new Repeatable(new Counter("counter", 1));
 * const prompt = "Choose a number between 1 and 1000.";
 * assert.equal(await first(model.sample(prompt)), "0");
 * assert.equal(await first(model.sample(prompt)), "0"); // same result
 * const two: string[] = [];
 * for await (const s of take(model.sample(prompt), 2)) two.push(s);
 * assert.equal(two.join(), "0,1"); // independent within the sequence
 * ```
 */
export class Repeatable extends Decorator {
  #backing: ((prompt: string) => SequenceStore) | undefined;
  #miss: MissPolicy | undefined;
  #sequences = new Map<string, Sequence>();
  #stats: Omit<CacheStats, "saved"> = { hits: 0, misses: 0, drawn: 0 };

  /**
   * Wraps `inner` in a cache; missing items are drawn from it seen through
   * Independent, or, when `inner` is a cache too, read at the same index
   * (slicing keeps indices).
   *
   * @param inner The model to draw fresh samples from.
   * @param options A durable backing and a miss policy; none by default (in
   * memory, every miss drawn).
   * @throws {TypeError} When `options` or one of its fields is not of its kind.
   */
  constructor(inner: Model, options: RepeatableOptions = {}) {
    super(inner);
    if (typeof options !== "object" || options === null) {
      throw new TypeError(
        `${new.target.name}: options must be an object, got ${describe(options)}; ` +
          `pass { backing, miss } or leave them out`,
      );
    }
    this.#backing = optionalFunction(new.target.name, "backing", options.backing);
    this.#miss = optionalFunction(new.target.name, "miss", options.miss);
  }

  /** Hits, misses and draws since this model was created, and what the hits saved. */
  get stats(): Readonly<CacheStats> {
    const saved = new UsageTally();
    for (const sequence of this.#sequences.values()) saved.addTally(sequence.saved());
    const { waiting, ...stats } = this.#stats;
    return { ...stats, ...(waiting ? { waiting } : {}), saved: saved.figures(this.#price()) };
  }

  /**
   * The same endless sequence for `prompt` on every call.
   *
   * @param prompt The prompt: a string, or a chat (one sequence per
   * canonical text, see `promptText`: a chat of one user message is the
   * same prompt as its text).
   * @param batch How many samples a miss fetches at once; never changes which
   * value sits at which index.
   */
  sample(prompt: Prompt, batch = 1): AsyncIterableIterator<string> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator(new Replay(this.#sequence(key, prompt)), batch);
  }

  /**
   * The same sequence as {@linkcode Repeatable.sample}, as whole replies:
   * the i-th reply's text is the i-th sample, with what else the model
   * answered (tool calls, reasoning, the finish reason, …). Hits and misses
   * count as for `sample`. What a reply holds beyond its text is read from
   * the store only here, when it is first asked for.
   *
   * @example A tool call, replayed whole
   * ```ts
   * import assert from "node:assert/strict";
   * import { BufferedModel, type Chat, first, type Reply, Repeatable } from "../mod.ts";
   *
   * class Calculator extends BufferedModel {
   *   protected query(_prompt: Chat, n: number): Promise<Reply[]> {
   *     const call = { id: "c1", name: "add", arguments: '{"a":2,"b":2}' };
   *     return Promise.resolve(Array(n).fill({ text: "", toolCalls: [call] }));
   *   }
   * }
   *
   * const model = new Repeatable(new Calculator("calc", 0));
   * const chat: Chat = { messages: [{ role: "user", content: "2+2?" }] };
   * const reply = await first(model.replies(chat));
   * assert.equal(reply.toolCalls[0]!.name, "add");
   * assert.equal(await first(model.sample(chat)), ""); // the same sample's text
   * ```
   *
   * @param prompt The prompt: a string, or a chat.
   * @param batch As in {@linkcode Repeatable.sample}.
   */
  override replies(prompt: Prompt, batch = 1): AsyncIterableIterator<Reply> {
    const key = promptKey(prompt);
    assertCount("batch", batch);
    return new SampleIterator<Reply>(new Replay(this.#sequence(key, prompt)), batch, true);
  }

  /**
   * What this cache says about itself to displays and run manifests: its
   * hits, misses and draws, and what it served and drew per prompt.
   */
  override [modelInfo](): ModelInfo {
    const { saved, ...figures } = this.stats;
    return {
      ...super[modelInfo](),
      role: "cache",
      detail: "in memory",
      figures,
      saved,
      sequences: () => this.#uses(),
    };
  }

  #uses(): SequenceUse[] {
    const price = this.#price();
    return Array.from(this.#sequences, ([prompt, sequence]) => ({
      prompt,
      ...sequence.record(),
      saved: sequence.saved().figures(price),
    }));
  }

  /** The price of the provider under this cache, if it has one. */
  #price(): Price | undefined {
    return stackOf(this.inner).find((layer) => layer.role === "provider")?.price;
  }

  /** The sequence of the prompt whose key is `key` (`prompt` is copied to be sent, once). */
  #sequence(key: string, prompt: Prompt): Sequence {
    return memo(this.#sequences, key, () => {
      const below = new Below(this.inner, promptToSend(prompt));
      return new Sequence({
        expected: (batch) => below.expected(batch),
        fill: (request) => this.#fill(key, below, request),
        stats: this.#stats,
        backing: this.#backing?.(key),
      });
    });
  }

  /** A miss: the draw from below, through the miss policy when there is one. */
  async #fill(prompt: string, below: Below, request: FillRequest): Promise<Drawn> {
    const { from, count, batch, claim } = request;
    const reads = below.reads(batch);
    // Only a fresh draw is paid for, so only it claims: it draws what became its own.
    const fill = claim === undefined || reads !== "fresh"
      ? () => below.fill(from, count, batch)
      : async () => {
        const mine = await claim();
        return mine === 0 ? NOTHING : await below.fill(from, mine, batch);
      };
    const policy = this.#miss;
    const drawn = policy === undefined ? await fill() : await throughPolicy(
      policy,
      { prompt, from, count, batch, index: request.index, reads },
      fill,
    );
    this.#stats.drawn += drawn.samples.length;
    return wellFormed(drawn);
  }
}

/** A draw of nothing: other processes claimed every index of the fill. */
const NOTHING: Drawn = { samples: [] };

/**
 * The draw of `miss` as `policy` lets it happen: the policy's error when it
 * refused or the draw failed, else the draw's samples, once they arrived,
 * whatever the policy did next (nothing paid for is dropped).
 */
async function throughPolicy(
  policy: MissPolicy,
  miss: Miss,
  fill: () => Promise<Drawn>,
): Promise<Drawn> {
  let drawing: Promise<Drawn> | undefined;
  try {
    await policy(miss, () => observed(drawing ??= fill()));
  } catch (error) {
    if (drawing === undefined) throw error;
    return await drawing.catch(() => Promise.reject(error));
  }
  if (drawing === undefined) throw unusedDraw(miss);
  return await drawing;
}

/** `value`, which must be a function when given. */
function optionalFunction<T>(who: string, name: string, value: T): T {
  if (value !== undefined && typeof value !== "function") {
    throw new TypeError(
      `${who}: ${name} must be a function, got ${describe(value)}; ` +
        `see RepeatableOptions for what it is given and returns`,
    );
  }
  return value;
}

/**
 * `drawing` settled, as the policy's `draw()`: a policy that does not wait
 * for it must not make its failure an unhandled rejection.
 */
function observed(drawing: Promise<Drawn>): Promise<void> {
  const done = drawing.then(() => {});
  done.catch(() => {});
  return done;
}

function unusedDraw(miss: Miss): TypeError {
  return new TypeError(
    `the miss policy of a cache resolved without drawing for index ${miss.index} of the ` +
      `prompt ${JSON.stringify(miss.prompt.slice(0, 40))}: call draw() to draw, or throw to refuse`,
  );
}

/**
 * `drawn` with lone UTF-16 surrogates replaced by U+FFFD: a store keeps UTF-8,
 * which cannot hold them, so the value served now must be the one a replay
 * reads back.
 */
function wellFormed(drawn: Drawn): Drawn {
  if (drawn.samples.every((s) => s.isWellFormed())) return drawn;
  return { ...drawn, samples: drawn.samples.map((s) => s.toWellFormed()) };
}
