// A child process of the multi-process cache slicing test: waits for "go" on
// stdin, then reads one prompt through `Persistent(Persistent(m, X), Y)`, a
// new pair of caches each round (so its writes race with the other
// children's), m drawing `<id>:<k>` after a random pause. Prints {seen} as
// JSON on one line: what each round's stream served.
//
// deno run <permissions> tests/slice_child.ts <X spec> <Y spec> <id> <rounds> <length>

import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { CountingModel } from "./mock_model.ts";
import { waitForGo } from "./children.ts";

const [source = "", slice = "", id = "0", rounds = "3", length = "8"] = Deno.args;

const x = await openStore(source);
const y = await openStore(slice);
const model = new CountingModel("mock", 1, {
  maxBatch: 4,
  prefix: `${id}:`,
  latency: () => Math.random() * 3,
});
await waitForGo();

const seen: string[][] = [];
for (let r = 0; r < Number(rounds); r++) {
  const outer = new Persistent(new Persistent(model, x), y);
  const it = outer.sample("Choose a number between 1 and 1000.", 1 + (r % 4));
  const values: string[] = [];
  for (let i = 0; i < Number(length) * (r + 1); i++) {
    values.push((await it.next()).value as string);
  }
  seen.push(values);
}
await x.close();
await y.close();
console.log(JSON.stringify({ seen }));
