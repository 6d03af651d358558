// Whether a folder opened as a store is a cache. Any folder opens as an empty
// cache, so `cache stats src/` would print "0 models" and exit 0, and
// `cache copy` into a source folder would fill it with model folders: a typo
// or a folder one level too deep must say what it is instead.
//
// A folder is a cache when it holds a prompt folder (64 hex digits) inside a
// model key folder, or when it holds nothing but folders and hidden files
// (an empty cache, or one just created: `.gitkeep`, a leftover `.tmp-*`).
// Anything else (a file, a link, prompt folders right under it, `0.md` right
// under it) is not a cache.

import { basename, dirname } from "node:path";
import type { FsStore } from "./fs_store.ts";
import { isPromptHash } from "./sequence_key.ts";

const LISTED = 3;

/**
 * Throws a `TypeError` that says what the folder holds, unless `store`'s
 * folder is a cache (see the file's opening comment). The folder must exist.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { assertCacheFolder } from "./_cache_folder.ts";
 *
 * await assertCacheFolder(new FsStore("tests/fixtures/mnimi-cache"));
 * await assert.rejects(assertCacheFolder(new FsStore("cli")), TypeError);
 * ```
 */
export async function assertCacheFolder(store: FsStore): Promise<void> {
  if (await holdsModel(store)) return;
  const root = store.location;
  const { files, folders } = await topLevel(root);
  const prompts = folders.filter(isPromptHash);
  if (prompts.length > 0) {
    throw notACache(
      root,
      `it holds ${count(prompts.length, "prompt folder")}, so it looks like the folder of ` +
        `the model key ${basename(root)}: pass ${dirname(root)} instead`,
    );
  }
  const samples = files.filter((name) => /^\d+\.md$/.test(name) || name === "prompt.txt");
  if (samples.length > 0) {
    throw notACache(
      root,
      `it is a prompt folder (it holds ${listed(samples)}): pass ${dirname(dirname(root))}, ` +
        `the folder that holds the model key folders`,
    );
  }
  if (files.length > 0 || await holdsFiles(root, folders)) {
    // A writer may have made the cache's first prompt folder (and its files) since the first look.
    if (await holdsModel(store)) return;
    const parts = [count(files.length, "file", files), count(folders.length, "folder", folders)];
    throw notACache(
      root,
      `it holds ${parts.join(" and ")}, and no prompt folder ` +
        `(<model key>/<64 hex digits>/0.md): check the path`,
    );
  }
}

async function holdsModel(store: FsStore): Promise<boolean> {
  for await (const _ of store.models()) return true;
  return false;
}

function notACache(root: string, why: string): TypeError {
  return new TypeError(`${root} is not a cache: ${why}`);
}

/** The names right under `root` that are not hidden: files (links too) and folders, sorted. */
async function topLevel(root: string): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [];
  for await (const entry of Deno.readDir(root)) {
    if (entry.name.startsWith(".")) continue;
    (entry.isDirectory ? folders : files).push(entry.name);
  }
  return { files: files.sort(), folders: folders.sort() };
}

/** Whether any of `folders` under `root` holds a file that is not hidden (stops at the first). */
async function holdsFiles(root: string, folders: readonly string[]): Promise<boolean> {
  for (const folder of folders) {
    const inside = await topLevel(`${root}/${folder}`);
    if (inside.files.length > 0 || await holdsFiles(`${root}/${folder}`, inside.folders)) {
      return true;
    }
  }
  return false;
}

function count(n: number, what: string, names: readonly string[] = []): string {
  const shown = names.length === 0 ? "" : ` (${listed(names)})`;
  return `${n} ${what}${n === 1 ? "" : "s"}${shown}`;
}

function listed(names: readonly string[]): string {
  const more = names.length > LISTED ? `, …` : "";
  return names.slice(0, LISTED).join(", ") + more;
}
