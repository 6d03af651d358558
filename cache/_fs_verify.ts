// `FsStore.verify`: reads a cache folder directly, because the Store
// interface hides exactly what can go wrong on disk (gaps, stray files, temp
// files left by killed writers, names Python would misread). It opens
// regular files only: a FIFO would block it, a device never end.

import { fileCalls } from "./_fs_calls.ts";
import {
  metaFile,
  metaIndex,
  PROMPT_FILE,
  REPLIES_FOLDER,
  sampleFile,
  sampleIndex,
} from "./fs_samples.ts";
import { readMetaFile } from "./_fs_replies.ts";
import { scanUsage, USAGE_FILE } from "./fs_usage.ts";
import { CLAIMS_FILE } from "./_fs_claims.ts";
import { isPromptHash } from "./sequence_key.ts";
import { decodeUtf8 } from "./_utf8.ts";
import { promptHash } from "../core/model_key.ts";
import type { StoreProblem, StoreVerification } from "./store.ts";

/** A problem as it is found: `fixed` once repaired. */
type Problem = StoreProblem & { fixed: boolean };

/** What a verification found, as it is filled in. */
interface Verification extends StoreVerification {
  sequences: number;
  samples: number;
  problems: Problem[];
  notes: string[];
}

/** How {@linkcode verifyFolder} runs. */
export interface VerifyFolderOptions {
  /** Remove temporary files older than {@linkcode TEMP_AGE_MS}. */
  fix: boolean;
  /** Called after each prompt folder. */
  onFolder?: ((done: number) => void) | undefined;
}

const TEMP_PREFIX = ".tmp-";

// A temporary file younger than this may be a running writer's.
const TEMP_AGE_MS = 60_000;

/**
 * Checks every file under `root`, a cache folder in the mnimi layout; with
 * `fix`, renames into place the metadata a killed writer left in its
 * temporary file, then removes temporary files older than a minute
 * (younger ones may belong to a running writer: they are only noted).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyFolder } from "./_fs_verify.ts";
 *
 * const found = await verifyFolder("tests/fixtures/mnimi-cache", { fix: false });
 * assert.equal(found.problems.length, 0);
 * assert.equal(found.samples, 124);
 * ```
 */
export async function verifyFolder(
  root: string,
  options: VerifyFolderOptions,
): Promise<Verification> {
  const found: Verification = { sequences: 0, samples: 0, problems: [], notes: [] };
  await walk({ dir: root, rel: "" }, found, options);
  return found;
}

/** A folder being checked: where it is, and its path inside the cache folder. */
interface Folder {
  readonly dir: string;
  readonly rel: string;
}

async function walk({ dir, rel }: Folder, found: Verification, options: VerifyFolderOptions) {
  for (const entry of await list(dir)) {
    const path = join(rel, entry.name);
    if (entry.isSymlink) {
      linkProblem(found, path);
    } else if (entry.isDirectory && isPromptHash(entry.name) && rel !== "") {
      const folder = { dir: `${dir}/${entry.name}`, rel: path };
      await checkPromptFolder(folder, entry.name, found, options);
      options.onFolder?.(found.sequences);
    } else if (entry.isDirectory && !isPromptHash(entry.name)) {
      await walk({ dir: `${dir}/${entry.name}`, rel: path }, found, options);
    } else {
      const what = entry.isDirectory ? "prompt folder outside any model folder" : kind(entry);
      problem(found, {
        kind: "foreign",
        path,
        detail: `${what} that is not part of the cache layout`,
      });
    }
  }
}

function kind(entry: Deno.DirEntry): string {
  return entry.isFile ? "file" : "FIFO, socket or device (never opened)";
}

