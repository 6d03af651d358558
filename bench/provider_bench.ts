// 200 prompts × 5 samples through Persistent over a local server that takes
// 50 ms per request: the default concurrency (8) against one request at a time.
// And the client's own cost per request, against a bare fetch.

import { collect, first } from "../mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { OpenAICompatible } from "../providers/mod.ts";
import { OpenAIServer } from "../tests/openai_server.ts";

const PROMPTS = Array.from({ length: 200 }, (_, i) => `prompt ${i}`);
const SAMPLES = 5;
const LATENCY = 50;

// Server start-up and the temp folder cost a few ms, well inside the noise.
async function fill(maxConcurrency: number | undefined): Promise<void> {
  const server = OpenAIServer.start({ latency: LATENCY });
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const model = new Persistent(
      new OpenAICompatible("bench", 1, {
        baseUrl: server.url,
        maxBatch: SAMPLES,
        ...(maxConcurrency === undefined ? {} : { maxConcurrency }),
      }),
      dir,
    );
    await Promise.all(PROMPTS.map((p) => collect(model.sample(p, SAMPLES), SAMPLES)));
    await model.store.close();
    if (server.requests.length !== PROMPTS.length) {
      throw new Error(`expected ${PROMPTS.length} requests, got ${server.requests.length}`);
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.bench({
  name: "200 prompts × 5 samples, 50 ms latency, default maxConcurrency (8)",
  group: "provider concurrency",
  baseline: true,
  n: 1,
  warmup: 0,
  // Deno.bench awaits only functions declared async.
  fn: async () => await fill(undefined),
});

Deno.bench({
  name: "200 prompts × 5 samples, 50 ms latency, maxConcurrency 1",
  group: "provider concurrency",
  n: 1,
  warmup: 0,
  fn: async () => await fill(1),
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
