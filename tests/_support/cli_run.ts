// Runs the command line (`deno run cli/mod.ts …`) as a child process with
// the permissions a test gives it, as a user would.

/** What a run of the command line printed, and its exit code. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The flags most CLI tests run with: fixtures to read, tests/.tmp to write. */
export const DEFAULT_FLAGS: readonly string[] = [
  "--unstable-kv",
  "--allow-read=tests,../shared",
  "--allow-write=tests/.tmp",
  "--allow-net=127.0.0.1",
];

/** Runs the command line with `args` under `flags`. */
export async function cli(args: string[], flags: readonly string[] = DEFAULT_FLAGS): Promise<Run> {
  const output = await new Deno.Command("deno", {
    args: ["run", "--quiet", ...flags, "cli/mod.ts", ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}
