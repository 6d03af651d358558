// The cache shipped for structured_output.ipynb is exactly what its script writes.

import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { makeStructuredCache } from "../../notebooks/make_structured_cache.ts";

const SHIPPED = "notebooks/structured_cache";

async function files(root: string, dir = root): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) { for (const [k, v] of await files(root, path)) out.set(k, v); }
    else out.set(relative(root, path), await Deno.readTextFile(path));
  }
  return out;
}

Deno.test("makeStructuredCache: notebooks/structured_cache is its output, byte for byte", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await makeStructuredCache(dir);
    const made = await files(dir);
    const shipped = await files(SHIPPED);
    assert.ok(made.size > 80, `only ${made.size} files made`);
    assert.deepEqual(
      [...shipped.keys()].sort(),
      [...made.keys()].sort(),
      "run: deno run --allow-read=notebooks --allow-write=notebooks notebooks/make_structured_cache.ts",
    );
    for (const [path, text] of made) assert.equal(shipped.get(path), text, path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
