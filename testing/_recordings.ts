// The recordings in a test module's fixture folder (a cache folder in the
// mnimi layout), read and changed with synchronous calls: they run when the
// module's runtime unloads, which cannot wait for promises.

import { isPromptHash } from "../cache/sequence_key.ts";
import { PROMPT_FILE, sampleIndex, USAGE_FILE } from "../cache/fs_store.ts";
import { metaFile, sampleFile } from "../cache/fs_samples.ts";
import { formatRecords, parseRecords } from "../cache/fs_usage.ts";
import { recordsBelow } from "../core/usage_records.ts";
import { pathExists } from "../internal/path_exists.ts";

/** One recorded sequence. */
export interface Recorded {
  /** The model key. */
  readonly model: string;
  /** The prompt hash. */
  readonly hash: string;
  /** How many samples it holds from index 0 on, up to the first gap. */
  readonly stored: number;
  /** Every index that has a sample file, ascending (gaps included). */
  readonly indices: readonly number[];
  /** The prompt text, when recorded. */
  readonly prompt: string | undefined;
}

/** One recorded sequence of a fixture folder. */
export interface FolderRecorded extends Recorded {
  /** Its folder. */
  readonly path: string;
}

/** Every sequence recorded under `folder`; none when it does not exist. */
export function recordings(folder: string): FolderRecorded[] {
  const found: FolderRecorded[] = [];
  walk(folder, [], found);
  return found.sort((a, b) => a.model.localeCompare(b.model) || a.hash.localeCompare(b.hash));
}

/**
 * Removes the sequence, or only its samples from index `keep` on (highest
 * first, so that what stays is always a readable prefix; each sample's
 * metadata before the sample, so that it never outlives it) and their
 * usage; then the model key folders it leaves empty, up to `folder`.
 */
export function removeRecorded(folder: string, recorded: FolderRecorded, keep = 0): void {
  if (keep === 0) Deno.removeSync(recorded.path, { recursive: true });
  else {
    for (const index of recorded.indices.filter((i) => i >= keep).reverse()) {
      removeIfThere(metaFile(recorded.path, index));
      Deno.removeSync(sampleFile(recorded.path, index));
    }
    keepUsage(recorded.path, keep);
    return;
  }
  let parent = recorded.path.slice(0, recorded.path.lastIndexOf("/"));
  while (parent.length > folder.length && isEmpty(parent)) {
    Deno.removeSync(parent);
    parent = parent.slice(0, parent.lastIndexOf("/"));
  }
}

/**
 * Moves every sequence recorded under `staging` into `folder`, each
 * replacing the one there as a whole (two renames: no reader ever sees a
 * sequence of old and new samples mixed).
 *
 * @returns The sequences moved.
 */
export function moveRecordings(staging: string, folder: string): FolderRecorded[] {
  const staged = recordings(staging);
  for (const recorded of staged) {
    const target = `${folder}/${recorded.model}/${recorded.hash}`;
    Deno.mkdirSync(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    const old = `${target}.replaced-${crypto.randomUUID()}`;
    const replacing = pathExists(target);
    if (replacing) Deno.renameSync(target, old);
    Deno.renameSync(recorded.path, target);
    if (replacing) Deno.removeSync(old, { recursive: true });
  }
  return staged;
}

/**
 * Keeps the usage of the samples below index `keep` only, so that no record
 * is taken for a sample recorded there later: the file is replaced at once
 * (a new file renamed over it).
 */
function keepUsage(path: string, keep: number): void {
  const file = `${path}/${USAGE_FILE}`;
  let records;
  try {
    records = parseRecords(Deno.readFileSync(file));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  if (records.every((r) => r.from + r.count <= keep)) return;
  const temp = `${file}.prune-${crypto.randomUUID()}`;
  Deno.writeTextFileSync(temp, formatRecords(recordsBelow(records, keep)));
  Deno.renameSync(temp, file);
}

function walk(dir: string, segments: string[], found: FolderRecorded[]): void {
  for (const entry of list(dir)) {
    if (!entry.isDirectory) continue;
    const path = `${dir}/${entry.name}`;
    if (isPromptHash(entry.name) && segments.length > 0) {
      found.push(sequenceAt(path, segments.join("/"), entry.name));
    } else if (!isPromptHash(entry.name)) walk(path, [...segments, entry.name], found);
  }
}

function sequenceAt(path: string, model: string, hash: string): FolderRecorded {
  const indices = list(path)
    .map((entry) => entry.isFile ? sampleIndex(entry.name) : undefined)
    .filter((i) => i !== undefined)
    .sort((a, b) => a - b);
  let stored = 0;
  while (indices[stored] === stored) stored++;
  let prompt: string | undefined;
  try {
    prompt = Deno.readTextFileSync(`${path}/${PROMPT_FILE}`);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return { model, hash, path, stored, indices, prompt };
}

/** The entries of `dir`; none when it does not exist. */
export function list(dir: string): Deno.DirEntry[] {
  try {
    return [...Deno.readDirSync(dir)];
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function isEmpty(dir: string): boolean {
  return list(dir).length === 0;
}
