// A merge that leaves its conflict markers in a doc comment still compiles,
// and JSR would publish them as the documentation of the symbol.

import assert from "node:assert/strict";
import { relative } from "node:path";

// Caches hold samples (any text), not sources.
const SKIP = new Set([
  ".git",
  ".tools",
  "node_modules",
  ".tmp",
  "fixtures",
  "example_cache",
  "structured_cache",
]);

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    if (SKIP.has(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) yield* sources(path);
    else if (/\.(ts|md)$/.test(entry.name)) yield path;
  }
}

Deno.test("@mnimi/llm-cache: no file holds a merge conflict marker", async () => {
  const root = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");
  const found: string[] = [];
  for await (const path of sources(root)) {
    const lines = (await Deno.readTextFile(path)).split("\n");
    lines.forEach((line, k) => {
      if (/^(<{7}|>{7}) /.test(line)) found.push(`${relative(root, path)}:${k + 1}`);
    });
  }
  assert.deepEqual(found, [], `conflict markers at ${found.join(", ")}`);
});
