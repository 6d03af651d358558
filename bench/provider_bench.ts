// 200 prompts × 5 samples at 50 ms per request, every prompt at once, at the
// default concurrency (8): with no cache (the baseline) and through
// Persistent over a folder; and, one request at a time, through Persistent.
// The latency floor is what the requests alone take: ceil(200 / 8) × 50 ms.
// (`deno task bench` reports both as ratios to the floor.)

import { collect, first } from "../mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { OpenAICompatible } from "../providers/mod.ts";
import { OpenAIServer } from "../tests/_support/openai_server.ts";
import { latencyFloor, LIVE, liveRun, LiveServer } from "./_measures.ts";

const base = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "provider-bench-" });
// The live runs' server answers in a process of its own.
const server = await LiveServer.start();
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));
let made = 0;
const fresh = () => `${base}/${made++}`;
const live = `${LIVE.prompts} prompts × ${LIVE.samples} samples, ${LIVE.latency} ms latency`;

Deno.bench({
  name: `${live}, no cache (latency floor ${latencyFloor().toFixed(2)} s)`,
  group: "live run",
  baseline: true,
  n: 3,
  warmup: 1,
  // Deno.bench awaits only functions declared async.
  fn: async () => void await liveRun(server, undefined),
});

Deno.bench({
  name: `${live}, through Persistent (a folder)`,
  group: "live run",
  n: 3,
  warmup: 1,
  fn: async () => void await liveRun(server, fresh()),
});

Deno.bench({
  name: `${live}, through Persistent, maxConcurrency 1`,
  group: "live run",
  n: 1,
  warmup: 0,
  fn: async () => {
    const provider = new OpenAICompatible("bench", 1, {
      baseUrl: server.url,
      maxBatch: LIVE.samples,
      maxConcurrency: 1,
    });
    const model = new Persistent(provider, fresh(), { announce: false });
    await Promise.all(
      Array.from(
        { length: LIVE.prompts },
        (_, p) => collect(model.sample(`prompt ${p}`, LIVE.samples), LIVE.samples),
      ),
    );
  },
});

// The cost of the client's own work per request (size cap, budget, redaction
// set-up, retries bookkeeping) against a bare fetch of the same answers.
const OVERHEAD_REQUESTS = 200;

Deno.bench({
  name: "200 requests, no latency: bare fetch + JSON",
  group: "request overhead",
  baseline: true,
  n: 20,
  warmup: 2,
  fn: async () => {
    await using server = OpenAIServer.start();
    for (let i = 0; i < OVERHEAD_REQUESTS; i++) {
      const response = await fetch(`${server.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "bench", messages: [{ role: "user", content: `p${i}` }] }),
      });
      await response.json();
    }
  },
});

Deno.bench({
  name: "200 requests, no latency: OpenAICompatible",
  group: "request overhead",
  n: 20,
  warmup: 2,
  fn: async () => {
    await using server = OpenAIServer.start();
    const model = new OpenAICompatible("bench", 1, { baseUrl: server.url });
    for (let i = 0; i < OVERHEAD_REQUESTS; i++) await first(model.sample(`p${i}`));
  },
});
