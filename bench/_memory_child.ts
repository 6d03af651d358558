// The memory benchmark's child (run with --v8-flags=--expose-gc): the heap a
// checkout's in-memory cache (`Repeatable` over a provider that draws in
// requests of `batch` and reports its tokens, where the version keeps usage)
// takes per sample, beyond the samples' strings, once it holds `prompts` ×
// `samples`; or, with `floor`, what the same strings take in the least an
// in-memory cache can keep: a map from each prompt to an array of its
// samples. The strings are made before the heap is measured and kept alive
// throughout, so that the difference is what the cache adds. Prints bytes
// per sample.
//
// deno run --v8-flags=--expose-gc --allow-read=<checkout> bench/_memory_child.ts \
//   <checkout|floor> <prompts> <samples> <batch>

import { type LibModel, openLibrary } from "./_library.ts";

const [root = "", ...shape] = Deno.args;
const [prompts, samples, batch] = shape.map(Number) as [number, number, number];
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with --v8-flags=--expose-gc");
const heap = () => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};

const lib = root === "floor" ? undefined : await openLibrary(root);
const texts = Array.from({ length: prompts }, (_, p) => `prompt ${p}`);
const made = texts.map((_, p) =>
  Array.from({ length: samples }, (_, i) => `${p}:${i}:`.padEnd(40))
);
// Allocated before the heap is measured: the model's own state is no part of the cache.
const next = new Int32Array(prompts);

/** A provider of `lib` that hands out the premade strings. */
function premade(): LibModel {
  class Premade extends lib!.mod.BufferedModel {
    protected query(prompt: string, n: number) {
      const p = Number(prompt.slice("prompt ".length));
      const start = next[p]!;
      next[p] = start + n;
      const drawn = made[p]!.slice(start, start + n);
      const usage = { promptTokens: 30, completionTokens: 11 * n };
      return Promise.resolve(lib!.usage ? { samples: drawn, usage } : drawn);
    }
  }
  return new Premade("m", 1, { maxBatch: batch });
}

const before = heap();
let kept: unknown;
if (lib === undefined) {
  const floor = new Map<string, string[]>();
  for (const [p, prompt] of texts.entries()) floor.set(prompt, made[p]!.slice());
  kept = floor;
} else {
  const model = new lib.mod.Repeatable(premade());
  for (const prompt of texts) await lib.mod.collect(model.sample(prompt, batch), samples);
  kept = model;
}
const after = heap();
// Everything stays alive until here.
if (kept === undefined || made.length !== prompts) throw new Error("nothing kept");
console.log(JSON.stringify((after - before) / (prompts * samples)));
