// The filesystem part of `verify`: reads a cache folder directly, because the
// Store interface hides exactly what can go wrong on disk (gaps, stray files,
// temp files left by killed writers, names Python would misread). It opens
// regular files only: a FIFO would block it, a device never end.

import { PROMPT_FILE, sampleIndex, USAGE_FILE } from "../cache/fs_store.ts";
import { fileCalls } from "../cache/_fs_calls.ts";
import { scanUsage } from "../cache/_fs_usage.ts";
import { isPromptHash } from "../cache/_key_path.ts";
import { decodeUtf8 } from "../cache/_utf8.ts";
import { promptHash } from "../core/model_key.ts";

/** What kind of problem a {@linkcode Problem} is. */
export type ProblemKind =
  | "gap"
  | "temp"
  | "foreign"
  | "link"
  | "key"
  | "name"
  | "unreadable"
  | "prompt"
  | "empty";

/** One thing wrong in a store. */
export interface Problem {
  readonly kind: ProblemKind;
  /** The file or folder (relative to the store), or model/hash. */
  readonly path: string;
  readonly detail: string;
  /** Whether `--fix` repaired it. */
  fixed: boolean;
}

/** What a verification found. */
export interface Verification {
  sequences: number;
  samples: number;
  problems: Problem[];
  /** Things worth knowing that are not problems (e.g. a writer at work). */
  notes: string[];
}

/** How {@linkcode verifyFolder} runs. */
export interface VerifyFolderOptions {
  /** Remove temporary files older than `tempAge`. */
  fix: boolean;
  /** Younger temporary files may belong to a running writer (milliseconds). */
  tempAge: number;
  /** Called after each prompt folder. */
  onFolder?: (done: number) => void;
}

const TEMP_PREFIX = ".tmp-";

/**
 * Checks every file under `root`, a cache folder in the mnimi layout.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyFolder } from "./_verify_fs.ts";
 *
 * const found = await verifyFolder("tests/fixtures/mnimi-cache", { fix: false, tempAge: 60_000 });
 * assert.equal(found.problems.length, 0);
 * assert.equal(found.samples, 124);
 * ```
 */
export async function verifyFolder(
  root: string,
  options: VerifyFolderOptions,
): Promise<Verification> {
  const found: Verification = { sequences: 0, samples: 0, problems: [], notes: [] };
  await walk(root, "", found, options);
  return found;
}

async function walk(dir: string, rel: string, found: Verification, options: VerifyFolderOptions) {
  for (const entry of await list(dir)) {
    const path = join(rel, entry.name);
    if (entry.isSymlink) {
      linkProblem(found, path);
    } else if (entry.isDirectory && isPromptHash(entry.name) && rel !== "") {
      await checkPromptFolder(`${dir}/${entry.name}`, path, entry.name, found, options);
      options.onFolder?.(found.sequences);
    } else if (entry.isDirectory && !isPromptHash(entry.name)) {
      await walk(`${dir}/${entry.name}`, path, found, options);
    } else {
      const what = entry.isDirectory ? "prompt folder outside any model folder" : kind(entry);
      problem(found, "foreign", path, `${what} that is not part of the cache layout`);
    }
  }
}

function kind(entry: Deno.DirEntry): string {
  return entry.isFile ? "file" : "FIFO, socket or device (never opened)";
}

