// Child processes of the multi-process tests: started together, told to go at
// once (so that their writes race), each reporting one line of JSON; or
// killed in the middle of their writes.

import assert from "node:assert/strict";

/** How to start a child: `deno run <flags> <script> <args…>`. */
export interface ChildCommand {
  /** The script, a path or a URL. */
  readonly script: string;
  /** Its permission flags (and `--preload`, `--unstable-kv`, …). */
  readonly flags: readonly string[];
}

/** Children to run at once: {@linkcode runChildren}. */
export interface ChildRun extends ChildCommand {
  /** The arguments of the child numbered `id`. */
  readonly args: (id: number) => readonly string[];
  /** How many children. */
  readonly count: number;
}

/**
 * Starts the children; each prints "ready", waits for a line on stdin, then
 * prints its report (JSON) on one line. Lets them all go at once and returns
 * their reports.
 */
export async function runChildren<T>({ script, flags, args, count }: ChildRun): Promise<T[]> {
  const children = Array.from({ length: count }, (_, id) =>
    new Deno.Command("deno", {
      args: ["run", ...flags, script, ...args(id)],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn());
  const outputs = children.map((child) => ({
    lines: lines(child.stdout),
    stderr: new Response(child.stderr).text(),
  }));
  try {
    for (const out of outputs) assert.equal((await out.lines.next()).value, "ready");
    // Everyone is ready: start them together so that their writes race.
    await Promise.all(children.map(async (child) => {
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
    }));
    return await Promise.all(outputs.map(async (out, id) => {
      const line = (await out.lines.next()).value;
      const status = await children[id]!.status;
      assert.ok(status.success && line, `child ${id} failed: ${await out.stderr}`);
      return JSON.parse(line) as T;
    }));
  } finally {
    for (const child of children) {
      try {
        child.kill();
      } catch { /* already exited */ }
    }
    await Promise.all(children.map((c) => c.status));
    await Promise.all(outputs.map(async (out) => {
      await out.lines.return(undefined);
      await out.stderr;
    }));
    await Promise.all(children.map((c) => c.stdin.close().catch(() => {})));
  }
}

/**
 * Permission flags that grant what each of `sets` grants: values of one
 * flag are joined (`--allow-read=a` and `--allow-read=b` make
 * `--allow-read=a,b`), since Deno keeps only the last of a repeated flag.
 */
export function mergeFlags(...sets: readonly (readonly string[])[]): string[] {
  const merged = new Map<string, string[]>();
  for (const flag of sets.flat()) {
    const [name = flag, value] = flag.split(/=(.*)/s);
    const values = merged.get(name) ?? [];
    if (value !== undefined && !values.includes(value)) values.push(value);
    merged.set(name, values);
  }
  return [...merged].map(([name, values]) =>
    values.length === 0 ? name : `${name}=${values.join(",")}`
  );
}

/**
 * Starts a child that writes and prints a line after each write, and kills
 * it (SIGKILL) at a random moment after its first write, mid-write most
 * likely.
 */
export async function killWhileWriting(
  { script, flags }: ChildCommand,
  args: readonly string[],
): Promise<void> {
  const child = new Deno.Command("deno", {
    args: ["run", ...flags, script, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* it exited */ }
  };
  try {
    const first = await reader.read();
    if (first.done) {
      await child.status;
      assert.fail(`a writer exited before writing: ${await stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    kill();
    const { signal } = await child.status;
    assert.equal(signal, "SIGKILL", `a writer exited before it was killed: ${await stderr}`);
  } finally {
    kill();
    await child.status;
    await reader.cancel();
    await stderr;
  }
}

/** Waits for "go" on stdin (see {@linkcode runChildren}). */
export async function waitForGo(): Promise<void> {
  console.log("ready");
  const buffer = new Uint8Array(16);
  await Deno.stdin.read(buffer);
}

/** The lines of a byte stream, read to its end. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    rest += text;
    let end;
    while ((end = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, end);
      rest = rest.slice(end + 1);
    }
  }
  if (rest !== "") yield rest;
}
