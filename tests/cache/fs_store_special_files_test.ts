// The folder layout holds regular files and folders only: a FIFO, a socket, a
// device, or a folder where a file belongs is refused, naming it, without
// being opened (a FIFO would block the reader for ever), by replays and by
// `cache stats`, `ls` and `verify`.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const HASH = promptHash("p");

/** A cache in `root` whose prompt "p" holds `count` samples, with prompt and usage files. */
async function cache(root: string, count: number): Promise<string> {
  const store = new FsStore(root);
  const key = { model: "m_1", hash: HASH };
  const samples = Array.from({ length: count }, (_, k) => `${k}`);
  await store.append(key, {
    from: 0,
    samples,
    prompt: "p",
    usage: samples.map(() => ({ requests: 1, latencyMs: 1 })),
  });
  return `${root}/m_1/${HASH}`;
}

/**
 * Makes a FIFO, a socket or a device at `path`, with Python (Deno cannot);
 * false when the OS refused (a device needs root).
 */
async function special(kind: "fifo" | "socket" | "device", path: string): Promise<boolean> {
  const make = {
    fifo: "os.mkfifo(p)",
    // Bound by its name alone: a socket's path is at most 108 bytes.
    socket: "os.chdir(os.path.dirname(p)); s = socket.socket(socket.AF_UNIX); " +
      "s.bind(os.path.basename(p)); s.close()",
    // A device like /dev/null (1, 3): reading it ends at once.
    device: "os.mknod(p, 0o644 | stat.S_IFCHR, os.makedev(1, 3))",
  }[kind];
  const { success, stderr } = await new Deno.Command("python3", {
    args: ["-c", `import os, socket, stat, sys; p = sys.argv[1]; ${make}`, path],
  }).output();
  const message = new TextDecoder().decode(stderr);
  assert.ok(success || (kind === "device" && /PermissionError/.test(message)), message);
  return success;
}

// For each cache root given: a replay of "p" (3 samples, drawing what is
// missing), then `cache stats`, `ls` and `verify`, in one child process.
const CHILD = `
import { collect } from "./mod.ts";
import { Persistent } from "./cache/persistent.ts";
import { main } from "./cli/mod.ts";
import { CountingModel } from "./tests/_support/mock_model.ts";
const results = {};
for (const root of Deno.args) {
  const result = results[root] = {};
  const provider = new CountingModel("m", 1);
  try {
    result.replay = await collect(new Persistent(provider, root).sample("p"), 3);
  } catch (error) {
    result.replay = error.message;
  }
  result.requests = provider.requests.length;
  for (const command of ["stats", "ls", "verify"]) {
    let text = "";
    const io = { out: (t) => text += t, err: (t) => text += t, progress: false };
    result[command] = { code: await main([command, root], io), text };
  }
}
console.log(JSON.stringify(results));
`;

type Outcome = { code: number; text: string };
interface Result {
  replay: string | string[];
  requests: number;
  stats?: Outcome;
  ls?: Outcome;
  verify?: Outcome;
}

// Meets every open of the FIFOs given, for reading or for writing, with the
// other side, closed at once: a process that opens one (the bug) then reads
// nothing, or fails to write, and goes on instead of hanging. Python opens
// without blocking (O_NONBLOCK), which Deno cannot; it looks every 10 ms.
const UNBLOCK = `
import os, sys, time
while True:
    for path in sys.argv[1:]:
        for flags in (os.O_WRONLY, os.O_RDONLY):
            try:
                os.close(os.open(path, flags | os.O_NONBLOCK))
            except OSError:
                pass
    time.sleep(0.01)
`;

/**
 * Runs {@linkcode CHILD} with `args` while every open of `fifos` is met (see
 * {@linkcode UNBLOCK}): what the child did shows in its results.
 */
