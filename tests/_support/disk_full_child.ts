// Appends to an FsStore whose first file write runs out of disk space (a
// real ENOSPC error, from /dev/full) after writing part of the file, then
// appends again. Prints what happened as JSON. Needs -A (for /dev/full).
//
// deno run -A tests/_support/disk_full_child.ts <dir> [offload]

import { promptHash } from "../../core/model_key.ts";
import { FsStore, type FsStoreOptions } from "../../cache/fs_store.ts";

const [dir = "", offload = "auto"] = Deno.args;
const folder = `${dir}/m_1/${promptHash("Choose a number between 1 and 1000.")}`;
const { writeTextFile, writeTextFileSync } = Deno;
let full = true;
Object.assign(Deno, {
  writeTextFileSync(path: string, data: string, options?: Deno.WriteFileOptions) {
    if (!full) return writeTextFileSync(path, data, options);
    writeTextFileSync(path, data.slice(0, data.length / 2), options); // part of it reached the disk
    writeTextFileSync("/dev/full", data); // then the disk is full: throws ENOSPC
  },
  async writeTextFile(path: string, data: string, options?: Deno.WriteFileOptions) {
    if (!full) return await writeTextFile(path, data, options);
    await writeTextFile(path, data.slice(0, data.length / 2), options);
    await writeTextFile("/dev/full", data);
  },
});
const store = new FsStore(dir, { offload } as FsStoreOptions);
const key = { model: "m_1", hash: promptHash("Choose a number between 1 and 1000.") };
const report: Record<string, unknown> = {};
try {
  await store.append(key, { from: 0, samples: ["a long sample ".repeat(1000)] });
} catch (error) {
  report.error = (error as Error).message;
  report.cause = ((error as Error).cause as { code?: string } | undefined)?.code;
}
report.left = [...Deno.readDirSync(folder)].map((e) => e.name);
full = false;
report.stored = await store.append(key, { from: 0, samples: ["small"] });
console.log(JSON.stringify(report));
