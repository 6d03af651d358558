// The memory test's child (run with --v8-flags=--expose-gc): the heap an
// in-memory cache takes per sample, beyond the samples' strings, once filled
// with `prompts` × `samples` from a provider that reports its tokens, in
// requests of `batch`. The strings are made before the heap is measured and
// kept alive throughout, so that the difference is what the cache adds.
// With `backing`, the cache stores each fill in a backing that keeps
// replies (its lists are made before the heap is measured too): what the
// engine keeps of a stored sequence's values, whose metadata it then knows.
//
// deno run --v8-flags=--expose-gc tests/_support/memory_child.ts <prompts> <samples> <batch> [backing]

import { BufferedModel, collect, Repeatable } from "../../mod.ts";
import type { SequenceStore } from "../../core/engine.ts";

const [prompts, samples, batch] = Deno.args.map(Number) as [number, number, number];
const backed = Deno.args[3] === "backing";
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const texts = Array.from({ length: prompts }, (_, p) => `prompt ${p}`);
const made = Array.from(
  { length: prompts },
  (_, p) => Array.from({ length: samples }, (_, i) => `${p}:${i}:`.padEnd(40, "x")),
);

// Allocated before the heap is measured: the model's own state is no part of the cache.
const next = new Int32Array(prompts);
// The backing's lists, as long as they will be, and its view of each: the
// store is no part of the cache either.
const stored = new Map(texts.map((text) => [text, new Array<string>(samples)]));
const lengths = new Map(texts.map((text) => [text, 0]));

class Premade extends BufferedModel {
  protected query(prompt: string, n: number) {
    const p = Number(prompt.slice("prompt ".length));
    const start = next[p]!;
    next[p] = start + n;
    return Promise.resolve({
      samples: made[p]!.slice(start, start + n),
      usage: { promptTokens: 30, completionTokens: 11 * n },
    });
  }
}

/** `prompt`'s sequence in `list`: replies without metadata. */
function backingOf(prompt: string, list: string[]): SequenceStore {
  const held = () => list.slice(0, lengths.get(prompt));
  return {
    load: (from) => Promise.resolve({ samples: held().slice(from) }),
    append: ({ samples }) => {
      const from = lengths.get(prompt)!;
      samples.forEach((sample, k) => list[from + k] = sample);
      lengths.set(prompt, from + samples.length);
      return Promise.resolve({ samples });
    },
    place: () => Promise.reject(new Error("no slices here")),
    replies: (from) => Promise.resolve(held().slice(from).map((text) => ({ text, toolCalls: [] }))),
  };
}
const backings = new Map([...stored].map(([prompt, list]) => [prompt, backingOf(prompt, list)]));
const backing = (prompt: string) => backings.get(prompt)!;

const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};

const before = heap();
const model = new Repeatable(
  new Premade("m", 1, { maxBatch: batch }),
  backed ? { backing } : {},
);
for (const prompt of texts) await collect(model.sample(prompt, batch), samples);
const after = heap();
// Everything stays alive until here.
if (model.stats.misses !== prompts * samples || made.length !== prompts) throw new Error("short");
if (backed && [...lengths.values()].some((n) => n !== samples)) throw new Error("not stored");
console.log(JSON.stringify({ bytesPerSample: (after - before) / (prompts * samples) }));
