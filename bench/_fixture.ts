// A model of this checkout that draws 1 KB samples at once, and what every
// measure shares (bench/_shapes.ts), for the measures of this checkout only.

import { BufferedModel, type Reply } from "../mod.ts";
import { ALIAS, sample } from "./_shapes.ts";

export { ALIAS, KEY, median, prompt, sample, seconds, SHAPES } from "./_shapes.ts";

/**
 * Draws 1 KB samples at once: what a store costs, with no network in the
 * way; with `replies`, each as a reply with what a provider's usually holds
 * beyond its text (its finish reason and the model that answered).
 */
export class KiloModel extends BufferedModel {
  #next = new Map<string, number>();
  #replies: boolean;

  constructor(maxBatch = 1, replies = false) {
    super(ALIAS, 1, { maxBatch });
    this.#replies = replies;
  }

  protected query(text: string, n: number): Promise<string[] | Reply[]> {
    const p = Number(text.slice("prompt ".length));
    const start = this.#next.get(text) ?? 0;
    this.#next.set(text, start + n);
    const texts = Array.from({ length: n }, (_, k) => sample(p, start + k));
    if (!this.#replies) return Promise.resolve(texts);
    return Promise.resolve(
      texts.map((text) => ({ text, toolCalls: [], finishReason: "stop", model: "bench-2025-01" })),
    );
  }
}
