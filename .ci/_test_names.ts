// Prints the tests that test modules register, without running them: each
// module given on the command line is loaded with a `Deno.test` that records.
// A child process of check_tests.ts (its own module, so that a test module
// that imports check_tests.ts loads it as any other import).
//
//   deno run -A .ci/_test_names.ts tests/core/a_test.ts …

import { NAMES_LINE, type TestName } from "./check_tests.ts";

/**
 * Loads each module of `files` with a recording `Deno.test` and prints what
 * registered, as JSON on the line that starts with `NAMES_LINE`.
 */
export async function printNames(files: readonly string[]): Promise<void> {
  const found: TestName[] = [];
  let file = "";
  const nameOf = (args: unknown[]): string => {
    const [first, second] = args;
    if (typeof first === "string") return first;
    if (typeof first === "function") return first.name;
    if (typeof first === "object" && first !== null && "name" in first) return String(first.name);
    return typeof second === "function" ? second.name : "";
  };
  const record = (...args: unknown[]) => void found.push({ file, name: nameOf(args) });
  const each = (cases: readonly unknown[]) => (...args: unknown[]) => {
    for (const _ of cases) record(...args);
  };
  const hook = () => {};
  const test = Object.assign(record, {
    only: record,
    ignore: record,
    each,
    beforeAll: hook,
    afterAll: hook,
    beforeEach: hook,
    afterEach: hook,
  });
  Object.defineProperty(Deno, "test", { value: test, configurable: true, writable: true });
  for (file of files) await import(new URL(file, `file://${Deno.cwd()}/`).href);
  // Modules print while they load and when the process ends: the names go on a line of their own.
  console.log(`\n${NAMES_LINE}${JSON.stringify(found)}`);
}

if (import.meta.main) await printNames(Deno.args);
