// What only the Deno KV store does: long model keys, the --unstable-kv hint,
// permission messages.

import assert from "node:assert/strict";
import { promptHash } from "../../mod.ts";
import { KvStore } from "../../cache/kv_store.ts";

Deno.test("KvStore: keeps model keys longer than a KV key allows", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const store = await KvStore.open(`${dir}/cache.kv`);
  try {
    const model = "a/".repeat(1500) + "x_1";
    const key = { model, hash: promptHash("p") };
    assert.deepEqual(await store.append(key, { from: 0, samples: ["s"], prompt: "p" }), ["s"]);
    assert.deepEqual(await store.load(key, 0), ["s"]);
    assert.deepEqual(await Array.fromAsync(store.models()), [model]);
    assert.deepEqual(await Array.fromAsync(store.prompts(model)), [{
      hash: key.hash,
      prompt: "p",
    }]);
    await assert.rejects(store.load({ model: "../x_1", hash: key.hash }, 0), TypeError);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("KvStore: names --unstable-kv when Deno KV is off", async () => {
  const script = `
    import { KvStore } from "./cache/kv_store.ts";
    await KvStore.open("tests/.tmp/never.kv").catch((e) => console.log(e.message));
  `;
  const { stdout, success } = await new Deno.Command("deno", {
    args: ["eval", script],
    stderr: "null",
  }).output();
  assert.ok(success);
  assert.match(new TextDecoder().decode(stdout), /--unstable-kv/);
});

Deno.test({
  name: "KvStore: names the permission flag to add",
  permissions: { read: ["tests"], write: ["tests/.tmp"] },
  fn: async () => {
    const error = await KvStore.open("/nonexistent-llm-cache.kv").then(
      (s) => s.close(),
      (e) => e,
    );
    assert.ok(error instanceof Deno.errors.NotCapable, String(error));
    assert.match(error.message, /--allow-write=\/nonexistent-llm-cache\.kv/);
  },
});

Deno.test("KvStore: a value that is not valid UTF-8 is an error naming its key", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  const store = await KvStore.open(`${dir}/cache.kv`);
  const raw = await Deno.openKv(`${dir}/cache.kv`);
  try {
    const key = { model: "m_1", hash: promptHash("p") };
    await store.append(key, { from: 0, samples: ["fine"], prompt: "p" });
    const cut = new Uint8Array([0x34, 0xe4, 0xbd]);
    await raw.set(["llm-cache", "sample", "m_1", key.hash, 1], cut);
    await assert.rejects(store.load(key, 0), (error: Error) => {
      assert.ok(error instanceof TypeError, String(error));
      assert.ok(error.message.includes(`["llm-cache","sample","m_1","${key.hash}",1]`));
      assert.match(error.message, /is not valid UTF-8/);
      return true;
    });
    await raw.set(["llm-cache", "prompt", "m_1", key.hash], cut);
    await assert.rejects(Array.fromAsync(store.prompts("m_1")), /prompt text .* not valid UTF-8/);
  } finally {
    raw.close();
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
});
