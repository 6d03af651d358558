// The cold-start benchmark's child: a replay's whole process, from start to
// its first cached sample. Imports a checkout's root module as a user would
// (`import … from "@mnimi/llm-cache"`), then reads one sample of a folder
// cache through a replaying Persistent.
//
// deno run --allow-read=<checkout>,<cache> bench/_first_sample.ts <checkout> <cache> <alias> <prompt>

const [root = "", cache = "", alias = "", prompt = ""] = Deno.args;
const { BufferedModel, first, Persistent }: typeof import("../mod.ts") = await import(
  `${Deno.realPathSync(root)}/mod.ts`
);

class Offline extends BufferedModel {
  protected query(): Promise<string[]> {
    return Promise.reject(new Error("a replay asked the model"));
  }
}

const model = new Persistent(new Offline(alias, 1), cache, { replication: true });
const sample: string = await first(model.sample(prompt));
if (sample.length !== 1024) throw new Error(`unexpected sample of ${sample.length} characters`);
