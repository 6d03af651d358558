// The caches shipped for the notebooks are exactly what their scripts write.

import assert from "node:assert/strict";
import { makeAgentCache } from "../../notebooks/make_agent_cache.ts";
import { makeStructuredCache } from "../../notebooks/make_structured_cache.ts";
import { fileTree } from "../_support/file_tree.ts";

const SHIPPED = [
  { name: "structured_cache", make: makeStructuredCache, atLeast: 80 },
  { name: "agent_cache", make: makeAgentCache, atLeast: 150 },
];

for (const { name, make, atLeast } of SHIPPED) {
  const script = `make_${name}.ts`;
  Deno.test(`${make.name}: notebooks/${name} is its output (${script}), byte for byte`, async () => {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      await make(dir);
      const made = await fileTree(dir);
      const shipped = await fileTree(`notebooks/${name}`);
      assert.ok(made.size > atLeast, `only ${made.size} files made`);
      const run =
        `run: deno run --allow-read=notebooks --allow-write=notebooks notebooks/${script}`;
      assert.deepEqual([...shipped.keys()].sort(), [...made.keys()].sort(), run);
      for (const [path, text] of made) assert.equal(shipped.get(path), text, `${path}: ${run}`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}
