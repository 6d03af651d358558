// The shared store suite on Deno KV.

import { storeSuite } from "./store_suite.ts";
import { KvStore } from "../cache/kv_store.ts";

storeSuite("KvStore", {
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
