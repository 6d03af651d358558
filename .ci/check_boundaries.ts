// The boundary check of `deno task check`: fails on an import that crosses a
// boundary the layers draw (ARCHITECTURE.md), so that the rule is kept by a
// tool, not by review.
//
// - A file whose name starts with `_` is private to its folder: only files in
//   the same folder import it (a test in `tests/<folder>/` counts as in
//   `<folder>/`: a white-box test of that folder's internals; every test may
//   use `testing/`'s, the test infrastructure the library ships).
// - A library folder imports only folders of a lower layer: never one above
//   it (up), never another of its own layer (sideways: `cache/` and
//   `providers/` never see each other), never the root module, the tests or
//   the benchmarks.
//
// Imports are read from the code itself: comments and JSDoc examples are left
// out, multi-line clauses, `import type`, `export … from`, `import "…"`,
// dynamic `import()` and `typeof import()` are all read. Only relative
// specifiers can cross a folder of this project; `node:`, `npm:` and mapped
// names are left alone.
//
// Usage: deno run --allow-read .ci/check_boundaries.ts [root]

/** The layer of each library folder: a folder imports only lower layers. */
export const LAYERS: Readonly<Record<string, number>> = {
  internal: 0,
  core: 1,
  cache: 2,
  providers: 2,
  structured: 3,
  analysis: 3,
  ai_sdk: 4,
  notebooks: 4,
  cli: 4,
  testing: 4,
};

/** Folders of code written as a user writes it: they see only public files. */
const USER_FOLDERS = ["examples"];

/** One import as written: the specifier and the line it is on. */
export interface Import {
  readonly specifier: string;
  readonly line: number;
}

const KEYWORDS_BEFORE_REGEX = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/**
 * The code of `source` with comments and template literals blanked (line
 * breaks kept) and each string literal replaced by a `__S<n>__` placeholder,
 * with the strings' texts and lines.
 */
function tokens(source: string): { code: string; strings: Import[] } {
  const strings: Import[] = [];
  let code = "";
  let line = 1;
  let i = 0;
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  const skipTo = (end: number) => {
    const text = source.slice(i, end);
    line += text.split("\n").length - 1;
    i = end;
    return text;
  };
  while (i < source.length) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      code += blank(skipTo(end === -1 ? source.length : end));
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      code += blank(skipTo(end === -1 ? source.length : end + 2));
    } else if (c === '"' || c === "'") {
      const start = line;
      const text = skipTo(endOfQuoted(source, i, c));
      strings.push({ specifier: text.slice(1, -1), line: start });
      code += `__S${strings.length - 1}__`;
    } else if (c === "`") {
      code += blank(skipTo(endOfQuoted(source, i, "`")));
    } else if (c === "/" && regexMayStart(code)) {
      code += blank(skipTo(endOfRegex(source, i)));
    } else {
      code += c;
      if (c === "\n") line++;
      i++;
    }
  }
  return { code, strings };
}

/** The index just past the literal quoted by `quote` that starts at `start`. */
function endOfQuoted(source: string, start: number, quote: string): number {
  for (let i = start + 1; i < source.length; i++) {
    if (source[i] === "\\") i++;
    else if (source[i] === quote) return i + 1;
  }
  return source.length;
}

/** The index just past the regular expression literal (and its flags) at `start`. */
function endOfRegex(source: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < source.length; i++) {
    const c = source[i];
    if (c === "\\") i++;
    else if (c === "\n") return i;
    else if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      while (/[a-z]/.test(source[i + 1] ?? "")) i++;
      return i + 1;
    }
  }
  return source.length;
}

/** Whether a `/` after `code` starts a regular expression rather than a division. */
function regexMayStart(code: string): boolean {
  const before = code.trimEnd();
  if (before === "") return true;
  const last = before[before.length - 1]!;
  if ("(,=:[!&|?{};+-*%<>~^".includes(last)) return true;
  const word = /[A-Za-z_$][\w$]*$/.exec(before)?.[0];
  return word !== undefined && KEYWORDS_BEFORE_REGEX.has(word);
}

const PLACEHOLDER = String.raw`__S(\d+)__`;
const STATIC = new RegExp(
  String.raw`\b(?:import|export)\s+(?:type\s+)?(?:[\w$]+\s*,\s*)?` +
    String.raw`(?:\{[^{}]*\}|\*(?:\s+as\s+[\w$]+)?|[\w$]+)\s*from\s*${PLACEHOLDER}`,
  "g",
);
const BARE = new RegExp(String.raw`\bimport\s*${PLACEHOLDER}`, "g");
const DYNAMIC = new RegExp(String.raw`\bimport\s*\(\s*${PLACEHOLDER}\s*[,)]`, "g");

