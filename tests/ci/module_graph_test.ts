// What `import … from "@mnimi/llm-cache"` loads before the first sample of a
// replay: no `node:` module (starting Deno's Node compatibility layer costs
// more than the rest of a cold start), and none of the parts only some runs
// use (they are loaded on demand).

import assert from "node:assert/strict";

/** The modules `root` loads when it is imported: static runtime imports, types and dynamic imports left out. */
async function runtimeGraph(root: string): Promise<string[]> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: ["info", "--json", root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  interface Dependency {
    code?: { specifier: string };
    isDynamic?: boolean;
  }
  const info: { roots: string[]; modules: { specifier: string; dependencies?: Dependency[] }[] } =
    JSON.parse(new TextDecoder().decode(stdout));
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const specifier = stack.pop()!;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dependency of modules.get(specifier)?.dependencies ?? []) {
      if (dependency.code !== undefined && !dependency.isDynamic) {
        stack.push(dependency.code.specifier);
      }
    }
  }
  const here = new URL("../../", import.meta.url).href;
  return [...seen].map((s) => s.replace(here, "")).sort();
}

Deno.test({
  name: "@mnimi/llm-cache: the root module loads no node: module",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const graph = await runtimeGraph("mod.ts");
    assert.deepEqual(graph.filter((m) => m.startsWith("node:")), []);
  },
});

Deno.test({
  name: "@mnimi/llm-cache: the root module leaves what only some runs use to be loaded on demand",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const graph = await runtimeGraph("mod.ts");
    const onDemand = [
      // A replication miss: the prompts nearest to the one missing.
      "cache/_closest_prompt.ts",
      // Copying between stores.
      "cache/copy_selection.ts",
      "cache/_copy_sequence.ts",
      // Checking a store (`cache verify`), and a folder opened read-only.
      "cache/_fs_verify.ts",
      "cache/verify_store.ts",
      "cache/_cache_folder.ts",
      // The stores of other kinds, opened from a spec.
      "cache/kv_store.ts",
      "cache/sqlite_store.ts",
      "cache/redis_store.ts",
    ];
    assert.deepEqual(graph.filter((m) => onDemand.includes(m)), []);
  },
});
