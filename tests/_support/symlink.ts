// Creating a symbolic link needs unscoped --allow-read and --allow-write,
// which the tests do not have: a child process with those makes it.

/** Makes `path` a symbolic link to `target` (relative to the link's folder). */
export async function symlink(target: string, path: string): Promise<void> {
  const { success, stderr } = await new Deno.Command("deno", {
    args: [
      "eval",
      "--allow-read",
      "--allow-write",
      "Deno.symlinkSync(Deno.args[0], Deno.args[1])",
      target,
      path,
    ],
    stdout: "null",
  }).output();
  if (!success) throw new Error(`cannot link ${path}: ${new TextDecoder().decode(stderr)}`);
}
