// Who this process is, as a claim holder, and whether another holder's
// process is gone. A process id means something only on its host: a holder
// names its host (`Deno.hostname()`, read only with `--allow-sys=hostname`,
// so that asking never prompts). Whether a process on this host is gone is
// told by signal 0 (`--allow-run`: it checks that the process exists and
// sends nothing), or on Linux with every permission by `/proc/<pid>/stat`,
// which also tells a process that died and was not yet waited for (a
// zombie). Without them, a holder's death is not seen, and its claim lapses
// with its lease: claims are about who pays, never about what is stored, so
// this costs time at worst. Two containers that share a host name but not
// their process ids would see each other's holders as gone: both pay, as
// without claims.

/** The host of this process's id; undefined when it may not tell. */
let space: string | undefined | null = null;

/**
 * The host of this process's id (see `ClaimHolder.host`), read once; when
 * the process may not read it, undefined.
 */
export function processSpace(): string | undefined {
  if (space === null) space = hostSpace();
  return space;
}

/**
 * Whether the process of a holder on this host is gone: a process id that
 * names no process, or (where `/proc` may be read) a process that died and
 * was not yet waited for. False when it cannot be told.
 */
export async function processGone(pid: number, host: string | undefined): Promise<boolean> {
  const here = processSpace();
  if (here === undefined || host !== here || pid === Deno.pid) return false;
  return await procGone(pid) ?? await signalGone(pid);
}

function hostSpace(): string | undefined {
  if (!granted({ name: "sys", kind: "hostname" })) return undefined;
  try {
    return `host ${Deno.hostname()}`;
  } catch {
    return undefined;
  }
}

/**
 * From `/proc/<pid>/stat`: gone when missing, or a zombie (state `Z`, after
 * the name); undefined where it may not be read (Deno asks for every
 * permission to read `/proc`) or does not exist.
 */
async function procGone(pid: number): Promise<boolean | undefined> {
  if (Deno.build.os !== "linux" || !granted({ name: "read", path: "/proc" })) return undefined;
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const end = stat.lastIndexOf(")");
    return stat.slice(end + 2, end + 3) === "Z";
  } catch (error) {
    return error instanceof Deno.errors.NotFound ? true : undefined;
  }
}

/** With `--allow-run`: signal 0 checks that the process exists, and sends nothing. */
async function signalGone(pid: number): Promise<boolean> {
  if (!granted({ name: "run" })) return false;
  // Loaded only here: the Node compatibility layer costs a cold start.
  const { default: process } = await import("node:process");
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

function granted(descriptor: Deno.PermissionDescriptor): boolean {
  return Deno.permissions.querySync(descriptor).state === "granted";
}
