// The shared store suite on the filesystem store: with its file calls chosen
// as Persistent's draws dictate (the default), always off the main thread,
// and never.

import { storeSuite } from "./store_suite.ts";
import { FsStore, type FsStoreOptions } from "../cache/fs_store.ts";

for (const offload of ["auto", "always", "never"] as const) {
  const options: FsStoreOptions = { offload };
  storeSuite(offload === "auto" ? "FsStore" : `FsStore, offload ${offload}`, {
    async open() {
      const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
      return {
        store: new FsStore(dir, options),
        spec: dir,
        cleanup: () => Deno.remove(dir, { recursive: true }),
      };
    },
  });
}
