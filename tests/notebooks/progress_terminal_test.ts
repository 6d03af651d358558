// progress() in `deno run` and `deno test`: on a terminal one line rewritten
// in place with percent, count, rate, time left and cache hits vs fresh; to a
// log one summary line at the end; nothing when quiet.

import assert from "node:assert/strict";

const CHILD = ["run", "--quiet", "--allow-read=.", "tests/_support/progress_child.ts"];
const decoder = new TextDecoder();
const ESC = String.fromCharCode(27);
/** "Erase to the end of the line". */
const ERASE = `${ESC}[K`;

async function child(args: string[], env: Record<string, string> = {}) {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { success, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test({
  name: "progress: on a terminal, it rewrites one stderr line: %, count, rate, time left, origins",
  permissions: { read: ["."], run: ["python3"] },
  async fn() {
    const { success, stdout, stderr } = await new Deno.Command("python3", {
      args: ["tests/_support/pty_run.py", Deno.execPath(), ...CHILD],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(success, decoder.decode(stderr));
    // The terminal turns \n into \r\n.
    const screen = decoder.decode(stdout).replaceAll("\r\n", "\n");
    const [progressLine, rest] = [screen.slice(0, screen.indexOf("\n")), screen];
    const updates = progressLine.split("\r").filter((u) => u !== "");
    assert.ok(updates.length >= 10, `one line rewritten in place: ${updates.length} updates`);
    assert.ok(updates.every((u) => u.endsWith(ERASE)), "each update erases the old one");
    const live = updates.find((u) => / 50% 10\/20 /.test(u));
    assert.ok(live !== undefined, `an update at 10 of 20: ${updates.join(" | ")}`);
    assert.match(
      live,
      /^▸ twenty █{10}░{10} 50% 10\/20 · [\d.]+\/s · \d+ s left · 5 from cache, 5 fresh/,
    );
    const last = updates.at(-1)!;
    assert.ok(last.endsWith(ERASE));
    assert.match(
      last.slice(0, -ERASE.length),
      /^✓ twenty █{20} 100% 20\/20 · [\d.]+ s \([\d.]+\/s\) · 5 from cache, 15 fresh, 15 requests$/,
    );
    assert.match(rest, /\nread 20\n$/, "the program's own output comes on the next line");
  },
});

Deno.test({
  name: "progress: when stderr is not a terminal, it writes one summary line at the end",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const { success, stdout, stderr } = await child(CHILD);
    assert.ok(success, stderr);
    assert.equal(stdout, "read 20\n");
    assert.ok(!stderr.includes("\r") && !stderr.includes(ESC), "no terminal control in a log");
    assert.match(
      stderr,
      /^✓ twenty █{20} 100% 20\/20 · [\d.]+ s \([\d.]+\/s\) · 5 from cache, 15 fresh, 15 requests\n$/,
    );
  },
});

Deno.test({
  name: "progress: quiet: nothing on stderr, with the option or with LLM_CACHE_QUIET=1",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const option = await child([...CHILD, "--quiet"]);
    assert.equal(option.stderr, "");
    const [run, ...rest] = CHILD;
    const variable = await child([run!, "--allow-env=LLM_CACHE_QUIET", ...rest], {
      LLM_CACHE_QUIET: "1",
    });
    assert.equal(variable.stderr, "");
    assert.equal(variable.stdout, "read 20\n");
    // Without the permission to read it, the variable is not read (and nothing asks).
    const unread = await child(CHILD, { LLM_CACHE_QUIET: "1" });
    assert.match(unread.stderr, /^✓ twenty /);
    // "0" means not quiet.
    const zero = await child([run!, "--allow-env=LLM_CACHE_QUIET", ...rest], {
      LLM_CACHE_QUIET: "0",
    });
    assert.match(zero.stderr, /^✓ twenty /);
  },
});
