// The name of a test module's fixture folder: the module's path from the
// working directory (what `deno test` prints), or a name the fixture gives.

import { isAbsolute, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The test module's path relative to the working directory (what `deno
 * test` prints), or `name` when given: the name of the module's fixture
 * folder.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { moduleName } from "./_module_name.ts";
 *
 * assert.equal(moduleName("tests/chat_test.ts"), "tests/chat_test.ts");
 * assert.throws(() => moduleName("../chat_test.ts"), TypeError);
 * ```
 */
export function moduleName(name: string | undefined): string {
  if (name !== undefined) {
    if (
      typeof name !== "string" || name === "" || isAbsolute(name) ||
      name.split(/[\\/]/).some((s) => s === "" || s === "." || s === "..")
    ) {
      throw new TypeError(
        `llmFixture name must be a relative path without "." or ".." segments, ` +
          `got ${JSON.stringify(name)}`,
      );
    }
    return name;
  }
  const main = new URL(Deno.mainModule);
  if (main.protocol !== "file:") {
    throw new TypeError(
      `llmFixture names a test module's recordings after its file, but the main module ` +
        `${main.href} is not a file: pass { name } to name them`,
    );
  }
  const path = relative(Deno.cwd(), fileURLToPath(main));
  if (path.startsWith("..") || isAbsolute(path)) {
    throw new TypeError(
      `llmFixture names a test module's recordings after its path from the working ` +
        `directory, but ${fileURLToPath(main)} is outside ${Deno.cwd()}: run deno test ` +
        `from the project folder, or pass { name }`,
    );
  }
  return path.split(sep).join("/");
}
