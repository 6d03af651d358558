// A writer for the crash test: appends self-validating samples (text, then
// "\n#" and the text's SHA-256 prefix), each with its usage (a completion
// token per sample), to two prompts until it is killed. Prints "w" after
// each append.
//
// deno run <permissions> tests/crash_child.ts <store spec> <id>

import { createHash } from "node:crypto";
import { openStore } from "../cache/open_store.ts";
import { promptHash } from "../mod.ts";

const [spec = "", id = "0"] = Deno.args;
const store = await openStore(spec);
const keys = ["crash a", "crash b"].map((p) => ({ model: "crash_1", hash: promptHash(p) }));
const known = keys.map(() => 0);
const out = new TextEncoder().encode("w\n");

for (let n = 0;; n++) {
  const k = n % keys.length;
  const batch = Array.from({ length: 1 + (n % 3) }, () => sample());
  const usage = batch.map((_, j) => ({
    requests: j === 0 ? 1 : 0,
    promptTokens: 10,
    completionTokens: 1,
    latencyMs: 1,
  }));
  known[k] = known[k]! +
    (await store.append(keys[k]!, { from: known[k]!, samples: batch, usage })).length;
  await Deno.stdout.write(out);
}

function sample(): string {
  const size = Math.floor(Math.random() ** 2 * 300_000);
  const text = `${id}:${crypto.randomUUID()}:` + "é🌍x".repeat(size / 4);
  return `${text}\n#${createHash("sha256").update(text).digest("hex").slice(0, 16)}`;
}
