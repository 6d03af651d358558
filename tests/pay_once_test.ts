// Issue 21, "pay once": processes that sample the same prompts through one
// store pay for each sample once, on every built-in store. Four processes
// started together read the same 20 prompts × 10 samples (batch 10) from a
// local server that counts the choices it answers: exactly 200 are paid,
// the store holds exactly those 200, and every process read the store's
// sequences.

import assert from "node:assert/strict";
import { openStore } from "../mod.ts";
import { mergeFlags, runChildren } from "../testing/_children.ts";
import { storeKind } from "../cache/store_kinds.ts";
import { parseStoreSpec } from "../cache/_store_spec.ts";
import { promptHash } from "../core/model_key.ts";
import { OpenAIServer } from "./openai_server.ts";
import { freshRedisSpec, REDIS_URL, skipRedis } from "./redis_url.ts";

const CHILD = new URL("./pay_once_child.ts", import.meta.url).href;
const PROMPTS = 20;
const SAMPLES = 10;
const BATCH = 10;
const PROCESSES = 4;

interface Report {
  requests: number;
  samples: number;
  seen: Record<string, string[]>;
}

/** The permission flags of a child that writes `spec` and asks the local server. */
export function childFlags(spec: string): string[] {
  const parsed = parseStoreSpec(spec);
  return mergeFlags(storeKind(parsed.kind).permissions(parsed, "write"), [
    "--allow-net=127.0.0.1",
    "--allow-read=.",
  ]);
}

/** The stores of the tests: a folder, SQLite, Deno KV and Redis (when REDIS_URL is set). */
export const STORES: readonly { name: string; ignore: boolean; spec: (dir: string) => string }[] =
  [
    { name: "folder", ignore: false, spec: (dir) => `${dir}/cache` },
    { name: "SQLite", ignore: false, spec: (dir) => `sqlite:${dir}/cache.db` },
    { name: "Deno KV", ignore: false, spec: (dir) => `kv:${dir}/cache.kv` },
    { name: "Redis", ignore: REDIS_URL === undefined, spec: () => freshRedisSpec("pay-once") },
  ];

const ignoreRedis = skipRedis();

for (const { name, ignore, spec: specOf } of STORES) {
  Deno.test({
    name: `pay once (${name}): ${PROCESSES} processes × ${PROMPTS} prompts × ${SAMPLES} samples pay for ${
      PROMPTS * SAMPLES
    }`,
    ignore: ignore || (name === "Redis" && ignoreRedis),
    async fn() {
      const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
      const server = OpenAIServer.start({ latency: 40 });
      const spec = specOf(dir);
      const store = await openStore(spec);
      try {
        const reports = await runChildren<Report>({
          script: CHILD,
          flags: childFlags(spec),
          args: (id) => [spec, server.url, String(id), `${PROMPTS}`, `${SAMPLES}`, `${BATCH}`],
          count: PROCESSES,
        });
        const choices = server.requests.reduce((n, r) => n + r.n, 0);
        const paid = reports.reduce((n, r) => n + r.samples, 0);
        assert.equal(paid, choices, "the processes paid for what the server answered");
        assert.equal(choices, PROMPTS * SAMPLES, `paid for ${choices} samples`);
        for (let k = 0; k < PROMPTS; k++) {
          const prompt = `prompt ${k}`;
          const stored = await store.load({ model: "pay-once_1", hash: promptHash(prompt) }, 0);
          assert.equal(stored.length, SAMPLES, `${prompt}: ${stored.length} samples stored`);
          assert.equal(new Set(stored).size, SAMPLES, `${prompt}: a sample stored twice`);
          for (const [id, report] of reports.entries()) {
            assert.deepEqual(report.seen[prompt], stored, `process ${id} read other samples`);
          }
        }
      } finally {
        await store.close();
        await server.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}
