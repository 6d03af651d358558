// Persistent's write path: a miss right after this model's own append is not
// looked up in the store (the index after a claimed one was free when it was
// claimed), however late it comes: no clock decides. Yet another writer's
// sample at that index is never overwritten or skipped.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import type { SequenceKey, Store, StoreWrite } from "../../cache/store.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** An FsStore that counts its loads. */
class CountedLoads extends FsStore {
  loads = 0;
  override load(key: SequenceKey, from: number): Promise<string[]> {
    this.loads++;
    return super.load(key, from);
  }
}

Deno.test("Persistent: drawing sample after sample looks in the store once, not before each sample", () =>
  withTempDir(async (dir) => {
    const store = new CountedLoads(dir);
    const model = new Persistent(new CountingModel("m", 1), store);
    assert.deepEqual(
      await collect(model.sample("p"), 50),
      Array.from({ length: 50 }, (_, i) => String(i)),
    );
    assert.equal(store.loads, 1, "only the first miss asks the store");
  }));

Deno.test("Persistent: a miss right after this model's append draws without a look, however late it comes", () =>
  withTempDir(async (dir) => {
    const key = { model: "m_1", hash: promptHash("p") };
    const store = new CountedLoads(dir);
    const provider = new CountingModel("m", 1);
    // Without claims: a claim would see the other writer's sample first (claims_test.ts).
    const model = new Persistent(provider, store, { claims: false });
    const it = model.sample("p");
    assert.equal((await it.next()).value, "0");
    // Another process adds index 1 meanwhile, and time passes: no clock decides.
    await new FsStore(dir).append(key, { from: 1, samples: ["theirs"] });
    await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal((await it.next()).value, "theirs", "found by the append, served in index order");
    assert.equal((await it.next()).value, "1", "ours, kept after it: nothing paid for is lost");
    assert.deepEqual(provider.requests, [1, 1]);
    assert.equal(store.loads, 1, "only the first miss asks the store");
    assert.deepEqual(await new FsStore(dir).load(key, 0), ["0", "theirs", "1"]);
  }));

Deno.test("Persistent: a miss after samples found in the store looks again", () =>
  withTempDir(async (dir) => {
    const key = { model: "m_1", hash: promptHash("p") };
    const other = new FsStore(dir);
    await other.append(key, { from: 0, samples: ["a"], prompt: "p" });
    const store = new CountedLoads(dir);
    const provider = new CountingModel("m", 1);
    const it = new Persistent(provider, store).sample("p");
    assert.equal((await it.next()).value, "a");
    await other.append(key, { from: 1, samples: ["b"], prompt: "p" });
    assert.equal((await it.next()).value, "b", "found, not drawn");
    assert.deepEqual(provider.requests, []);
    assert.equal(store.loads, 2);
  }));

Deno.test("Persistent: another writer's sample at the index after ours is served, and ours kept after it", () =>
  withTempDir(async (dir) => {
    const key = { model: "m_1", hash: promptHash("p") };
    // A store that lets another writer in right after every append of ours.
    const other = new FsStore(dir);
    let theirs = 0;
    const store: Store = new (class extends FsStore {
      override async append(k: SequenceKey, { from, samples }: StoreWrite) {
        const found = await super.append(k, { from, samples });
        if (theirs < 2) {
          await other.append(key, { from: from + found.length, samples: [`theirs ${theirs++}`] });
        }
        return found;
      }
    })(dir);
    const model = new Persistent(new CountingModel("m", 1), store);
    const values = await collect(model.sample("p"), 6);
    assert.deepEqual(await other.load(key, 0), values, "served in index order, nothing skipped");
    assert.deepEqual(values.filter((v) => v.startsWith("theirs")), ["theirs 0", "theirs 1"]);
    assert.equal(new Set(values).size, 6, "no sample at two indices");
    assert.deepEqual(values.filter((v) => !v.startsWith("theirs")), ["0", "1", "2", "3"]);
  }));
