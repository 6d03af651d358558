// Issue 21, "pay once": processes that sample the same prompts through one
// store pay for each sample once, on every built-in store. Four processes
// started together read the same 20 prompts × 10 samples (batch 10) from a
// local server that counts the choices it answers: exactly 200 are paid,
// the store holds exactly those 200, and every process read the store's
// sequences. A process SIGKILLed while its requests run, holding claims of
// every prompt with a lease of 10 minutes, blocks nobody: the others see
// on this host that it is gone, take its claims over, and pay the 200.

import assert from "node:assert/strict";
import { openStore } from "../../mod.ts";
import { mergeFlags, runChildren } from "../../testing/_children.ts";
import { storeKind } from "../../cache/store_kinds.ts";
import { parseStoreSpec } from "../../cache/store_spec.ts";
import { promptHash } from "../../core/model_key.ts";
import { OpenAIServer } from "../_support/openai_server.ts";
import { freshRedisSpec, REDIS_URL, skipRedis } from "../_support/redis_url.ts";

const CHILD = new URL("../_support/pay_once_child.ts", import.meta.url).href;
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
export const STORES: readonly { name: string; ignore: boolean; spec: (dir: string) => string }[] = [
  { name: "folder", ignore: false, spec: (dir) => `${dir}/cache` },
  { name: "SQLite", ignore: false, spec: (dir) => `sqlite:${dir}/cache.db` },
  { name: "Deno KV", ignore: false, spec: (dir) => `kv:${dir}/cache.kv` },
  { name: "Redis", ignore: REDIS_URL === undefined, spec: () => freshRedisSpec("pay-once") },
];

const ignoreRedis = skipRedis();

for (const { name, ignore, spec: specOf } of STORES) {
  Deno.test({
    name:
      `Persistent: pay once (${name}): ${PROCESSES} processes × ${PROMPTS} prompts × ${SAMPLES} samples pay for ${
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

// A lease no test waits for: only a holder's death, seen at once, frees its claims.
const LONG_LEASE = "600000";
// How long the others may take to finish without the dead holder: far
// shorter than its lease and than their patience (10 minutes each).
const DEADLINE = 120_000;

for (const { name, ignore, spec: specOf } of STORES) {
  Deno.test({
    name:
      `Persistent: pay once (${name}): a claim holder SIGKILLed mid-request blocks nobody, every sample stored once`,
    ignore: ignore || (name === "Redis" && ignoreRedis),
    async fn() {
      const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
      const server = OpenAIServer.start();
      const spec = specOf(dir);
      const store = await openStore(spec);
      // The host name and signal 0 tell a child whether another child's process is gone.
      const flags = mergeFlags(childFlags(spec), ["--allow-sys=hostname", "--allow-run"]);
      const args = (
        id: number,
      ) => [spec, server.url, String(id), `${PROMPTS}`, `${SAMPLES}`, `${BATCH}`, LONG_LEASE];
      let deadline: ReturnType<typeof setTimeout> | undefined;
      try {
        // The holder's requests never answer: it claimed every prompt when it is killed.
        server.inject(...Array.from({ length: PROMPTS }, () => ({ kind: "hang" as const })));
        await killWhileAsking(flags, args(0), () => server.requests.length >= PROMPTS);
        server.latency = 40;
        const others = runChildren<Report>({
          script: CHILD,
          flags,
          args: (id) => args(id + 1),
          count: PROCESSES - 1,
        });
        const late = new Promise<never>((_, reject) => {
          deadline = setTimeout(
            () => reject(new Error("the dead holder's claims were not taken over")),
            DEADLINE,
          );
        });
        const reports = await Promise.race([others, late]);
        const answered = server.requests.slice(PROMPTS).reduce((n, r) => n + r.n, 0);
        const paid = reports.reduce((n, r) => n + r.samples, 0);
        assert.equal(paid, answered, "the others paid for what the server answered");
        assert.equal(paid, PROMPTS * SAMPLES, `the others paid for ${paid} samples`);
        for (let k = 0; k < PROMPTS; k++) {
          const prompt = `prompt ${k}`;
          const stored = await store.load({ model: "pay-once_1", hash: promptHash(prompt) }, 0);
          assert.equal(stored.length, SAMPLES, `${prompt}: ${stored.length} samples stored`);
          assert.equal(new Set(stored).size, SAMPLES, `${prompt}: a sample stored twice`);
          for (const [id, report] of reports.entries()) {
            assert.deepEqual(report.seen[prompt], stored, `process ${id + 1} read other samples`);
          }
        }
      } finally {
        clearTimeout(deadline);
        await store.close();
        await server.close();
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

/** Starts a child, lets it go, and SIGKILLs it once `asking()` holds (its requests are in flight). */
async function killWhileAsking(
  flags: readonly string[],
  args: readonly string[],
  asking: () => boolean,
): Promise<void> {
  const child = new Deno.Command("deno", {
    args: ["run", ...flags, CHILD, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdout = child.stdout.getReader();
  try {
    await readUntil(stdout, "ready\n");
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode("go\n"));
    await writer.close();
    let exited = false;
    child.status.then(() => exited = true);
    while (!asking() && !exited) await new Promise((resolve) => setTimeout(resolve, 5));
    if (exited) assert.fail(`the holder exited before it was killed: ${await stderr}`);
    child.kill("SIGKILL");
    assert.equal((await child.status).signal, "SIGKILL");
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* it exited */ }
    await child.status;
    await stdout.cancel();
    await stderr;
  }
}

/** Reads `reader` until what it read holds `text`. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, text: string) {
  const decoder = new TextDecoder();
  let read = "";
  while (!read.includes(text)) {
    const { done, value } = await reader.read();
    assert.ok(!done, `the holder ended before it printed ${JSON.stringify(text)}`);
    read += decoder.decode(value, { stream: true });
  }
}
