// `cache verify` asks the store (issue 18, item 1): a store's own
// `Store.verify` is what it reports, with its fixes; a store without one is
// checked through the Store interface, samples hidden behind a gap included.

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { KvStore } from "../../cache/kv_store.ts";
import type { StoreVerification, VerifyOptions } from "../../cache/store.ts";
import { registerStoreKind } from "../../cache/store_kinds.ts";
import { promptHash } from "../../core/model_key.ts";
import { main } from "../../cli/mod.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** A folder store whose own checks find one stale index, which `fix` removes. */
class CheckedStore extends FsStore {
  override verify(options: VerifyOptions = {}): Promise<StoreVerification> {
    return Promise.resolve({
      sequences: 7,
      samples: 9,
      problems: [
        {
          kind: "stale",
          path: "index.json",
          detail: "older than its samples",
          fixed: !!options.fix,
        },
      ],
      notes: ["checked by the store itself"],
    });
  }
}

/** `cache verify <args>`: the exit code and what was printed. */
async function verify(...args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const io = { out: (text: string) => void (out += text), err: () => {}, progress: false };
  return { code: await main(["verify", ...args], io), out };
}

Deno.test("cache verify: a store's own verify() is what it reports, its fixes too", () =>
  withTempDir(async (dir) => {
    const unregister = registerStoreKind({
      name: "checked",
      schemes: ["checked"],
      forms: ["checked:<folder>"],
      help: "a store that checks itself",
      parse: ({ rest }) => ({ location: `checked:${rest}`, path: rest, target: rest }),
      open: (spec) => Promise.resolve(new CheckedStore(spec.target)),
      permissions: () => [],
    });
    try {
      const found = await verify(`checked:${dir}`);
      assert.equal(found.code, 1);
      assert.match(found.out, /7 prompts, 9 samples\nnote: checked by the store itself\n/);
      assert.match(found.out, /stale +index\.json +older than its samples\n/);
      const fixed = await verify(`checked:${dir}`, "--fix", "--json");
      assert.equal(fixed.code, 0);
      assert.deepEqual(JSON.parse(fixed.out).problems, [
        { kind: "stale", path: "index.json", detail: "older than its samples", fixed: true },
      ]);
    } finally {
      unregister();
    }
  }));

Deno.test("cache verify: in Deno KV, samples hidden behind a gap are a problem", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/cache.kv`;
    const store = await KvStore.open(path);
    const key = { model: "m_1", hash: promptHash("p") };
    await store.append(key, { from: 0, samples: ["a"], prompt: "p" });
    // A placement past the end leaves index 1 empty: readers stop there.
    await store.place(key, { from: 2, samples: ["c", "d"], prompt: "p" });
    await store.close();
    const found = await verify(`kv:${path}`, "--json");
    assert.equal(found.code, 1);
    const report = JSON.parse(found.out);
    assert.deepEqual([report.sequences, report.samples], [1, 1]);
    assert.deepEqual(report.problems, [{
      kind: "gap",
      path: `m_1 ${key.hash}`,
      detail: "index 1 is missing: 2 sample(s) after it (up to index 3) are hidden from readers",
      fixed: false,
    }]);
  }));