/**
 * The modules `source` imports or re-exports, statically or dynamically, in
 * the order written; what comments, JSDoc examples and strings only mention
 * is left out.
 */
export function importsOf(source: string): Import[] {
  const { code, strings } = tokens(source);
  const found = [STATIC, BARE, DYNAMIC].flatMap((re) =>
    [...code.matchAll(re)].map((m) => ({ at: m.index, string: strings[Number(m[1])]! }))
  );
  return found.sort((a, b) => a.at - b.at).map(({ string }) => string);
}

/** The folder a file belongs to for the rules, or undefined when none applies. */
function ownerOf(path: string): string | undefined {
  const [top, second] = path.split("/");
  if (top === "tests" && second !== undefined && second in LAYERS) return second;
  return top;
}

/** `path` (relative to the root, `/`-separated) with `.` and `..` resolved. */
function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "..") parts.pop();
    else if (part !== "." && part !== "") parts.push(part);
  }
  return parts.join("/");
}

/** The problems of one import from `from` (a path relative to the root) of `target`. */
function problemsOf(from: string, target: string, line: number): string[] {
  const where = `${from}:${line}`;
  const problems: string[] = [];
  const dir = target.includes("/") ? target.slice(0, target.lastIndexOf("/")) : "";
  const name = target.slice(target.lastIndexOf("/") + 1);
  const owner = ownerOf(from);
  const fromDir = from.includes("/") ? from.slice(0, from.lastIndexOf("/")) : "";
  // `testing/` is the library's test infrastructure: its internals (child
  // processes, sample generators, the suites' models) serve every test.
  const helper = from.startsWith("tests/") && dir === "testing";
  if (name.startsWith("_") && dir !== fromDir && dir !== owner && !helper) {
    problems.push(`${where} imports ${target}, a file private to ${dir}/`);
  }
  const layer = LAYERS[owner ?? ""];
  if (layer === undefined || from.startsWith("tests/")) return problems;
  const to = dir.split("/")[0] ?? "";
  if (to === owner) return problems;
  const toLayer = LAYERS[to];
  if (toLayer === undefined) {
    problems.push(`${where} imports ${target}, outside the library's folders below ${owner}/`);
  } else if (toLayer > layer) {
    problems.push(`${where} imports ${target}, a layer above ${owner}/ (up)`);
  } else if (toLayer === layer) {
    problems.push(`${where} imports ${target}, a folder of the same layer as ${owner}/ (sideways)`);
  }
  return problems;
}

/** Every `.ts` file under `dir` (relative to `root`), recursively. */
async function* tsFiles(root: string, dir: string): AsyncGenerator<string> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(`${root}/${dir}`));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  for (const entry of entries.sort((a, b) => a.name < b.name ? -1 : 1)) {
    const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
    if (entry.isDirectory && dir !== "") yield* tsFiles(root, path);
    else if (entry.isFile && entry.name.endsWith(".ts")) yield path;
  }
}

/** The files the rules apply to: the root's, the library folders', user code and folder tests. */
async function* checkedFiles(root: string): AsyncGenerator<string> {
  yield* tsFiles(root, "");
  for (const folder of [...Object.keys(LAYERS), ...USER_FOLDERS]) yield* tsFiles(root, folder);
  for (const folder of Object.keys(LAYERS)) yield* tsFiles(root, `tests/${folder}`);
}

/**
 * Every import under `root` that crosses a boundary, one line each:
 * `<file>:<line> imports <target>, <why>`; empty when the tree keeps the rules.
 */
export async function boundaryProblems(root: string): Promise<string[]> {
  const problems: string[] = [];
  for await (const path of checkedFiles(root)) {
    const source = await Deno.readTextFile(`${root}/${path}`);
    for (const { specifier, line } of importsOf(source)) {
      if (!specifier.startsWith("./") && !specifier.startsWith("../")) continue;
      const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
      problems.push(...problemsOf(path, normalize(`${dir}/${specifier}`), line));
    }
  }
  return problems;
}

if (import.meta.main) {
  const problems = await boundaryProblems(Deno.args[0] ?? ".");
  for (const problem of problems) console.error(problem);
  if (problems.length > 0) {
    console.error(
      `${problems.length} imports cross a boundary (ARCHITECTURE.md, "Layers"): move what ` +
        "several folders share to internal/, or import it from the folder's public files",
    );
    Deno.exit(1);
  }
  console.log(
    "boundaries: every import points down a layer and no `_` file is used outside its folder",
  );
}
