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
      return stored.slice(from);
    },
    append(from, samples) {
      stored.push(...samples);
      return Promise.resolve(stored.slice(from));
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
