// The metadata files of FsStore's samples: `replies/<i>.json` in the prompt
// folder, for `<i>.md`, which the Python original never reads (it lists the
// prompt folder's `*.md` only). A file holds
// `{"reply":<the metadata>,"sha256":<the SHA-256 hex of <i>.md's text>}`
// (canonical JSON: sorted keys, no spaces), so that a file left behind by a
// sample removed by hand never attaches to another sample: a digest that
// does not match is ignored here (and reported by `cache verify`).
//
// Reading takes one fresh listing of the `replies` folder: it shows which
// samples have a metadata file, and the temporary files of writers at work
// or killed. A writer renames `replies/<temp>.json` to `replies/<i>.json`
// only after it won `<i>.md` (hard-linked from `<temp>`), and removes its
// temporary files after that; so a sample without its metadata file while
// the listing shows temporary ones may be one whose writer is between the
// two, or was killed there: its metadata is in the `replies/<temp>.json`
// whose `<temp>` is the same file (one inode) as `<i>.md`, or in
// `replies/<i>.json` once the writer went on.

import { canonicalJson } from "../core/prompt.ts";
import { asMeta, type ReplyMeta } from "../core/reply.ts";
import { sha256Hex } from "../internal/sha256.ts";
import type { FileCalls } from "./_fs_calls.ts";
import type { Folders } from "./_fs_folders.ts";
import { isTemp, metaFile, metaIndex, metaTemp, REPLIES_FOLDER, sampleFile } from "./fs_samples.ts";

/**
 * The text of the metadata file of a sample `text` whose reply holds `meta`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaFileText } from "./_fs_replies.ts";
 *
 * assert.equal(
 *   metaFileText("", { finishReason: "stop" }),
 *   '{"reply":{"finishReason":"stop"},"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}',
 * );
 * ```
 */
export function metaFileText(text: string, meta: ReplyMeta): string {
  return canonicalJson({ reply: meta, sha256: sha256Hex(text) });
}

/** What a metadata file says about a sample: its metadata, or that it is another sample's. */
export type MetaFileReading = { meta: ReplyMeta } | { stale: true };

/**
 * Reads the text of a metadata file for the sample `text`; `where` names
 * the file in errors.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaFileText, readMetaFile } from "./_fs_replies.ts";
 *
 * const file = metaFileText("x", { finishReason: "stop" });
 * assert.deepEqual(readMetaFile(file, "x", "0.json"), { meta: { finishReason: "stop" } });
 * assert.deepEqual(readMetaFile(file, "y", "0.json"), { stale: true });
 * assert.throws(() => readMetaFile("{", "x", "0.json"), /0.json/);
 * ```
 *
 * @throws {TypeError} When the file is not a metadata file.
 */
export function readMetaFile(file: string, text: string, where: string): MetaFileReading {
  let value: unknown;
  try {
    value = JSON.parse(file);
  } catch (error) {
    throw new TypeError(`${where} is not a reply's metadata file: ${(error as Error).message}`);
  }
  const { reply, sha256, ...rest } = (typeof value === "object" && value !== null ? value : {}) as {
    reply?: unknown;
    sha256?: unknown;
  };
  if (typeof sha256 !== "string" || reply === undefined || Object.keys(rest).length > 0) {
    throw new TypeError(
      `${where} is not a reply's metadata file ({"reply": {…}, "sha256": "<hex>"}): ` +
        `move it out of the cache folder`,
    );
  }
  if (sha256 !== sha256Hex(text)) return { stale: true };
  return { meta: asMeta(reply, where) };
}

/**
 * The metadata of the samples `texts` of `folder`, read from index `from`
 * on: `undefined` where a sample has none (or a stale file).
 */
export async function readMetas(
  calls: FileCalls,
  folders: Folders,
  folder: string,
  from: number,
  texts: readonly string[],
): Promise<(ReplyMeta | undefined)[]> {
  const replies = await folders.existing(calls, `${folder}/${REPLIES_FOLDER}`);
  const entries = replies === undefined ? [] : await calls.list(replies) ?? [];
  const files = new Map<number, Deno.DirEntry>();
  const companions = new Set<string>();
  for (const entry of entries) {
    const index = metaIndex(entry.name);
    if (index !== undefined && index >= from && index < from + texts.length) {
      files.set(index, entry);
    } else if (isTemp(entry.name) && entry.name.endsWith(".json")) {
      companions.add(entry.name.slice(0, -5));
    }
  }
  let byInode: Map<number, string> | undefined;
  const out: (ReplyMeta | undefined)[] = [];
  for (const [k, text] of texts.entries()) {
    const index = from + k;
    let file: string | undefined;
    const entry = files.get(index);
    if (entry !== undefined) {
      file = entry.isFile
        ? await calls.readText(metaFile(folder, index))
        : await readFile(calls, folders, metaFile(folder, index));
    } else if (companions.size > 0) {
      byInode ??= await inodes(calls, folder, companions);
      file = await fromTemp(calls, folders, folder, index, byInode);
    }
    out.push(file === undefined ? undefined : metaOfFile(file, text, metaFile(folder, index)));
  }
  return out;
}

/**
 * The metadata file of sample `index`, whose own file is missing from the
 * listing: the companion of the temporary file that is `<index>.md` (a
 * writer between its two steps, or killed there), or `<index>.json` when the
 * writer finished meanwhile.
 */
async function fromTemp(
  calls: FileCalls,
  folders: Folders,
  folder: string,
  index: number,
  byInode: Map<number, string>,
): Promise<string | undefined> {
  const ino = (await calls.lstat(sampleFile(folder, index)))?.ino;
  const temp = ino === null || ino === undefined ? undefined : byInode.get(ino);
  const own = () => readFile(calls, folders, metaFile(folder, index));
  if (temp === undefined) return await own();
  return await readFile(calls, folders, metaTemp(`${folder}/${temp}`)) ?? await own();
}

/** The text of the file `path`, undefined when there is none; anything but a file is refused. */
async function readFile(
  calls: FileCalls,
  folders: Folders,
  path: string,
): Promise<string | undefined> {
  const info = await calls.lstat(path);
  if (info === undefined) return undefined;
  if (!info.isFile) throw folders.kindError(path, info, "file");
  return await calls.readText(path);
}

/** The inode of each temporary sample file of `folder` whose metadata companion is listed. */
async function inodes(
  calls: FileCalls,
  folder: string,
  temps: ReadonlySet<string>,
): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const temp of temps) {
    const ino = (await calls.lstat(`${folder}/${temp}`))?.ino;
    if (ino !== null && ino !== undefined) out.set(ino, temp);
  }
  return out;
}

function metaOfFile(file: string, text: string, where: string): ReplyMeta | undefined {
  const reading = readMetaFile(file, text, where);
  return "meta" in reading ? reading.meta : undefined;
}
