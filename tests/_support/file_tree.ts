// Every file under a folder, by its path from there, with its text.

import { join, relative } from "node:path";

/** Every file under `root`: its path from `root` → its text. */
export async function fileTree(root: string, dir = root): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) { for (const [k, v] of await fileTree(root, path)) out.set(k, v); }
    else out.set(relative(root, path), await Deno.readTextFile(path));
  }
  return out;
}
