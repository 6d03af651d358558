// Run manifests: what a stack served, hit and drew per model key and prompt,
// what its provider spent per prompt, the file format, and copying the slice
// a manifest names.

import assert from "node:assert/strict";
import { collect, Independent, Persistent, promptHash, Repeatable } from "../../mod.ts";
import { type Figures, figuresOf } from "../../core/accounting.ts";
import {
  type Manifest,
  manifest,
  parseManifest,
  readManifest,
  writeManifest,
} from "../../cache/manifest.ts";
import { copyStore, FsStore } from "../../cache/stores.ts";
import { formatManifest } from "../../cache/manifest.ts";
import { main } from "../../cli/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const P = "Choose a number between 1 and 1000.";
const Q = "Name a colour.";

Deno.test("manifest: a cache reports the indices it served, which were hits and which it drew", async () => {
  const model = new Repeatable(new CountingModel("m", 1, { maxBatch: 4 }));
  await collect(model.sample(P, 4), 2); // one request of 4, two read
  await collect(model.sample(P), 3); // a replay of 0, 1 and a hit on 2
  const [entry, ...rest] = manifest(model).sequences;
  assert.equal(rest.length, 0);
  assert.equal(entry!.model, "m_1");
  assert.equal(entry!.hash, promptHash(P));
  assert.equal(entry!.prompt, P);
  assert.equal(entry!.store, null);
  assert.deepEqual(entry!.served, [[0, 2]]);
  assert.deepEqual(entry!.drawn, [[0, 3]]);
  assert.deepEqual(entry!.hits, []);
  assert.equal(entry!.spent!.requests, 1);
  assert.equal(entry!.spent!.completionTokens, 4);
});

Deno.test("manifest: a Persistent reports what it found stored as hits, across runs", async () => {
  await withTempDir(async (dir) => {
    const first = new Persistent(new CountingModel("m", 1), dir);
    await collect(first.sample(P), 2);
    const second = new Persistent(new CountingModel("m", 1), dir);
    await collect(second.sample(P), 3);
    const [entry] = manifest(second).sequences;
    assert.equal(entry!.store, dir);
    assert.deepEqual(entry!.served, [[0, 2]]);
    assert.deepEqual(entry!.hits, [[0, 1]]);
    assert.deepEqual(entry!.drawn, [[2, 2]]);
    const { totals } = manifest(second);
    // The two hits saved what the first run spent on them.
    const saved = {
      samples: 2,
      unknown: 0,
      requests: 2,
      promptTokens: 2 * P.length,
      completionTokens: 2,
      queryTime: totals.saved!.queryTime,
    };
    assert.deepEqual(entry!.saved, saved);
    assert.deepEqual(totals, {
      sequences: 1,
      served: 3,
      hits: 2,
      drawn: 1,
      requests: 1,
      promptTokens: P.length,
      completionTokens: 1,
      queryTime: totals.queryTime,
      saved,
    });
  });
});

Deno.test("manifest: tokens and time are attributed to their prompt with requests in flight at once", async () => {
  const provider = new CountingModel("m", 1, { latency: () => 5 + Math.random() * 20 });
  const model = new Repeatable(provider);
  await Promise.all([collect(model.sample(P), 3), collect(model.sample(Q), 2)]);
  const byPrompt = new Map(manifest(model).sequences.map((s) => [s.prompt, s.spent!]));
  assert.deepEqual(
    { ...byPrompt.get(P)!, queryTime: 0 },
    { requests: 3, promptTokens: 3 * P.length, completionTokens: 3, queryTime: 0 },
  );
  assert.deepEqual(
    { ...byPrompt.get(Q)!, queryTime: 0 },
    { requests: 2, promptTokens: 2 * Q.length, completionTokens: 2, queryTime: 0 },
  );
  assert.ok(byPrompt.get(P)!.queryTime >= 0.015, `${byPrompt.get(P)!.queryTime}`);
  const [prompt, completion] = provider.totalTokenCount();
  assert.equal(prompt, 3 * P.length + 2 * Q.length);
  assert.equal(completion, 5);
});

