// The sequence under a durable backing: a look in the store that overlaps an
// append must not add a stored sample twice.

import assert from "node:assert/strict";
import { type Backing, Sequence } from "../core/_sequence.ts";

Deno.test("a store lookup overlapping an append adds each stored sample once", async () => {
  const stored: string[] = [];
  let releaseLoad: (() => void) | undefined;
  const backing: Backing = {
    async load(from) {
      if (releaseLoad === undefined && stored.length > 0) {
        await new Promise<void>((resolve) => releaseLoad = resolve);
      }
      return { samples: stored.slice(from) };
    },
    append(from, samples) {
      stored.push(...samples);
      return Promise.resolve({ samples: stored.slice(from) });
    },
  };
  const draws = ["a", "b", "c", "d"];
  let calls = 0;
  let overlapping: Promise<string> | string | undefined;
  const sequence: Sequence = new Sequence({
    backing,
    expected: () => 2, // the first fill comes up short: one sample instead of two
    fill: () => {
      // The second fill starts while no fill is pending: a new reader of the
      // stored sequence looks in the store at this very moment.
      if (++calls === 2) overlapping = sequence.get(1, 2);
      return Promise.resolve({ samples: [draws[calls - 1]!] });
    },
  });
  assert.equal(await sequence.get(1, 2), "b");
  releaseLoad!();
  assert.equal(await overlapping, "b");
  assert.equal(await sequence.get(2, 2), "c", "the lookup must not have added b again");
  assert.deepEqual(stored, ["a", "b", "c"]);
});

Deno.test("a sequence records the indices it served, out of order too, and those it drew", async () => {
  let next = 0;
  const backing: Backing = {
    load: (from) => Promise.resolve({ samples: ["s0", "s1"].slice(from) }),
    append: (from, samples) => Promise.resolve({ samples: ["s0", "s1", ...samples].slice(from) }),
  };
  const sequence = new Sequence({
    backing,
    expected: () => 3,
    fill: () => Promise.resolve({ samples: [`d${next++}`, `d${next++}`, `d${next++}`] }),
  });
  assert.deepEqual(sequence.record(), { served: [], drawn: [] });
  assert.equal(await sequence.get(3, 3), "d1"); // stored 0 and 1; drew 2, 3 and 4
  assert.equal(await sequence.get(0, 3), "s0");
  assert.deepEqual(sequence.record(), { served: [[0, 0], [3, 3]], drawn: [[2, 4]] });
  assert.equal(sequence.get(1, 3), "s1");
  assert.equal(sequence.get(2, 3), "d0");
  assert.equal(sequence.get(1, 3), "s1"); // a replay changes nothing
  assert.deepEqual(sequence.record(), { served: [[0, 3]], drawn: [[2, 4]] });
});
