// The memory test's child (run with --v8-flags=--expose-gc): the heap an
// in-memory cache takes per sample, beyond the samples' strings, once filled
// with `prompts` × `samples` from a provider that reports its tokens, in
// requests of `batch`. The strings are made before the heap is measured and
// kept alive throughout, so that the difference is what the cache adds.
//
// deno run --v8-flags=--expose-gc tests/memory_child.ts <prompts> <samples> <batch>

import { BufferedModel, collect, Repeatable } from "../mod.ts";

const [prompts, samples, batch] = Deno.args.map(Number) as [number, number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");

const texts = Array.from({ length: prompts }, (_, p) => `prompt ${p}`);
const made = Array.from(
  { length: prompts },
  (_, p) => Array.from({ length: samples }, (_, i) => `${p}:${i}:`.padEnd(40, "x")),
);

// Allocated before the heap is measured: the model's own state is no part of the cache.
const next = new Int32Array(prompts);

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

const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};

const before = heap();
const model = new Repeatable(new Premade("m", 1, { maxBatch: batch }));
for (const prompt of texts) await collect(model.sample(prompt, batch), samples);
const after = heap();
// Everything stays alive until here.
if (model.stats.misses !== prompts * samples || made.length !== prompts) throw new Error("short");
console.log(JSON.stringify({ bytesPerSample: (after - before) / (prompts * samples) }));