async function checkPromptFolder(
  dir: string,
  rel: string,
  hash: string,
  found: Verification,
  options: VerifyFolderOptions,
) {
  found.sequences++;
  const indices: number[] = [];
  for (const entry of await list(dir)) {
    const path = join(rel, entry.name);
    const file = `${dir}/${entry.name}`;
    const index = sampleIndex(entry.name);
    if (entry.isSymlink) {
      linkProblem(found, path);
    } else if (entry.isDirectory) {
      problem(found, "foreign", path, "folder inside a prompt folder");
    } else if (!entry.isFile) {
      problem(found, "foreign", path, `${kind(entry)} inside a prompt folder`);
    } else if (index !== undefined) {
      indices.push(index);
      await readText(file, path, found);
    } else if (entry.name === PROMPT_FILE) {
      const prompt = await readText(file, path, found);
      if (prompt !== undefined && promptHash(prompt) !== hash) {
        problem(found, "prompt", path, "the prompt text does not hash to its folder's name");
      }
    } else if (entry.name === USAGE_FILE) {
      await checkUsage(file, path, found);
    } else if (entry.name.startsWith(TEMP_PREFIX)) {
      await checkTemp(file, path, found, options);
    } else if (entry.name.endsWith(".md")) {
      problem(
        found,
        "name",
        path,
        "not a plain index (0.md, 1.md, …): ignored here, breaks or misleads the Python reader",
      );
    } else {
      problem(found, "foreign", path, "file that is not part of the cache layout");
    }
  }
  found.samples += checkIndices(indices, rel, found);
}

/** Reports gaps; returns how many samples readers see (up to the first gap). */
function checkIndices(indices: number[], rel: string, found: Verification): number {
  indices.sort((a, b) => a - b);
  if (indices.length === 0) {
    problem(found, "empty", `${rel}/`, "prompt folder without samples (an interrupted write?)");
    return 0;
  }
  let visible = 0;
  while (indices[visible] === visible) visible++;
  if (visible < indices.length) {
    const hidden = indices.length - visible;
    problem(
      found,
      "gap",
      `${rel}/`,
      `${visible}.md is missing: ${hidden} sample(s) after it (up to ${indices.at(-1)}.md) ` +
        `are hidden from readers`,
    );
  }
  return visible;
}

async function checkTemp(
  file: string,
  path: string,
  found: Verification,
  options: VerifyFolderOptions,
) {
  const info = await Deno.lstat(file);
  const age = Date.now() - (info.mtime?.getTime() ?? 0);
  if (age < options.tempAge) {
    found.notes.push(
      `${path}: temporary file ${Math.round(age / 1000)} s old, left alone ` +
        `(a writer may be at work)`,
    );
    return;
  }
  const entry = problem(found, "temp", path, "temporary file left by an interrupted writer");
  if (!options.fix) return;
  try {
    await Deno.remove(file);
    entry.fixed = true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) entry.fixed = true;
    else throw error;
  }
}

/**
 * A usage file's torn lines are skipped by readers: a note, not a problem.
 * Read a chunk at a time, as readers do: it may be larger than a string.
 */
async function checkUsage(file: string, path: string, found: Verification) {
  const calls = fileCalls(file).nonBlocking;
  const scan = await scanUsage((offset, length) => calls.readFrom(file, offset, length), 0);
  const unfinished = scan.end < (await Deno.stat(file)).size ? 1 : 0;
  const torn = scan.lines - scan.records.length + unfinished;
  if (torn > 0) {
    found.notes.push(
      `${path}: ${torn} line(s) are not whole usage records (a writer stopped mid-write?); ` +
        `readers skip them`,
    );
  }
}

async function readText(file: string, path: string, found: Verification) {
  try {
    return decodeUtf8(await Deno.readFile(file), file);
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable) throw error;
    const why = error instanceof TypeError
      ? "not valid UTF-8 (cut off mid-write?)"
      : `cannot be read (${error instanceof Error ? error.message : String(error)})`;
    problem(found, "unreadable", path, why);
    return undefined;
  }
}

async function list(dir: string): Promise<Deno.DirEntry[]> {
  const entries = await Array.fromAsync(Deno.readDir(dir));
  return entries.sort((a, b) => a.name < b.name ? -1 : 1);
}

function linkProblem(found: Verification, path: string): void {
  problem(
    found,
    "link",
    path,
    "symbolic link: the cache refuses to follow it (it could lead outside the cache folder)",
  );
}

function problem(found: Verification, kind: ProblemKind, path: string, detail: string): Problem {
  const entry = { kind, path, detail, fixed: false };
  found.problems.push(entry);
  return entry;
}

function join(rel: string, name: string): string {
  return rel === "" ? name : `${rel}/${name}`;
}