Deno.test("manifest: in a stack, each cache layer is listed and the provider's spending goes to the one drawing from it", async () => {
  await withTempDir(async (dir) => {
    const persistent = new Persistent(new CountingModel("m", 1), dir);
    const stack = new Repeatable(new Independent(persistent));
    await collect(persistent.sample(P), 2); // positions 0 and 1, before the stack reads
    await collect(stack.sample(P), 2); // the Independent cursor reads 0 and 1 again
    const entries = manifest(stack).sequences;
    assert.deepEqual(entries.map((e) => e.store), [null, dir]);
    const [outer, inner] = entries;
    assert.deepEqual(outer!.served, [[0, 1]]);
    assert.equal(outer!.spent, undefined);
    assert.deepEqual(inner!.served, [[0, 1]]);
    assert.deepEqual(inner!.drawn, [[0, 1]]);
    assert.equal(inner!.spent!.requests, 2);
    assert.deepEqual(manifest(stack).models[0]!.layers.map((l) => l.kind), [
      "Repeatable",
      "Independent",
      "Persistent",
      "CountingModel",
    ]);
  });
});

Deno.test("manifest: several stacks make one manifest; sequences nothing read are left out", async () => {
  const a = new Repeatable(new CountingModel("a", 1));
  const b = new Repeatable(new CountingModel("b", 0.5));
  await collect(a.sample(P), 1);
  b.sample(Q); // a stream never read
  const both = manifest([a, b]);
  assert.equal(both.models.length, 2);
  assert.deepEqual(both.sequences.map((s) => s.model), ["a_1"]);
});

