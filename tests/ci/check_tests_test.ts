// The rule that keeps tests findable (.ci/check_tests.ts), on the tree and on
// what breaks it.

import assert from "node:assert/strict";
import {
  checkTests,
  layoutProblems,
  nameProblems,
  sourceFolders,
  subjects,
} from "../../.ci/check_tests.ts";

const ROOT = new URL("../..", import.meta.url).pathname.replace(/\/$/, "");

Deno.test({
  name:
    "checkTests: every test file mirrors a source folder, and every test name starts with the symbol it tests",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    assert.deepEqual(await checkTests(ROOT), []);
  },
});

Deno.test({
  name:
    "layoutProblems: a test loose in tests/, in _support/ or in a folder no source has is refused",
  permissions: { read: ["."] },
  async fn() {
    const folders = await sourceFolders(ROOT);
    assert.ok(
      folders.has("core") && folders.has("cache") && !folders.has("tests"),
      [...folders].join(),
    );
    const fine = [
      "core/concurrency_test.ts",
      "cache/nested/deeper_test.ts",
      "ci/check_tests_test.ts",
      "_support/mock_model.ts",
      "fixtures/mnimi-cache/gpt-4o_1/abc/0.md",
      ".tmp/.gitkeep",
    ];
    assert.deepEqual(layoutProblems(fine, folders), []);
    const problems = layoutProblems(
      ["concurrency_test.ts", "mock_model.ts", "_support/helper_test.ts", "misc/x_test.ts"],
      folders,
    );
    assert.equal(problems.length, 4, problems.join("\n"));
    assert.match(problems[0]!, /^tests\/concurrency_test\.ts: .*tests\/<folder>\/ .*\bcore\b/);
    assert.match(problems[1]!, /^tests\/mock_model\.ts: .*tests\/_support\//);
    assert.match(
      problems[2]!,
      /^tests\/_support\/helper_test\.ts: a test file in tests\/_support\//,
    );
    assert.match(problems[3]!, /^tests\/misc\/x_test\.ts: tests\/misc\/ mirrors no source folder/);
  },
});

Deno.test({
  name:
    "nameProblems: a name without a symbol, with one nothing exports, or without ': ' is refused",
  permissions: { read: ["."] },
  async fn() {
    const known = await subjects(ROOT, await sourceFolders(ROOT));
    const at = (name: string) => ({ file: "tests/core/x_test.ts", name });
    const fine = [
      "Cursor: a failure reaches only the waiters it covers",
      "Independent.replies: texts and replies share one cursor",
      "FsStore: offload always: load and append keep indices",
      "cache ls: prompts in natural order",
      "cache: usage errors exit 2",
      "@mnimi/llm-cache: the root module loads no node: module",
    ];
    assert.deepEqual(nameProblems(fine.map(at), known), []);
    const bad = [
      "a failure reaches only the waiters it covers",
      "Cursor a failure reaches only the waiters it covers",
      "NoSuchSymbol: a failure reaches only the waiters it covers",
      "NoSuchSymbol.replies: texts and replies share one cursor",
      "cache nosuch: prompts in natural order",
      "cli: usage errors exit 2",
    ];
    const problems = nameProblems(bad.map(at), known);
    assert.equal(problems.length, bad.length, problems.join("\n"));
    for (const [k, problem] of problems.entries()) {
      assert.ok(
        problem.startsWith(`tests/core/x_test.ts: ${JSON.stringify(bad[k])} does not start`),
      );
    }
  },
});
