// Tests you can find: the test of `cache/fs_store.ts` is in `tests/cache/`,
// and every test's name starts with the symbol it tests ("FsStore: …"), so
// `deno test --filter "FsStore:"` runs them all. This file states the rule
// and checks it; `tests/ci/check_tests_test.ts` runs it on the tree.
//
//   deno run -A .ci/check_tests.ts      # lists what breaks the rule, exit 1
//
// Where tests go, under `tests/`:
// - `<folder>/…_test.ts` for each source folder (a top-level folder with
//   TypeScript in it: core/, cache/, providers/, …), `ci/` for checks of the
//   whole repository (.ci/);
// - `_support/` for what several tests share (mock models, the
//   OpenAI-compatible server, child scripts), `fixtures/` and `.tmp/`.
// A name starts with "<Symbol>: " or "<Symbol>.<member>: ", where Symbol is
// exported by a module of the repository (a source folder, `.ci/`, or a
// class in `tests/_support/`: a store or a provider written as a user would);
// or with a command of the command line ("cache ls: "); or, for what holds
// for the package as a whole, with its name ("@mnimi/llm-cache: ").
//
// The names are those the modules register: each test module is loaded in a
// child process (_test_names.ts) whose `Deno.test` records instead of running, so names built
// in loops and by shared suites (`storeConformance`) are checked as written.

import { basename, relative } from "node:path";
import { main as cli } from "../cli/mod.ts";

/** The package's name, the subject of a test about the package as a whole. */
const PACKAGE = "@mnimi/llm-cache";
/** Folders of `tests/` that hold no tests of their own. */
const SUPPORT = new Set(["_support", "fixtures", ".tmp"]);
/** Top-level folders that are not source folders. */
const NOT_SOURCE = new Set(["tests", "bench", "examples", "node_modules"]);
/** Where generated caches live: samples, not sources. */
const SKIP = new Set(["node_modules", ".tmp", "fixtures", "example_cache", "structured_cache"]);

/** One registered test: the module that registers it and its name. */
export interface TestName {
  /** The module's path from the repository root, e.g. `tests/cache/copy_test.ts`. */
  file: string;
  name: string;
}

/**
 * Where each test file in `files` (paths from `tests/`) breaks the layout
 * rule: a test outside the folder of a source folder or `ci/`, or a helper
 * loose in `tests/` itself.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { layoutProblems } from "./check_tests.ts";
 *
 * const folders = new Set(["core", "cache"]);
 * assert.deepEqual(layoutProblems(["cache/copy_test.ts", "_support/mock_model.ts"], folders), []);
 * assert.equal(layoutProblems(["copy_test.ts"], folders).length, 1);
 * ```
 */
export function layoutProblems(
  files: readonly string[],
  sourceFolders: ReadonlySet<string>,
): string[] {
  const folders = [...sourceFolders, "ci"].sort();
  const where = `tests/<folder>/ for the source folder it tests (${folders.join(", ")})`;
  const problems: string[] = [];
  for (const file of files) {
    const [top, ...rest] = file.split("/");
    const isTest = file.endsWith("_test.ts");
    if (rest.length === 0) {
      if (isTest) problems.push(`tests/${file}: a test file loose in tests/; move it to ${where}`);
      else if (file.endsWith(".ts")) {
        problems.push(`tests/${file}: a helper loose in tests/; move it to tests/_support/`);
      }
    } else if (SUPPORT.has(top!)) {
      if (isTest && top === "_support") {
        problems.push(`tests/${file}: a test file in tests/_support/; move it to ${where}`);
      }
    } else if (top !== "ci" && !sourceFolders.has(top!)) {
      problems.push(`tests/${file}: tests/${top}/ mirrors no source folder; move it to ${where}`);
    }
  }
  return problems;
}

/**
 * Which of `tests` have a name that does not start with one of `subjects`
 * (or a member of one) followed by ": ".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { nameProblems } from "./check_tests.ts";
 *
 * const subjects = new Set(["Cursor", "cache ls"]);
 * const ok = [
 *   { file: "tests/core/a_test.ts", name: "Cursor: waiters share one draw" },
 *   { file: "tests/core/a_test.ts", name: "Cursor.next: resolves in order" },
 *   { file: "tests/cli/a_test.ts", name: "cache ls: lists prompts" },
 * ];
 * assert.deepEqual(nameProblems(ok, subjects), []);
 * const bad = [{ file: "tests/core/a_test.ts", name: "waiters share one draw" }];
 * assert.equal(nameProblems(bad, subjects).length, 1);
 * ```
 */
export function nameProblems(tests: readonly TestName[], subjects: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const { file, name } of tests) {
    const head = name.split(": ")[0]!;
    const member = /^([\w$]+)(?:\.[\w$]+)+$/.exec(head);
    if (name === head || !(subjects.has(head) || member !== null && subjects.has(member[1]!))) {
      problems.push(
        `${file}: ${JSON.stringify(name)} does not start with the symbol it tests ` +
          `("Symbol: …", "Symbol.member: …", a command such as "cache ls: …", or "${PACKAGE}: …")`,
      );
    }
  }
  return problems;
}

