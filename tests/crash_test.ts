// Kills filesystem writers with SIGKILL at random moments, then checks that
// every sample file is whole and that the sequence still reads.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { collect, promptHash } from "../mod.ts";
import { FsStore } from "../cache/fs_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { CountingModel } from "./mock_model.ts";

const KILLS = 52;
const SLOTS = 4;

function whole(sample: string): boolean {
  const at = sample.lastIndexOf("\n#");
  const text = sample.slice(0, at);
  return at >= 0 && createHash("sha256").update(text).digest("hex").slice(0, 16) ===
      sample.slice(at + 2);
}

async function killOne(root: string, id: number): Promise<void> {
  const child = new Deno.Command("deno", {
    args: [
      "run",
      `--allow-read=${root}`,
      `--allow-write=${root}`,
      "tests/crash_child.ts",
      root,
      String(id),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  try {
    // Once it has written something, kill it in the middle of what follows.
    const first = await reader.read();
    assert.ok(!first.done, "a writer exited before writing");
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
    child.kill("SIGKILL");
    const status = await child.status;
    assert.equal(status.signal, "SIGKILL");
  } finally {
    await reader.cancel();
  }
}

Deno.test(`writers killed ${KILLS} times leave only whole samples`, async () => {
  const root = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    let started = 0;
    await Promise.all(Array.from({ length: SLOTS }, async () => {
      while (started < KILLS) await killOne(root, started++);
    }));

    const store = new FsStore(root);
    let temps = 0;
    for (const prompt of ["crash a", "crash b"]) {
      const folder = `${root}/crash_1/${promptHash(prompt)}`;
      const entries = await Array.fromAsync(Deno.readDir(folder));
      const md = entries.filter((e) => e.name.endsWith(".md")).map((e) => e.name);
      temps += entries.filter((e) => e.name.startsWith(".tmp-")).length;
      // Indices are contiguous from 0: a claim never leaves a gap.
      const indices = md.map((name) => Number(name.slice(0, -3))).sort((a, b) => a - b);
      assert.deepEqual(indices, indices.map((_, i) => i));
      for (const name of md) {
        assert.ok(whole(await Deno.readTextFile(`${folder}/${name}`)), `${name} is not whole`);
      }
      // Leftover temporary files don't disturb reading.
      const loaded = await store.load({ model: "crash_1", hash: promptHash(prompt) }, 0);
      assert.equal(loaded.length, md.length);
      const replay = new Persistent(new CountingModel("crash", 1), root, { replication: true });
      assert.deepEqual(await collect(replay.sample(prompt), loaded.length), loaded);
    }
    console.log(`${started} writers killed; ${temps} temporary files left behind`);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
