// The README and the guides link to each other: every relative link leads to
// a file that exists and, with a #fragment, to a heading in it; every guide
// is reachable from the README. The checker (.ci/check_doc_links.ts) also
// runs in `deno task check`.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { anchorSet, brokenDocLinks, docFiles, linksOf, slugOf } from "../../.ci/check_doc_links.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

Deno.test("brokenDocLinks: every relative link in README.md, ARCHITECTURE.md and docs/*.md leads to a file and heading", async () => {
  const files = await docFiles(ROOT);
  assert.ok(files.includes("README.md") && files.some((f) => f.startsWith("docs/")));
  assert.deepEqual(await brokenDocLinks(ROOT, files), []);
});

Deno.test("brokenDocLinks: every guide in docs/ is linked from the README", async () => {
  const readme = await Deno.readTextFile(`${ROOT}/README.md`);
  const linked = new Set(linksOf(readme).map((l) => l.target.split("#")[0]));
  const guides = (await docFiles(ROOT)).filter((f) => f.startsWith("docs/"));
  assert.ok(guides.length >= 5, `only ${guides.length} guides`);
  assert.deepEqual(guides.filter((g) => !linked.has(g)), []);
});

Deno.test("brokenDocLinks: reports a missing file, a missing heading and a missing anchor in the same file", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/docs`);
    await Deno.writeTextFile(
      `${dir}/README.md`,
      [
        "# Title",
        "",
        "## `queryRetry`: sample until it parses",
        "",
        "See [the guide](docs/guide.md#spending-limits), [gone](docs/gone.md),",
        "[up](#queryretry-sample-until-it-parses), [nowhere](#nowhere) and",
        "[folder](docs/), [web](https://example.org/x.md#y), [jsr](jsr:@mnimi/llm-cache).",
        "",
        "```md",
        "[in a fence](docs/missing.md)",
        "```",
        "",
        "`[in code](docs/missing.md)` and ![image](docs/missing.png)",
      ].join("\n"),
    );
    await Deno.writeTextFile(`${dir}/ARCHITECTURE.md`, "# Architecture\n");
    await Deno.writeTextFile(
      `${dir}/docs/guide.md`,
      "# Guide\n\n## Spending limits\n\nBack to [the README](../README.md#title).\n" +
        "Wrong: [a typo](../README.md#titel).\n",
    );
    const broken = await brokenDocLinks(dir, await docFiles(dir));
    assert.deepEqual(
      broken.map(({ file, line, target }) => ({ file, line, target })),
      [
        { file: "README.md", line: 5, target: "docs/gone.md" },
        { file: "README.md", line: 6, target: "#nowhere" },
        { file: "README.md", line: 13, target: "docs/missing.png" },
        { file: "docs/guide.md", line: 6, target: "../README.md#titel" },
      ],
    );
    assert.match(broken[0]!.reason, /docs\/gone\.md does not exist/);
    assert.match(broken[1]!.reason, /README\.md has no heading whose anchor is #nowhere/);
  });
});

Deno.test("slugOf: anchors as GitHub makes them", () => {
  assert.equal(
    slugOf("`queryRetry`: sample until the output parses"),
    "queryretry-sample-until-the-output-parses",
  );
  assert.equal(slugOf("Opening a store: `openStore`"), "opening-a-store-openstore");
  assert.equal(slugOf("One file: SQLite"), "one-file-sqlite");
  assert.equal(slugOf("Run manifests: what a run used"), "run-manifests-what-a-run-used");
  assert.equal(slugOf("The `cache` command line"), "the-cache-command-line");
  assert.equal(slugOf("Chats, tools and agents"), "chats-tools-and-agents");
  assert.equal(slugOf("[Linked](x.md) heading"), "linked-heading");
});

Deno.test("anchorSet: a repeated heading gets -1, headings in code are none, explicit anchors count", () => {
  const anchors = anchorSet(
    '# A\n\n## Notes\n\n## Notes\n\n```md\n## In code\n```\n\n<a id="here"></a>\n',
  );
  assert.deepEqual([...anchors!].sort(), ["a", "here", "notes", "notes-1"]);
});
