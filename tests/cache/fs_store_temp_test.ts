// FsStore's temporary files may be removed under a writer: `cache verify
// --fix` takes one older than a minute for a killed writer's. How long a
// writer takes must never decide whether its sample is kept.

import assert from "node:assert/strict";
import { promptHash } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const KEY = { model: "m_1", hash: promptHash("p") };

/**
 * Removes a temporary file just before (or just after) each of the next
 * `times` links of one, as `cache verify --fix` would.
 */
function removeAtLinks(times: number, when: "before" | "after") {
  const { link, linkSync } = Deno;
  let left = times;
  const remove = (existing: string) => {
    if (left-- > 0 && existing.includes("/.tmp-")) Deno.removeSync(existing);
  };
  Object.assign(Deno, {
    linkSync(existing: string, target: string) {
      if (when === "before") remove(existing);
      linkSync(existing, target);
      if (when === "after") remove(existing);
    },
    async link(existing: string, target: string) {
      if (when === "before") remove(existing);
      await link(existing, target);
      if (when === "after") remove(existing);
    },
  });
  return () => Object.assign(Deno, { link, linkSync });
}

for (const when of ["before", "after"] as const) {
  for (const offload of ["never", "always"] as const) {
    Deno.test(`FsStore: a temporary file removed ${when} its link loses nothing (offload ${offload})`, () =>
      withTempDir(async (dir) => {
        const store = new FsStore(dir, { offload });
        await store.append(KEY, { from: 0, samples: ["first"], prompt: "p" });
        const restore = removeAtLinks(2, when);
        try {
          assert.deepEqual(await store.append(KEY, { from: 1, samples: ["a", "b"], prompt: "p" }), [
            "a",
            "b",
          ]);
          assert.deepEqual(await store.place(KEY, { from: 3, samples: ["c"], prompt: "p" }), ["c"]);
        } finally {
          restore();
        }
        assert.deepEqual(await new FsStore(dir).load(KEY, 0), ["first", "a", "b", "c"]);
        const left = (await Array.fromAsync(Deno.readDir(`${dir}/m_1/${KEY.hash}`)))
          .filter((e) => e.name.startsWith(".tmp-"));
        assert.deepEqual(left, [], "no temporary file left behind");
      }));
  }
}
