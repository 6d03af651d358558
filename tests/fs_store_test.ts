// The shared store suite on the filesystem store.

import { storeSuite } from "./store_suite.ts";
import { FsStore } from "../cache/fs_store.ts";

storeSuite("FsStore", {
  async open() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    return {
      store: new FsStore(dir),
      spec: dir,
      cleanup: () => Deno.remove(dir, { recursive: true }),
    };
  },
});
