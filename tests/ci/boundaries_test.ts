// The boundary check (`.ci/check_boundaries.ts`, run by `deno task check`):
// it reads imports from code only, fails on each kind of crossing, and the
// tree as it stands passes it.

import assert from "node:assert/strict";
import { boundaryProblems, importsOf } from "../../.ci/check_boundaries.ts";

const specifiers = (source: string) => importsOf(source).map((i) => i.specifier);

Deno.test("importsOf: every form of import and re-export, with the line it is on", () => {
  const source = [
    'import { a } from "./a.ts";',
    "import {",
    "  b,",
    "  type B,",
    '} from "../core/b.ts";',
    'import type { C } from "../core/c.ts";',
    'export * from "./d.ts";',
    'export { e } from "./e.ts";',
    'export * as f from "./f.ts";',
    'import g, { h } from "./g.ts";',
    'import * as i from "./i.ts";',
    'import "./j.ts";',
    'const k = await import("./k.ts");',
    'type L = typeof import("./l.ts");',
    "const m = await import(",
    '  "./m.ts"',
    ");",
  ].join("\n");
  assert.deepEqual(importsOf(source), [
    { specifier: "./a.ts", line: 1 },
    { specifier: "../core/b.ts", line: 5 },
    { specifier: "../core/c.ts", line: 6 },
    { specifier: "./d.ts", line: 7 },
    { specifier: "./e.ts", line: 8 },
    { specifier: "./f.ts", line: 9 },
    { specifier: "./g.ts", line: 10 },
    { specifier: "./i.ts", line: 11 },
    { specifier: "./j.ts", line: 12 },
    { specifier: "./k.ts", line: 13 },
    { specifier: "./l.ts", line: 14 },
    { specifier: "./m.ts", line: 16 },
  ]);
});

Deno.test("importsOf: comments, JSDoc examples, strings and templates only mention imports", () => {
  const source = [
    "/**",
    " * @example",
    " * ```ts",
    ' * import { x } from "../notebooks/mod.ts";',
    ' * const y = await import("../cache/_y.ts");',
    " * ```",
    " */",
    '// import { z } from "../cache/_z.ts";',
    "const text = \"import { w } from '../cache/_w.ts'\";",
    'const child = `import { v } from "../cache/_v.ts";`;',
    "const slash = /[\"'`]/g; // a regex with quotes is not a string",
    'const ratio = 1 / 2; import { u } from "./u.ts";',
    'const path = "a/*b"; import { t } from "./t.ts"; // "*/" not a comment',
  ].join("\n");
  assert.deepEqual(specifiers(source), ["./u.ts", "./t.ts"]);
});

/** Writes `files` (path → source) under a fresh folder of tests/.tmp and returns it. */
async function tree(files: Record<string, string>): Promise<string> {
  await Deno.mkdir("tests/.tmp", { recursive: true });
  const root = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "boundaries_" });
  for (const [path, source] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, source);
  }
  return root;
}

/** The problems the check finds in `files`, the temporary tree removed. */
async function problemsIn(files: Record<string, string>): Promise<string[]> {
  const root = await tree(files);
  try {
    return await boundaryProblems(root);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const permissions: Deno.PermissionOptions = { read: ["tests/.tmp", "."], write: ["tests/.tmp"] };

Deno.test({
  name:
    "boundaryProblems: down a layer, a folder's own `_` files and, in tests, `testing/`'s helpers pass",
  permissions,
  fn: async () => {
    assert.deepEqual(
      await problemsIn({
        "internal/validate.ts": "export const v = 1;\n",
        "core/_engine.ts": 'import { v } from "../internal/validate.ts";\nexport const e = v;\n',
        "core/model.ts": 'import { e } from "./_engine.ts";\nexport const m = e;\n',
        "cache/store.ts": 'import { m } from "../core/model.ts";\nexport const s = m;\n',
        "cli/mod.ts": 'import { s } from "../cache/store.ts";\nexport const c = s;\n',
        "mod.ts": 'export * from "./core/model.ts";\n',
        "tests/core/engine_test.ts": 'import { e } from "../../core/_engine.ts";\n',
        "testing/_children.ts": "export const k = 1;\n",
        "tests/cache/crash_test.ts": 'import { k } from "../../testing/_children.ts";\n',
      }),
      [],
    );
  },
});

Deno.test({
  name: "boundaryProblems: another folder's `_` file fails, also through a dynamic import",
  permissions,
  fn: async () => {
    assert.deepEqual(
      await problemsIn({
        "core/_validate.ts": "export const v = 1;\n",
        "cache/store.ts": [
          "// a comment first",
          'import { v } from "../core/_validate.ts";',
          'const lazy = () => import("../core/_validate.ts");',
          "export const s = [v, lazy];",
        ].join("\n"),
        "mod.ts": 'export * from "./core/_validate.ts";\n',
        "examples/demo.ts": 'import { v } from "../core/_validate.ts";\n',
        "tests/cache/store_test.ts": 'import { v } from "../../core/_validate.ts";\n',
        "testing/_children.ts": "export const k = 1;\n",
        "cache/crash.ts": 'import { k } from "../testing/_children.ts";\n',
      }),
      [
        "mod.ts:1 imports core/_validate.ts, a file private to core/",
        "cache/crash.ts:1 imports testing/_children.ts, a file private to testing/",
        "cache/crash.ts:1 imports testing/_children.ts, a layer above cache/ (up)",
        "cache/store.ts:2 imports core/_validate.ts, a file private to core/",
        "cache/store.ts:3 imports core/_validate.ts, a file private to core/",
        "examples/demo.ts:1 imports core/_validate.ts, a file private to core/",
        "tests/cache/store_test.ts:1 imports core/_validate.ts, a file private to core/",
      ],
    );
  },
});

Deno.test({
  name: "boundaryProblems: an import up a layer, sideways or out of the library fails",
  permissions,
  fn: async () => {
    assert.deepEqual(
      (await problemsIn({
        "core/figures.ts": 'import type { View } from "../notebooks/html.ts";\n',
        "cache/store.ts": 'type P = typeof import("../providers/http_provider.ts");\n',
        "cli/mod.ts": 'import { v } from "../notebooks/mod.ts";\n',
        "notebooks/make.ts": 'import { m } from "../mod.ts";\n',
        "testing/fixture.ts": 'import { m } from "../tests/mock_model.ts";\n',
        "internal/validate.ts": 'import type { Price } from "../core/cost.ts";\n',
      })).sort(),
      [
        "cache/store.ts:1 imports providers/http_provider.ts, a folder of the same layer as cache/ (sideways)",
        "cli/mod.ts:1 imports notebooks/mod.ts, a folder of the same layer as cli/ (sideways)",
        "core/figures.ts:1 imports notebooks/html.ts, a layer above core/ (up)",
        "internal/validate.ts:1 imports core/cost.ts, a layer above internal/ (up)",
        "notebooks/make.ts:1 imports mod.ts, outside the library's folders below notebooks/",
        "testing/fixture.ts:1 imports tests/mock_model.ts, outside the library's folders below testing/",
      ],
    );
  },
});

Deno.test({
  name: "boundaryProblems: the tree keeps every boundary",
  permissions: { read: ["."] },
  fn: async () => {
    assert.deepEqual(await boundaryProblems("."), []);
  },
});
