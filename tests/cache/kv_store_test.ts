// The conformance kit on Deno KV.

import { KvStore } from "../../cache/kv_store.ts";
import { storeConformance } from "../../testing/store_conformance.ts";

storeConformance(Deno.test, {
  name: "KvStore",
  async open() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    const path = `${dir}/cache.kv`;
    return {
      store: await KvStore.open(path),
      spec: `kv:${path}`,
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  },
});
