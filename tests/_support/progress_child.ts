// Reads 20 items through progress() (5 of them already cached) for
// progress_terminal_test.ts, which looks at what reached stderr.

import { collect, Repeatable } from "../../mod.ts";
import { progress } from "../../notebooks/mod.ts";
import { CountingModel } from "./mock_model.ts";

const model = new Repeatable(new CountingModel("m", 1, { latency: 2 }));
await collect(model.sample("p"), 5);
const quiet = Deno.args.includes("--quiet");
const items = await collect(
  progress(model.sample("p"), 20, { model, interval: 0, label: "twenty", quiet }),
  20,
);
console.log(`read ${items.length}`);
