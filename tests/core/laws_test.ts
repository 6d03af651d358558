// Property-based tests of the sampling laws, with fast-check.

import assert from "node:assert/strict";
import fc from "fast-check";
import { Independent, type Model, Repeatable } from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

/** One step of a random program: open a stream, or read from an open one. */
type Step = { open: number } | { read: number; count: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ open: fc.integer({ min: 1, max: 12 }) }), // the stream's batch
  fc.record({ read: fc.nat(), count: fc.integer({ min: 1, max: 4 }) }),
);
const program = fc.array(step, { minLength: 1, maxLength: 40 });
const prompts = fc.constantFrom("a", "b");
const maxBatch = fc.integer({ min: 1, max: 5 });
const latency = () => Math.random() < 0.5 ? 0 : Math.random() * 2;

/**
 * Runs `steps` against `model`; reads of one step are issued concurrently.
 * Returns what each stream received, in order.
 */
async function run(model: Model, prompt: string, steps: Step[]): Promise<string[][]> {
  const streams: [AsyncIterator<string>, string[]][] = [];
  for (const s of steps) {
    if ("open" in s) streams.push([model.sample(prompt, s.open), []]);
    else if (streams.length > 0) {
      const [it, got] = streams[s.read % streams.length]!;
      const values = await Promise.all(Array.from({ length: s.count }, () => it.next()));
      got.push(...values.map((v) => v.value as string));
    }
  }
  return streams.map(([, got]) => got);
}

Deno.test("Repeatable: the i-th item of every stream is the i-th draw", async () => {
  await fc.assert(
    fc.asyncProperty(program, prompts, maxBatch, async (steps, prompt, mb) => {
      const model = new Repeatable(new CountingModel("m", 1, { maxBatch: mb, latency }));
      for (const got of await run(model, prompt, steps)) {
        assert.deepEqual(got, got.map((_, i) => String(i)));
      }
    }),
    { numRuns: 150 },
  );
});

Deno.test("Repeatable: batch size never changes which value sits at which index", async () => {
  await fc.assert(
    fc.asyncProperty(program, program, maxBatch, async (one, other, mb) => {
      const read = async (steps: Step[]) => {
        const model = new Repeatable(new CountingModel("m", 1, { maxBatch: mb, latency }));
        await run(model, "p", steps);
        return run(model, "p", [{ open: 1 }, { read: 0, count: 30 }]);
      };
      const [a, b] = [await read(one), await read(other)];
      assert.deepEqual(a, b);
    }),
    { numRuns: 100 },
  );
});

Deno.test("Independent: never repeats an item within a prompt and skips none", async () => {
  const inners = [
    (mb: number) => new CountingModel("m", 1, { maxBatch: mb, latency }),
    (mb: number) => new Repeatable(new CountingModel("m", 1, { maxBatch: mb, latency })),
  ];
  await fc.assert(
    fc.asyncProperty(program, fc.constantFrom(0, 1), maxBatch, async (steps, which, mb) => {
      const model = new Independent(inners[which]!(mb));
      const all = (await run(model, "p", steps)).flat().map(Number).sort((x, y) => x - y);
      assert.deepEqual(all, all.map((_, i) => i));
    }),
    { numRuns: 150 },
  );
});

Deno.test("Independent: Independent(Independent(m)) behaves as Independent(m)", async () => {
  await fc.assert(
    fc.asyncProperty(program, fc.boolean(), async (steps, overCache) => {
      const inner = () =>
        overCache ? new Repeatable(new CountingModel("m", 1, { maxBatch: 3 })) : new CountingModel(
          "m",
          1,
          { maxBatch: 3 },
        );
      const once = await run(new Independent(inner()), "p", steps);
      const twice = await run(new Independent(new Independent(inner())), "p", steps);
      assert.deepEqual(twice, once);
    }),
    { numRuns: 100 },
  );
});

Deno.test("Repeatable: over Independent over Repeatable: the retry pattern", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(program, { minLength: 1, maxLength: 4 }), async (attempts) => {
      const shared = new Independent(new Repeatable(new CountingModel()));
      const seen = new Set<string>();
      for (const steps of attempts) {
        const attempt = new Repeatable(shared);
        const streams = await run(attempt, "p", steps);
        const longest = streams.reduce((a, b) => (b.length > a.length ? b : a), []);
        for (const got of streams) assert.deepEqual(got, longest.slice(0, got.length));
        for (const v of longest) {
          assert.ok(!seen.has(v), `attempts must not share item ${v}`);
          seen.add(v);
        }
      }
    }),
    { numRuns: 100 },
  );
});