Deno.test("manifest: the file: versioned JSON, one range per line, read back unchanged", async () => {
  await withTempDir(async (dir) => {
    const model = new Repeatable(new CountingModel("m", 1));
    await collect(model.sample("x".repeat(300)), 2);
    const written = await writeManifest(`${dir}/run.json`, model);
    const text = await Deno.readTextFile(`${dir}/run.json`);
    assert.equal(text, formatManifest(written));
    assert.match(text, /^{\n {2}"format": "llm-cache run manifest",\n {2}"version": 1,\n/);
    assert.match(text, /"served": \[\[0, 1\]\],\n/);
    assert.equal(written.sequences[0]!.prompt, "x".repeat(100) + "…");
    assert.deepEqual(await readManifest(`${dir}/run.json`), JSON.parse(text));
  });
});

Deno.test("manifest: a bad manifest is refused with a message that says what is wrong", () => {
  const good = {
    format: "llm-cache run manifest",
    version: 1,
    sequences: [{ model: "m_1", hash: promptHash(P), store: "c", served: [[0, 1]] }],
  };
  assert.throws(() => parseManifest("{"), /not a run manifest: not JSON/);
  assert.throws(() => parseManifest({ ...good, version: 2 }), /version 2 is newer .* upgrade/);
  assert.throws(
    () => parseManifest({ ...good, sequences: [{ ...good.sequences[0], served: [[2, 1]] }] }),
    /"served" must be ascending \[first, last\] index ranges/,
  );
  assert.throws(
    () => parseManifest({ ...good, sequences: [{ ...good.sequences[0], hash: "abc" }] }),
    /sequence 0: prompt hash "abc" is not 64 lowercase hex digits/,
  );
  assert.equal(parseManifest(JSON.stringify(good)).sequences.length, 1);
});

/** A store with P and Q drawn 5 times each, a run that read 3 of P, and its manifest. */
async function recordedRun(dir: string): Promise<{ source: FsStore; run: Manifest }> {
  const fill = new Persistent(new CountingModel("m", 1), `${dir}/source`);
  await collect(fill.sample(P), 5);
  await collect(fill.sample(Q), 5);
  const model = new Persistent(new CountingModel("m", 1), `${dir}/source`);
  await collect(model.sample(P), 3);
  return { source: new FsStore(`${dir}/source`), run: manifest(model) };
}

Deno.test("copyStore: copies exactly the slice a manifest names, as cache slicing would", async () => {
  await withTempDir(async (dir) => {
    const { source, run } = await recordedRun(dir);
    const result = await copyStore(source, new FsStore(`${dir}/copy`), { manifest: run });
    assert.deepEqual({ ...result }, { sequences: 1, copied: 3, present: 0, conflicts: [] });

    const sliced = new Persistent(
      new Persistent(new CountingModel("m", 1), `${dir}/source`),
      `${dir}/sliced`,
    );
    await collect(sliced.sample(P), 3);
    for (const prompt of [P, Q]) {
      const key = { model: "m_1", hash: promptHash(prompt) };
      assert.deepEqual(
        await new FsStore(`${dir}/copy`).load(key, 0),
        await new FsStore(`${dir}/sliced`).load(key, 0),
      );
    }
    // Filters narrow a manifest further.
    const none = await copyStore(source, new FsStore(`${dir}/none`), {
      manifest: run,
      models: ["other_1"],
    });
    assert.equal(none.sequences, 0);
  });
});

Deno.test("copyStore: refuses a source that lacks what the manifest names, and a manifest of memory caches", async () => {
  await withTempDir(async (dir) => {
    const { run } = await recordedRun(dir);
    const short = new FsStore(`${dir}/short`);
    await short.append({ model: "m_1", hash: promptHash(P) }, {
      from: 0,
      samples: ["0"],
      prompt: P,
    });
    await assert.rejects(
      copyStore(short, new FsStore(`${dir}/copy`), { manifest: run }),
      /the manifest names 3 sample\(s\) of m_1 [0-9a-f]{64}, but .*short holds 1 there/,
    );
    const memory = new Repeatable(new CountingModel("m", 1));
    await collect(memory.sample(P), 1);
    await assert.rejects(
      copyStore(short, new FsStore(`${dir}/copy`), { manifest: manifest(memory) }),
      /all of caches in memory \(Repeatable\)/,
    );
  });
});

Deno.test({
  name:
    "cache copy: --manifest copies the slice on the command line; a missing file is a usage error",
  permissions: { read: ["tests/.tmp"], write: ["tests/.tmp"] },
  async fn() {
    await withTempDir(async (dir) => {
      const { run } = await recordedRun(dir);
      await Deno.writeTextFile(`${dir}/run.json`, formatManifest(run));
      let out = "";
      let err = "";
      const io = { out: (t: string) => out += t, err: (t: string) => err += t, progress: false };
      const args = ["copy", `${dir}/source`, `${dir}/copy`, "--manifest", `${dir}/run.json`];
      assert.equal(await main(args, io), 0, err);
      assert.match(out, /^copied 3 samples from/);
      assert.equal(await main([...args.slice(0, 4), `${dir}/missing.json`], io), 2);
      assert.match(err, /no manifest at ".*missing\.json": the file does not exist/);
    });
  },
});

/** Like Ollama: each sample of a query is an HTTP request of its own, and `stats` counts those. */
class RequestPerSample extends CountingModel {
  #sent = 0;
  protected override query(prompt: string, n: number) {
    this.#sent += n;
    return super.query(prompt, n);
  }
  override get stats() {
    return { ...super.stats, requests: this.#sent };
  }
}

Deno.test("manifest: its totals are the stacks' figures (figuresOf): spent and saved as stats and the model view say", async () => {
  await withTempDir(async (dir) => {
    const price = { input: 0.1, output: 0.3 };
    await collect(new Persistent(new CountingModel("m", 1, { maxBatch: 3 }), dir).sample(P, 3), 3);
    const provider = new RequestPerSample("m", 1, { maxBatch: 3, price });
    const model = new Persistent(provider, dir);
    await collect(model.sample(P, 3), 6); // 3 hits, then one query of 3 samples: 3 requests
    await collect(model.sample(Q), 1);
    const other = new Repeatable(new CountingModel("n", 1, { price }));
    await collect(other.sample(Q), 2);

    const cost = (c: number) => Number(c.toPrecision(12));
    const time = (s: number) => Math.round(s * 1e6) / 1e6;
    const spent = (f: Figures) => ({
      requests: f.requests,
      promptTokens: f.promptTokens,
      completionTokens: f.completionTokens,
      cost: cost(f.cost!),
      queryTime: time(f.queryTime),
    });
    const { sequences: _, served: __, hits: ___, drawn: ____, saved, ...totals } =
      manifest(model).totals;
    assert.deepEqual(totals, spent(figuresOf(model)));
    assert.equal(totals.requests, provider.stats.requests);
    assert.equal(totals.requests, 4);
    const figures = figuresOf(model).saved!;
    assert.deepEqual(saved, {
      ...figures,
      cost: cost(figures.cost!),
      queryTime: time(figures.queryTime),
    });

    // Several stacks: the sums of their figures.
    const both = manifest([model, other]).totals;
    const sum = (name: "requests" | "promptTokens" | "completionTokens") =>
      figuresOf(model)[name] + figuresOf(other)[name];
    assert.deepEqual(
      [both.requests, both.promptTokens, both.completionTokens],
      [sum("requests"), sum("promptTokens"), sum("completionTokens")],
    );
    assert.equal(both.cost, cost(figuresOf(model).cost! + figuresOf(other).cost!));
    await model.store.close();
  });
});