async function runChild(args: string[], fifos: string[]): Promise<Record<string, Result>> {
  const unblock = new Deno.Command("python3", {
    args: ["-c", UNBLOCK, ...fifos],
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const child = new Deno.Command("deno", {
      args: ["run", "--no-lock", "--allow-read=.", "--allow-write=tests/.tmp", "-", ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const input = child.stdin.getWriter();
    await input.write(new TextEncoder().encode(CHILD));
    await input.close();
    const output = await child.output();
    assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
    return JSON.parse(new TextDecoder().decode(output.stdout));
  } finally {
    unblock.kill();
    await unblock.status;
  }
}

Deno.test({
  name:
    "FsStore: a FIFO as a sample, usage or prompt file is refused by replays, stats, ls and verify",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno", "python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      // "empty": a prompt folder without samples, where a draw would append usage.
      const at = {
        sample: "1.md",
        usage: "usage.jsonl",
        prompt: "prompt.txt",
        empty: "usage.jsonl",
      };
      const fifos: Record<string, string> = {};
      for (const [name, file] of Object.entries(at)) {
        const folder = await cache(`${dir}/${name}`, name === "empty" ? 0 : 2);
        await Deno.remove(`${folder}/${file}`).catch(() => {});
        await special("fifo", fifos[name] = `${folder}/${file}`);
      }
      const roots = Object.keys(at).map((name) => `${dir}/${name}`);
      const results = await runChild(roots, Object.values(fifos));
      for (const [name, file] of Object.entries(at)) {
        const result = results[`${dir}/${name}`]!;
        const refusal = `${fifos[name]} is a FIFO (named pipe) where the cache layout has a file`;
        if (name === "prompt") {
          // A replay never opens the prompt file.
          assert.deepEqual([result.replay, result.requests], [["0", "1", "0"], 1]);
        } else {
          assert.ok(String(result.replay).includes(refusal), `${name}: ${result.replay}`);
          assert.equal(result.requests, 0, `${name}: nothing is drawn`);
        }
        for (const command of ["stats", "ls"] as const) {
          assert.equal(result[command]!.code, 3, `${name} ${command}: ${result[command]!.text}`);
          assert.ok(result[command]!.text.includes(refusal), `${name} ${command}`);
        }
        assert.equal(result.verify!.code, 1, result.verify!.text);
        assert.match(result.verify!.text, new RegExp(`${file}\\s+FIFO, socket or device`));
      }
    }),
});

Deno.test({
  name: "FsStore: a socket, a device or a folder where a file belongs is refused, naming it",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      const folder = (path: string) => Deno.mkdir(path).then(() => true);
      const cases: [string, string, (path: string) => Promise<boolean>, string][] = [
        ["socket", "1.md", (path) => special("socket", path), "a socket"],
        ["device", "1.md", (path) => special("device", path), "a device"],
        ["folder", "1.md", folder, "a folder"],
        ["folder", "usage.jsonl", folder, "a folder"],
      ];
      for (const [name, file, make, kind] of cases) {
        const root = `${dir}/${name}-${file}`;
        const folder = await cache(root, 3);
        await Deno.remove(`${folder}/${file}`);
        // Only root may make a device.
        if (!(await make(`${folder}/${file}`))) continue;
        const provider = new CountingModel("m", 1);
        const replay = new Persistent(provider, root);
        await assert.rejects(collect(replay.sample("p"), 3), (error: Error) => {
          assert.ok(
            error.message.includes(
              `${folder}/${file} is ${kind} where the cache layout has a file`,
            ),
            error.message,
          );
          return true;
        });
        assert.equal(provider.requests.length, 0);
      }
    }),
});

Deno.test({
  name: "FsStore: a FIFO where the layout has a folder is refused, naming it",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["python3"] },
  fn: () =>
    withTempDir(async (dir) => {
      await special("fifo", `${dir}/m_1`);
      const store = new FsStore(dir);
      await assert.rejects(
        store.load({ model: "m_1", hash: HASH }, 0),
        new RegExp(`${dir}/m_1 is a FIFO \\(named pipe\\) where the cache layout has a folder`),
      );
    }),
});
