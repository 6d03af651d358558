// The change task of issue 18: a store of your own (tests/_support/json_store.ts,
// JSON objects created only when absent), registered with one entry of the
// table of store kinds and run through the conformance kit, child processes
// included; and the places that read the table take its specs.

import assert from "node:assert/strict";
import { collect, openStore, Persistent } from "../../mod.ts";
import { JsonObjectStore } from "../_support/json_store.ts";
import { main } from "../../cli/mod.ts";
import { storeConformance } from "../../testing/store_conformance.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { AGENT_CHAT, REPLIES, ReplyModel } from "../../testing/_reply_suite.ts";
import { withTempDir } from "../_support/temp_dir.ts";

storeConformance(Deno.test, {
  name: "JsonObjectStore",
  async open() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    return {
      store: new JsonObjectStore(dir),
      spec: `json:${dir}`,
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  },
  preload: new URL("../_support/json_store.ts", import.meta.url),
});

Deno.test("registerStoreKind: a json: spec is read by openStore, Persistent and the command line, and listed in the help", () =>
  withTempDir(async (dir) => {
    const model = new Persistent(new CountingModel("m", 1), `JSON:${dir}`);
    assert.equal(model.store.location, `json:${dir}`);
    assert.deepEqual(await collect(model.sample("p"), 2), ["0", "1"]);
    const store = await openStore(`json:${dir}`);
    assert.ok(store instanceof JsonObjectStore);
    assert.deepEqual(await Array.fromAsync(store.models()), ["m_1"]);
    let out = "";
    const io = { out: (text: string) => void (out += text), err: () => {}, progress: false };
    assert.equal(await main(["stats", `json:${dir}`, "--json"], io), 0);
    assert.equal(JSON.parse(out).total.samples, 2);
    out = "";
    assert.equal(await main(["verify", `json:${dir}`], io), 0);
    assert.match(out, /1 prompts, 2 samples\nno problems found/);
    out = "";
    assert.equal(await main(["ls", "--help"], io), 0);
    assert.match(out, /json:<folder> +JSON objects in a folder/);
    await assert.rejects(openStore("json:"), /it names no folder: write e\.g\. "json:cache"/);
    await assert.rejects(openStore("jsn:x"), /did you mean "json:"\?/);
  }));

Deno.test("Persistent.replies: over a json: spec, a store that keeps no metadata serves none, and a rerun reads what the run served", () =>
  withTempDir(async (dir) => {
    // Opened on first use: the store says only then that it keeps no replies.
    const recording = new Persistent(new ReplyModel(), `json:${dir}`);
    const served = await collect(recording.replies(AGENT_CHAT), 2);
    assert.deepEqual(served, REPLIES.slice(0, 2).map((r) => ({ text: r.text, toolCalls: [] })));
    const replay = new Persistent(new ReplyModel(), `json:${dir}`, { replication: true });
    assert.deepEqual(await collect(replay.replies(AGENT_CHAT), 2), served);
    await recording.store.close();
    await replay.store.close();
  }));
