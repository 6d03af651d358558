// The sequence under a durable backing: a look in the store that overlaps an
// append must not add a stored sample twice.

import assert from "node:assert/strict";
import type { SequenceStore } from "../../core/repeatable_options.ts";
import { Sequence } from "../../core/_sequence.ts";

Deno.test("Sequence: a store lookup overlapping an append adds each stored sample once", async () => {
  const stored = ["theirs"]; // another writer's
  let loads = 0;
  let releaseLoad: (() => void) | undefined;
  const backing: SequenceStore = {
    async load(from) {
      // The second look waits until the append it overlaps is done.
      if (++loads === 2) await new Promise<void>((resolve) => releaseLoad = resolve);
      return { samples: stored.slice(from) };
    },
    append({ from, samples }) {
      stored.push(...samples);
      return Promise.resolve({ samples: stored.slice(from) });
    },
    place: () => Promise.reject(new Error("not a slice")),
  };
  const draws = ["a", "b", "c"];
  let calls = 0;
  let overlapping: Promise<string> | string | undefined;
  const sequence: Sequence = new Sequence({
    backing,
    expected: () => 1,
    fill: () => {
      // The fill starts while no fill is pending, and the last thing learned
      // was a look in the store: a new reader looks again at this very moment.
      if (++calls === 1) overlapping = sequence.get(1, 1);
      return Promise.resolve({ samples: [draws[calls - 1]!] });
    },
  });
  assert.equal(await sequence.get(1, 1), "a");
  releaseLoad!();
  assert.equal(await overlapping, "a");
  assert.equal(await sequence.get(2, 1), "b", "the lookup must not have added a again");
  assert.deepEqual(stored, ["theirs", "a", "b"]);
  assert.equal(loads, 2, "no look right after this sequence's own append");
});

Deno.test("Sequence: records the indices it served, out of order too, and those it drew", async () => {
  let next = 0;
  const backing: SequenceStore = {
    load: (from) => Promise.resolve({ samples: ["s0", "s1"].slice(from) }),
    append: ({ from, samples }) =>
      Promise.resolve({ samples: ["s0", "s1", ...samples].slice(from) }),
    place: () => Promise.reject(new Error("not a slice")),
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
