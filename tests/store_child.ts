// A child process of the multi-process store test: waits for "go" on stdin,
// then reads one prompt's sequence through several fresh Persistent models
// (each a new process-local view, so appends race with the other children),
// drawing unique samples, each request reporting 10 prompt tokens and one
// completion token per sample. Prints {drawn, requests, seen} as JSON on one
// line.
//
// deno run <permissions> tests/store_child.ts <spec> <id> <rounds> <length>

import { BufferedModel, type QueryResult } from "../mod.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { waitForGo } from "./children.ts";

const [spec = "", id = "0", rounds = "3", length = "30"] = Deno.args;

/** Draws `<id>:<k>`: unique across processes; records what it drew. */
class Unique extends BufferedModel {
  readonly drawn: string[] = [];
  requests = 0;
  protected async query(_prompt: string, n: number): Promise<QueryResult> {
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
    const out = Array.from({ length: n }, () => `${id}:${this.drawn.length + Math.random()}`);
    this.drawn.push(...out);
    this.requests++;
    return { samples: out, usage: { promptTokens: 10, completionTokens: n } };
  }
}

const store = await openStore(spec);
const model = new Unique("multi", 1, { maxBatch: 4 });
await waitForGo();

const seen: string[][] = [];
for (let r = 0; r < Number(rounds); r++) {
  const persistent = new Persistent(model, store);
  const it = persistent.sample("the shared prompt", 1 + (r % 4));
  const values: string[] = [];
  for (let i = 0; i < Number(length) * (r + 1); i++) {
    values.push((await it.next()).value as string);
  }
  seen.push(values);
}
await store.close();
console.log(JSON.stringify({ drawn: model.drawn, requests: model.requests, seen }));
