// The report's tmpfs round, in a process of its own: Deno lets only -A write
// under /dev, so the report runs this with -A and reads one JSON line.
//
// deno run -A bench/_tmpfs_child.ts <prompts>x<samples> …

import { FS_MEASURES } from "./_fs_writes.ts";

const TMPFS = "/dev/shm";
const shapes = Deno.args.map((s) => s.split("x").map(Number) as [number, number]);
let dir: string;
try {
  dir = await Deno.makeTempDir({ dir: TMPFS, prefix: "llm-cache-bench-" });
} catch (error) {
  console.log(JSON.stringify({ absent: `no writable ${TMPFS} (${(error as Error).message})` }));
  Deno.exit(0);
}
try {
  let n = 0;
  // A first pass compiles the code paths, so that no measure pays for it.
  for (const measure of Object.values(FS_MEASURES)) await measure(`${dir}/${n++}`, 10, 100);
  const rates: Record<string, Record<string, number>> = {};
  for (const [prompts, samples] of shapes) {
    const shape: Record<string, number> = rates[`${prompts}x${samples}`] = {};
    for (const [name, measure] of Object.entries(FS_MEASURES)) {
      shape[name] = await measure(`${dir}/${n++}`, prompts, samples);
    }
  }
  console.log(JSON.stringify(rates));
} finally {
  await Deno.remove(dir, { recursive: true });
}
