// Where a refresh draws its new recordings: a folder beside the module's,
// `.<module>.refresh-<id>/`, swapped in when the module ends. A refresh that
// is killed leaves it behind, so it is made to be harmless there: hidden, and
// ignored by git through a `.gitignore` written into it before anything else.
// It holds a lock while its refresh runs, so that the next run removes only
// what a dead refresh left, never the folder of one at work.

import { list } from "./_recordings.ts";

const LOCK = ".lock";

/** The folder a refresh of one module's recordings draws into. */
export class Staging {
  /** The folder. */
  readonly path: string;
  #lock: Deno.FsFile | undefined;

  private constructor(path: string, lock: Deno.FsFile) {
    this.path = path;
    this.#lock = lock;
  }

  /** Creates the staging folder of a refresh of `folder`, locked by this process. */
  static create(folder: string): Staging {
    const slash = folder.lastIndexOf("/");
    const id = crypto.randomUUID().slice(0, 8);
    const path = `${folder.slice(0, slash)}/.${folder.slice(slash + 1)}.refresh-${id}`;
    Deno.mkdirSync(path, { recursive: true });
    Deno.writeTextFileSync(`${path}/.gitignore`, "*\n");
    // Locked before it gets its name: a lock file seen unlocked is a dead refresh's.
    const temp = `${path}/${LOCK}-${id}`;
    const lock = Deno.openSync(temp, { write: true, createNew: true });
    try {
      lock.lockSync(true);
      Deno.renameSync(temp, `${path}/${LOCK}`);
    } catch (error) {
      lock.close();
      throw error;
    }
    return new Staging(path, lock);
  }

  /** Removes the folder (what it held was moved in, or is given up) and the lock. */
  remove(): void {
    this.#lock?.close();
    this.#lock = undefined;
    removeTree(this.path);
  }
}

/** A folder that an interrupted refresh of a module's recordings left beside them. */
export interface Leftover {
  readonly path: string;
  /** Whether git ignores it (older versions left folders that it does not). */
  readonly ignored: boolean;
}

/**
 * The folders interrupted refreshes of `folder` left beside it; a refresh
 * still at work (its lock held) is none. None when the parent cannot be read.
 */
export function leftovers(folder: string): Leftover[] {
  const slash = folder.lastIndexOf("/");
  const parent = folder.slice(0, slash);
  const name = folder.slice(slash + 1);
  if (Deno.permissions.querySync({ name: "read", path: parent }).state !== "granted") return [];
  const found: Leftover[] = [];
  for (const entry of list(parent)) {
    const path = `${parent}/${entry.name}`;
    if (!entry.isDirectory) continue;
    if (entry.name.startsWith(`${name}.refresh-`)) found.push({ path, ignored: false });
    else if (entry.name.startsWith(`.${name}.refresh-`) && !working(path)) {
      found.push({ path, ignored: true });
    }
  }
  return found.sort((a, b) => a.path.localeCompare(b.path));
}

/** Removes a leftover folder; one that another run removed first is gone all the same. */
export function removeLeftover(leftover: Leftover): void {
  removeTree(leftover.path);
}

/**
 * Whether a refresh still works in the staging folder `path`: its lock is
 * held, or not made yet (the folder is being set up, or its refresh died
 * doing so and left at most a `.gitignore`).
 */
function working(path: string): boolean {
  let lock: Deno.FsFile;
  try {
    lock = Deno.openSync(`${path}/${LOCK}`, { read: true });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return true;
    throw error;
  }
  try {
    return !lock.tryLockSync(true);
  } finally {
    lock.close();
  }
}

function removeTree(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
