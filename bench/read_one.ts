// The cold-process benchmark's child: opens a store and reads one sample.
//
// deno run <permissions> bench/read_one.ts <spec> <alias> <prompt>

import { BufferedModel, first } from "../mod.ts";
import { openStore } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";

class Offline extends BufferedModel {
  protected query(): Promise<string[]> {
    throw new Error("replication: no model calls");
  }
}

const [spec = "", alias = "", prompt = ""] = Deno.args;
const store = await openStore(spec);
const model = new Persistent(new Offline(alias, 1), store, { replication: true });
const sample = await first(model.sample(prompt));
await store.close();
if (sample.length !== 1024) throw new Error(`unexpected sample of ${sample.length} characters`);