async function checkPromptFolder(
  { dir, rel }: Folder,
  hash: string,
  found: Verification,
  options: VerifyFolderOptions,
) {
  found.sequences++;
  const samples = new Map<number, string | undefined>();
  const metas = new Map<number, Deno.DirEntry>();
  // Temporary files, by path inside the prompt folder (`replies/…` for metadata).
  const temps: string[] = [];
  for (const entry of await list(dir)) {
    const path = join(rel, entry.name);
    const file = `${dir}/${entry.name}`;
    const index = sampleIndex(entry.name);
    if (entry.isSymlink) {
      linkProblem(found, path);
    } else if (entry.isDirectory && entry.name === REPLIES_FOLDER) {
      await checkRepliesFolder({ dir: file, rel: path }, metas, temps, found);
    } else if (entry.isDirectory) {
      problem(found, { kind: "foreign", path, detail: "folder inside a prompt folder" });
    } else if (!entry.isFile) {
      problem(found, { kind: "foreign", path, detail: `${kind(entry)} inside a prompt folder` });
    } else if (index !== undefined) {
      samples.set(index, await readText(file, path, found));
    } else if (entry.name === PROMPT_FILE) {
      const prompt = await readText(file, path, found);
      if (prompt !== undefined && promptHash(prompt) !== hash) {
        problem(found, {
          kind: "prompt",
          path,
          detail: "the prompt text does not hash to its folder's name",
        });
      }
    } else if (entry.name === USAGE_FILE) {
      await checkUsage(file, path, found);
    } else if (entry.name === CLAIMS_FILE) {
      // Draws in flight (or that were): claims decide who pays, nothing to check.
    } else if (entry.name.startsWith(TEMP_PREFIX)) {
      temps.push(entry.name);
    } else if (entry.name.endsWith(".md")) {
      problem(found, {
        kind: "name",
        path,
        detail:
          "not a plain index (0.md, 1.md, …): ignored here, breaks or misleads the Python reader",
      });
    } else {
      problem(found, {
        kind: "foreign",
        path,
        detail: "file that is not part of the cache layout",
      });
    }
  }
  // Before stale temporary files go: some may hold a sample's metadata.
  const completed = await completeMetadata({ dir, rel }, samples, metas, temps, found, options);
  for (const [index, entry] of metas) await checkMeta({ dir, rel }, index, entry, samples, found);
  for (const temp of temps) {
    if (completed.has(temp)) continue;
    await checkTemp(`${dir}/${temp}`, join(rel, temp), found, options);
  }
  found.samples += checkIndices([...samples.keys()], rel, found);
}

/** The `replies` folder of a prompt folder: metadata files, and writers' temporary ones. */
async function checkRepliesFolder(
  { dir, rel }: Folder,
  metas: Map<number, Deno.DirEntry>,
  temps: string[],
  found: Verification,
) {
  for (const entry of await list(dir)) {
    const path = join(rel, entry.name);
    const index = metaIndex(entry.name);
    if (entry.isSymlink) linkProblem(found, path);
    else if (!entry.isFile) {
      const what = entry.isDirectory ? "folder" : kind(entry);
      problem(found, { kind: "foreign", path, detail: `${what} among the reply metadata` });
    } else if (index !== undefined) metas.set(index, entry);
    else if (entry.name.startsWith(TEMP_PREFIX)) temps.push(`${REPLIES_FOLDER}/${entry.name}`);
    else {
      problem(found, {
        kind: "foreign",
        path,
        detail: "file that is not a reply's metadata (<index>.json)",
      });
    }
  }
}

/**
 * The samples without a metadata file whose writer left it in its
 * temporary file (killed between claiming the sample and renaming its
 * metadata into place: the sample's temporary file is the sample, one
 * inode): reported, and with `fix` renamed into place. Returns the
 * temporary metadata files renamed (`replies/<temp>.json`).
 */
