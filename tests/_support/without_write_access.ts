// Runs a script in a child process that can read a folder but not write it,
// as on read-only media: Deno grants it every permission, the OS refuses the
// writes. As root, chmod stops no write, so the child then runs as the
// unprivileged user nobody.

/** What the child printed, and how it ended. */
export interface ChildRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `script` (TypeScript, read from stdin, relative imports from the
 * repository root) with `args`, unable to write in `folder` or its files;
 * `folder` and its files are made readable (and writable again afterwards).
 * `scratch` is a folder of the test the child may write (Deno's cache).
 * `permissions` are the child's Deno permission flags (every permission by
 * default: the OS alone refuses the writes).
 */
export async function runWithoutWriteAccess(
  folder: string,
  scratch: string,
  script: string,
  args: string[] = [],
  permissions: string[] = ["-A"],
): Promise<ChildRun> {
  const files = await Array.fromAsync(Deno.readDir(folder));
  await Deno.chmod(folder, 0o555);
  for (const entry of files) await Deno.chmod(`${folder}/${entry.name}`, 0o444);
  await Deno.mkdir(`${scratch}/deno`, { recursive: true });
  await Deno.chmod(scratch, 0o755);
  await Deno.chmod(`${scratch}/deno`, 0o777);
  try {
    const deno = [
      "deno",
      "run",
      "--no-prompt",
      "--no-lock",
      "--unstable-kv",
      ...permissions,
      "-",
      ...args,
    ];
    const [command, ...rest] = chmodStopsWrites(folder) ? deno : [
      "python3",
      "-c",
      "import os, sys; os.setgroups([]); os.setgid(65534); os.setuid(65534); " +
      "os.execvp(sys.argv[1], sys.argv[1:])",
      ...deno,
    ];
    const child = new Deno.Command(command!, {
      args: rest,
      env: { DENO_DIR: `${Deno.cwd()}/${scratch}/deno`, NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(script));
    await writer.close();
    const { code, stdout, stderr } = await child.output();
    const decoder = new TextDecoder();
    return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
  } finally {
    await Deno.chmod(folder, 0o755);
    for (const entry of files) await Deno.chmod(`${folder}/${entry.name}`, 0o644);
  }
}

function chmodStopsWrites(folder: string): boolean {
  try {
    Deno.removeSync(Deno.makeTempFileSync({ dir: folder }));
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.PermissionDenied) return true;
    throw error;
  }
}