const DECLARED =
  /^[ \t]*export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|const|let|var|interface|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/gm;
const LISTED = /^[ \t]*export\s+(?:type\s+)?\{([^}]*)\}/gm;

/** The names `source` exports: declarations and `export { … }` lists (the name after `as`). */
export function exportedNames(source: string): string[] {
  const names = [...source.matchAll(DECLARED)].map((m) => m[1]!);
  for (const [, list] of source.matchAll(LISTED)) {
    for (const part of list!.split(",")) {
      const name = part.trim().replace(/^type\s+/, "").split(/\s+as\s+/).pop()!.trim();
      if (name !== "") names.push(name);
    }
  }
  return names;
}

/** The source folders of the repository at `root`: top-level folders with TypeScript in them. */
export async function sourceFolders(root: string): Promise<Set<string>> {
  const folders = new Set<string>();
  for await (const entry of Deno.readDir(root)) {
    if (!entry.isDirectory || entry.name.startsWith(".") || NOT_SOURCE.has(entry.name)) continue;
    if ((await filesUnder(`${root}/${entry.name}`)).some((f) => f.endsWith(".ts"))) {
      folders.add(entry.name);
    }
  }
  return folders;
}

/** Every file under `dir` (generated caches left out), as paths joined to `dir`. */
async function filesUnder(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (SKIP.has(entry.name)) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) files.push(...await filesUnder(path));
    else files.push(path);
  }
  return files.sort();
}

/** The commands of the command line, each as "cache <command>", and "cache" itself. */
async function cliCommands(): Promise<string[]> {
  let help = "";
  await cli(["--help"], { out: (text) => help += text, err: () => {}, progress: false });
  const commands = [...help.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => `cache ${m[1]}`);
  if (commands.length === 0) throw new Error(`no commands found in the CLI's help:\n${help}`);
  return ["cache", ...commands];
}

/**
 * What a test name may start with in the repository at `root`: what its
 * modules export, the CLI's commands, the package's name; from
 * `tests/_support/`, only classes (a store or a provider written there as a
 * user would), never a helper of the tests.
 */
export async function subjects(root: string, folders: ReadonlySet<string>): Promise<Set<string>> {
  const modules = [];
  for (const folder of [...folders, ".ci"]) {
    modules.push(...(await filesUnder(`${root}/${folder}`)).filter((f) => f.endsWith(".ts")));
  }
  for await (const entry of Deno.readDir(root)) {
    if (entry.isFile && entry.name.endsWith(".ts")) modules.push(`${root}/${entry.name}`);
  }
  const names = new Set<string>([PACKAGE, ...await cliCommands()]);
  for (const module of modules) {
    if (module.endsWith("_test.ts")) continue;
    for (const name of exportedNames(await Deno.readTextFile(module))) names.add(name);
  }
  for (const module of await filesUnder(`${root}/tests/_support`)) {
    if (!module.endsWith(".ts")) continue;
    const source = await Deno.readTextFile(module);
    for (const [, name] of source.matchAll(/^export\s+(?:abstract\s+)?class\s+([\w$]+)/gm)) {
      names.add(name!);
    }
  }
  return names;
}

/** Starts the line with the names: a module may print before it, and at unload after it. */
export const NAMES_LINE = "registered test names: ";

/**
 * The names the test modules `files` (paths from `root`) register, read in a
 * child process that loads each module with a `Deno.test` that records.
 */
export async function registeredNames(root: string, files: readonly string[]): Promise<TestName[]> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: ["run", "-A", "--unstable-kv", `${root}/.ci/_test_names.ts`, ...files],
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`loading the test modules failed:\n${new TextDecoder().decode(stderr)}`);
  }
  const line = new TextDecoder().decode(stdout).split("\n").find((l) => l.startsWith(NAMES_LINE));
  if (line === undefined) throw new Error("the test modules loaded, but no names were printed");
  return JSON.parse(line.slice(NAMES_LINE.length));
}

/** Everything in the repository at `root` that breaks the rule, or nothing. */
export async function checkTests(root: string): Promise<string[]> {
  const folders = await sourceFolders(root);
  const files = (await filesUnder(`${root}/tests`)).map((f) => relative(`${root}/tests`, f));
  const tests = files.filter((f) => f.endsWith("_test.ts")).map((f) => `tests/${f}`);
  return [
    ...layoutProblems(files, folders),
    ...nameProblems(await registeredNames(root, tests), await subjects(root, folders)),
  ];
}

if (import.meta.main) {
  const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
  const problems = await checkTests(root);
  for (const problem of problems) console.error(problem);
  console.error(
    `${basename(import.meta.filename ?? "check_tests.ts")}: ${problems.length} problem(s)`,
  );
  if (problems.length > 0) Deno.exit(1);
}