async function completeMetadata(
  { dir, rel }: Folder,
  samples: ReadonlyMap<number, string | undefined>,
  metas: Map<number, Deno.DirEntry>,
  temps: readonly string[],
  found: Verification,
  options: VerifyFolderOptions,
): Promise<Set<string>> {
  const completed = new Set<string>();
  const names = new Set(temps);
  const byInode = new Map<number, string>();
  for (const temp of temps) {
    if (temp.includes("/") || !names.has(companion(temp))) continue;
    const ino = (await lstat(`${dir}/${temp}`))?.ino;
    if (ino !== null && ino !== undefined) byInode.set(ino, temp);
  }
  if (byInode.size === 0) return completed;
  for (const index of samples.keys()) {
    if (metas.has(index)) continue;
    const ino = (await lstat(sampleFile(dir, index)))?.ino;
    const temp = ino === null || ino === undefined ? undefined : byInode.get(ino);
    if (temp === undefined) continue;
    const entry = problem(found, {
      kind: "reply",
      path: join(rel, `${index}.md`),
      detail: `its metadata is still in ${companion(temp)}, where a writer stopped before ` +
        `renaming it to ${REPLIES_FOLDER}/${index}.json (readers find it there)`,
    });
    if (!options.fix) continue;
    try {
      await Deno.rename(`${dir}/${companion(temp)}`, metaFile(dir, index));
    } catch (error) {
      // Its writer went on meanwhile, and renamed it itself.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    entry.fixed = true;
    completed.add(companion(temp));
    metas.set(index, { name: `${index}.json`, isFile: true, isDirectory: false, isSymlink: false });
  }
  return completed;
}

/** The temporary metadata file that goes with the temporary sample file `temp`. */
function companion(temp: string): string {
  return `${REPLIES_FOLDER}/${temp}.json`;
}

/** A metadata file: of a sample that is there, and whose text it names by digest. */
async function checkMeta(
  { dir, rel }: Folder,
  index: number,
  entry: Deno.DirEntry,
  samples: ReadonlyMap<number, string | undefined>,
  found: Verification,
) {
  const path = join(rel, `${REPLIES_FOLDER}/${entry.name}`);
  if (!samples.has(index)) {
    problem(found, {
      kind: "reply",
      path,
      detail: `metadata without its sample (${index}.md is missing): readers ignore it`,
    });
    return;
  }
  const file = await readText(metaFile(dir, index), path, found);
  const text = samples.get(index);
  if (file === undefined || text === undefined) return;
  try {
    if ("stale" in readMetaFile(file, text, path)) {
      problem(found, {
        kind: "reply",
        path,
        detail: `its digest is not ${index}.md's: the metadata of another sample (the sample was ` +
          `replaced by hand?), which readers ignore; remove it`,
      });
    }
  } catch (error) {
    problem(found, { kind: "unreadable", path, detail: (error as Error).message });
  }
}

async function lstat(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** Reports gaps; returns how many samples readers see (up to the first gap). */
function checkIndices(indices: number[], rel: string, found: Verification): number {
  indices.sort((a, b) => a - b);
  if (indices.length === 0) {
    problem(found, {
      kind: "empty",
      path: `${rel}/`,
      detail: "prompt folder without samples (an interrupted write?)",
    });
    return 0;
  }
  let visible = 0;
  while (indices[visible] === visible) visible++;
  if (visible < indices.length) {
    const hidden = indices.length - visible;
    problem(found, {
      kind: "gap",
      path: `${rel}/`,
      detail:
        `${visible}.md is missing: ${hidden} sample(s) after it (up to ${indices.at(-1)}.md) ` +
        `are hidden from readers`,
    });
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
  if (age < TEMP_AGE_MS) {
    found.notes.push(
      `${path}: temporary file ${Math.round(age / 1000)} s old, left alone ` +
        `(a writer may be at work)`,
    );
    return;
  }
  const entry = problem(found, {
    kind: "temp",
    path,
    detail: "temporary file left by an interrupted writer",
  });
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
  const scan = await scanUsage(
    (offset, length, into) => calls.readFrom(file, offset, length, into),
    0,
  );
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
    problem(found, { kind: "unreadable", path, detail: why });
    return undefined;
  }
}

async function list(dir: string): Promise<Deno.DirEntry[]> {
  const entries = await Array.fromAsync(Deno.readDir(dir));
  return entries.sort((a, b) => a.name < b.name ? -1 : 1);
}

function linkProblem(found: Verification, path: string): void {
  problem(found, {
    kind: "link",
    path,
    detail:
      "symbolic link: the cache refuses to follow it (it could lead outside the cache folder)",
  });
}

function problem(found: Verification, what: Omit<Problem, "fixed">): Problem {
  const entry = { ...what, fixed: false };
  found.problems.push(entry);
  return entry;
}

function join(rel: string, name: string): string {
  return rel === "" ? name : `${rel}/${name}`;
}
