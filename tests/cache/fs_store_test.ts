// The conformance kit on the filesystem store: with its file calls chosen
// as Persistent's draws dictate (the default), always off the main thread,
// and never.

import { FsStore, type FsStoreOptions } from "../../cache/fs_store.ts";
import { storeConformance } from "../../testing/store_conformance.ts";

for (const offload of ["auto", "always", "never"] as const) {
  const options: FsStoreOptions = { offload };
  storeConformance(Deno.test, {
    name: offload === "auto" ? "FsStore" : `FsStore: offload ${offload}`,
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
