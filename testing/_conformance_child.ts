// A child process of the conformance tests (store_conformance.ts). It opens
// its stores with `openStore`: a store of a kind of your own is registered by
// the module the test preloads (`--preload`, see StoreConformanceOptions).
//
// deno run <permissions> [--preload=<module>] _conformance_child.ts <role> …
//
// - `append <spec> <id> <rounds> <length>`: waits for "go" on stdin, then
//   reads one prompt's sequence through several fresh Persistent models (each
//   a new process-local view, so appends race with the other children),
//   drawing unique samples, each request reporting 10 prompt tokens and one
//   completion token per sample. Prints {drawn, requests, seen} as JSON.
// - `slice <X spec> <Y spec> <id> <rounds> <length>`: waits for "go", then
//   reads one prompt through `Persistent(Persistent(m, X), Y)`, a new pair of
//   caches each round, m drawing `<id>:<k>` after a random pause. Prints
//   {seen} as JSON: what each round's stream served.
// - `crash <spec> <id>`: appends self-validating samples, each with its usage
//   (a completion token per sample) and its metadata (its own start as the
//   reasoning, see `crashMeta`), to two prompts until it is killed; prints
//   "w" after each append once both prompts hold a sample (_conformance_samples.ts).

import { BufferedModel, type QueryResult } from "../core/buffered_model.ts";
import { promptHash } from "../core/model_key.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import type { Store } from "../cache/store.ts";
import { waitForGo } from "./_children.ts";
import { CountingModel } from "./_counting_model.ts";
import {
  CRASH_PROMPTS,
  crashMeta,
  PROMPT,
  selfValidating,
  SHARED_PROMPT,
} from "./_conformance_samples.ts";

/** Draws `<id>:<k>`: unique across processes; records what it drew. */
class Unique extends BufferedModel {
  readonly drawn: string[] = [];
  requests = 0;
  readonly #id: string;
  constructor(id: string) {
    super("multi", 1, { maxBatch: 4 });
    this.#id = id;
  }
  protected async query(_prompt: string, n: number): Promise<QueryResult> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    const out = Array.from({ length: n }, () => `${this.#id}:${this.drawn.length + Math.random()}`);
    this.drawn.push(...out);
    this.requests++;
    return { samples: out, usage: { promptTokens: 10, completionTokens: n } };
  }
}

/** What `rounds` streams of `sample` served, the r-th reading `length × (r + 1)` values. */
async function rounds(
  count: number,
  length: number,
  sample: (batch: number) => AsyncIterator<string>,
): Promise<string[][]> {
  const seen: string[][] = [];
  for (let r = 0; r < count; r++) {
    const it = sample(1 + (r % 4));
    const values: string[] = [];
    for (let i = 0; i < length * (r + 1); i++) values.push((await it.next()).value as string);
    seen.push(values);
  }
  return seen;
}

async function append([spec = "", id = "0", count = "3", length = "12"]: string[]) {
  const store = await openStore(spec);
  const model = new Unique(id);
  await waitForGo();
  const seen = await rounds(
    Number(count),
    Number(length),
    // The appends themselves race here: with claims, one child would draw all.
    (batch) => new Persistent(model, store, { claims: false }).sample(SHARED_PROMPT, batch),
  );
  await store.close();
  return { drawn: model.drawn, requests: model.requests, seen };
}

async function slice([source = "", target = "", id = "0", count = "3", length = "6"]: string[]) {
  const [x, y] = [await openStore(source), await openStore(target)];
  const model = new CountingModel("mock", 1, {
    maxBatch: 4,
    prefix: `${id}:`,
    latency: () => Math.random() * 3,
  });
  await waitForGo();
  const seen = await rounds(
    Number(count),
    Number(length),
    (batch) => new Persistent(new Persistent(model, x), y).sample(PROMPT, batch),
  );
  await x.close();
  await y.close();
  return { seen };
}

async function crash([spec = "", id = "0"]: string[]): Promise<never> {
  const store: Store = await openStore(spec);
  const keys = CRASH_PROMPTS.map((p) => ({ model: "crash_1", hash: promptHash(p) }));
  const known = keys.map(() => 0);
  const written = new TextEncoder().encode("w\n");
  for (let n = 0;; n++) {
    const k = n % keys.length;
    const samples = Array.from({ length: 1 + (n % 3) }, () => selfValidating(id));
    const usage = samples.map((_, j) => ({
      requests: j === 0 ? 1 : 0,
      promptTokens: 10,
      completionTokens: 1,
      latencyMs: 1,
    }));
    const meta = samples.map(crashMeta);
    known[k] = known[k]! +
      (await store.append(keys[k]!, { from: known[k]!, samples, usage, meta })).length;
    // Killed only once every prompt holds a sample: however late the kill
    // comes on a loaded machine, the test then has samples of each to check.
    if (n >= keys.length - 1) await Deno.stdout.write(written);
  }
}

const [role, ...args] = Deno.args;
const roles: Record<string, (args: string[]) => Promise<unknown>> = { append, slice, crash };
const run = roles[role ?? ""];
if (run === undefined) throw new TypeError(`unknown role ${JSON.stringify(role)}`);
console.log(JSON.stringify(await run(args)));
