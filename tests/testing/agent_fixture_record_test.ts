// tests/testing/agent_fixture_test.ts, the llmFixture example, run as its user
// would: recorded from nothing, it writes exactly the committed recordings;
// replayed with read access to them only, it passes with no request.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { fileTree } from "../_support/file_tree.ts";

const MODULE = fileURLToPath(new URL("./agent_fixture_test.ts", import.meta.url));
const RECORDINGS = "tests/fixtures/llm/tests/testing/agent_fixture_test.ts";

/** `deno test <flags> MODULE -- <args>` in `cwd`; its output, without colours. */
async function denoTest(cwd: string, flags: string[], args: string[] = []): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("deno", {
    args: ["test", ...flags, MODULE, "--", ...args],
    cwd,
    env: { NO_COLOR: "1", CI: "" },
  }).output();
  const decoder = new TextDecoder();
  const output = decoder.decode(stdout) + decoder.decode(stderr);
  assert.equal(code, 0, output);
  return output;
}

/** A recording's files; a usage record's latency (a clock reading) left out. */
async function recordings(root: string): Promise<Map<string, string>> {
  const files = await fileTree(root);
  for (const [path, text] of files) {
    if (path.endsWith("usage.jsonl")) files.set(path, text.replace(/"latencyMs":\d+/g, ""));
  }
  return files;
}

Deno.test({
  name:
    "llmFixture: the agent example, recorded from nothing, it writes the committed recordings; replayed, it passes with read access only",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  async fn() {
    const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
    try {
      const recorded = await denoTest(
        dir,
        ["--allow-read=tests/fixtures", "--allow-write=tests/fixtures", "--allow-env=CI"],
        ["--llm-record"],
      );
      assert.match(recorded, /recorded 47 new samples in 31 sequences/);
      const made = await recordings(`${dir}/${RECORDINGS}`);
      const committed = await recordings(RECORDINGS);
      const run = "record them: deno test -A tests/testing/agent_fixture_test.ts -- --llm-record";
      assert.deepEqual([...committed.keys()].sort(), [...made.keys()].sort(), run);
      for (const [path, text] of made) assert.equal(committed.get(path), text, `${path}: ${run}`);

      const replayed = await denoTest(dir, ["--allow-read=tests/fixtures"]);
      assert.match(replayed, /2 passed \| 0 failed/);
      assert.doesNotMatch(replayed, /recorded|not used|unused/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
