// 200 prompts × 5 samples through Persistent over a local server that takes
// 50 ms per request: the default concurrency (8) against one request at a time.

import { collect } from "../mod.ts";
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
