// A process of the pay-once tests (pay_once_test.ts): samples the same
// prompts as the other processes, through one store, from a local server.
//
// deno run <permissions> tests/pay_once_child.ts <spec> <server url> <id> <prompts> <samples> <batch> [<lease ms>]
//
// Waits for "go" on stdin (testing/_children.ts), then reads <samples>
// samples of each of <prompts> prompts at once, in an order of its own,
// with batch <batch>; prints {requests, samples, seen} as JSON: the requests
// and samples this process paid for, and what it read per prompt.

import { collect, OpenAICompatible, openStore, Persistent } from "../../mod.ts";
import { waitForGo } from "../../testing/_children.ts";

const [spec = "", url = "", id = "0", prompts = "20", samples = "10", batch = "10", lease] =
  Deno.args;
const store = await openStore(spec);
const provider = new OpenAICompatible("pay-once", 1, {
  baseUrl: url,
  apiKey: "sk-test",
  maxBatch: Number(batch),
  maxConcurrency: 64,
});
const model = new Persistent(
  provider,
  store,
  lease === undefined ? {} : { claims: { lease: Number(lease) } },
);
const texts = Array.from({ length: Number(prompts) }, (_, k) => `prompt ${k}`);
// Each process starts at another prompt, so that their claims interleave.
const order = texts.map((_, k) => texts[(k + 5 * Number(id)) % texts.length]!);
await waitForGo();
const seen = await Promise.all(
  order.map(async (p) => [p, await collect(model.sample(p, Number(batch)), Number(samples))]),
);
await store.close();
const { requests, samples: paid } = provider.stats;
console.log(JSON.stringify({ requests, samples: paid, seen: Object.fromEntries(seen) }));
