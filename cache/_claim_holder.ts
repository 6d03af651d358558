// Who this process is, as a claim holder, and whether another holder's
// process is gone. A process id means something only where it was taken: on
// Linux, the boot and the pid namespace (processes in two containers share
// the boot, not the ids); elsewhere, the host. Each is read only when the
// process may read it without a prompt: `/proc` (`--allow-read=/proc`) on
// Linux, else the host name (`--allow-sys=hostname`) with `--allow-run`
// to look at a process. Without them, a holder's death is not seen, and its
// claim lapses with its lease: claims are about who pays, never about what
// is stored, so this costs time at worst.

/** Where this process's id means something; undefined when it may not tell. */
let space: string | undefined | null = null;

/**
 * The space of this process's id (see `ClaimHolder.host`), read once; when
 * the process may tell none, undefined.
 */
export function processSpace(): string | undefined {
  if (space === null) space = linuxSpace() ?? hostSpace();
  return space;
}

/**
 * Whether the process of a holder in this process's space is gone: a
 * process id that names no process, or a process that died and was not
 * yet waited for (a zombie). False when it cannot be told.
 */
export async function processGone(pid: number, host: string | undefined): Promise<boolean> {
  const here = processSpace();
  if (here === undefined || host !== here || pid === Deno.pid) return false;
  if (here.startsWith("linux ")) return await procGone(pid);
  return await signalGone(pid);
}

function linuxSpace(): string | undefined {
  if (Deno.build.os !== "linux" || !granted({ name: "read", path: "/proc" })) return undefined;
  try {
    const boot = Deno.readTextFileSync("/proc/sys/kernel/random/boot_id").trim();
    const namespace = Deno.readLinkSync("/proc/self/ns/pid");
    return `linux ${boot} ${namespace}`;
  } catch {
    return undefined;
  }
}

function hostSpace(): string | undefined {
  if (!granted({ name: "sys", kind: "hostname" })) return undefined;
  try {
    return `host ${Deno.hostname()}`;
  } catch {
    return undefined;
  }
}

/** From `/proc/<pid>/stat`: gone when missing, or a zombie (state `Z`, after the name). */
async function procGone(pid: number): Promise<boolean> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) === "Z";
  } catch (error) {
    return error instanceof Deno.errors.NotFound;
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
