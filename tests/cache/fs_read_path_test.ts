// What a replay of a folder cache costs besides reading its samples: no usage
// file read until a figure or a manifest asks for one, one listing per
// prompt folder (which tells links and kinds, and where the samples end), no
// look per sample, and no `await` per sample while file calls block.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { figuresOf } from "../../core/accounting.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { manifest } from "../../cache/manifest.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPTS = ["p", "q", "r"];

/** A folder cache of `count` samples per prompt, drawn in requests of 5 (so with usage). */
async function seeded(dir: string, count: number): Promise<void> {
  const model = new Persistent(new CountingModel("m", 1, { maxBatch: 5 }), dir);
  for (const prompt of PROMPTS) await collect(model.sample(prompt, 5), count);
}

/** Counts the calls of `Deno[name]` whose first argument `matches`, while `fn` runs. */
async function counting<T>(
  names: readonly (keyof typeof Deno)[],
  matches: (path: string) => boolean,
  fn: (calls: Record<string, number>) => Promise<T>,
): Promise<T> {
  const saved = names.map((name) => [name, Deno[name]] as const);
  const calls: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (const [name, original] of saved) {
    const call = original as (...args: unknown[]) => unknown;
    Object.assign(Deno, {
      [name]: (...args: unknown[]) => {
        if (matches(String(args[0]))) calls[name]!++;
        return call(...args);
      },
    });
  }
  try {
    return await fn(calls);
  } finally {
    for (const [name, original] of saved) Object.assign(Deno, { [name]: original });
  }
}

Deno.test("FsStore: a replay reads the usage file only once a figure or a manifest asks, and then says it right", () =>
  withTempDir(async (dir) => {
    await seeded(dir, 10);
    const usageFile = (path: string) => path.endsWith("/usage.jsonl");
    await counting(["openSync", "open", "readFileSync", "readFile"], usageFile, async (calls) => {
      const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
      for (const prompt of PROMPTS) await collect(replay.sample(prompt), 10);
      const opened = () => Object.values(calls).reduce((a, b) => a + b, 0);
      assert.equal(opened(), 0, "the replay read a usage file");
      const { saved } = replay.stats;
      assert.ok(opened() > 0, "the figure was not read from the usage files");
      // 3 prompts × 2 requests of 5 samples each, with their tokens.
      assert.deepEqual([saved.samples, saved.requests, saved.unknown], [30, 6, 0]);
      assert.deepEqual(figuresOf(replay).saved, saved);
      const entry = manifest(replay).sequences.find((s) => s.prompt === "q")!;
      assert.equal(entry.saved?.requests, 2);
    });
  }));

Deno.test("FsStore: a replay lists each prompt folder once: no look per sample, no read past the last", () =>
  withTempDir(async (dir) => {
    await seeded(dir, 10);
    const inside = (path: string) => path.startsWith(dir);
    const names = ["readDirSync", "lstatSync", "statSync", "readTextFileSync"] as const;
    await counting(names, inside, async (calls) => {
      const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
      for (const prompt of PROMPTS) {
        assert.equal((await collect(replay.sample(prompt), 10)).length, 10);
      }
      assert.equal(calls.readDirSync, PROMPTS.length, "one listing per prompt folder");
      assert.equal(calls.readTextFileSync, 10 * PROMPTS.length, "a read for each sample only");
      // The cache folder once, the model key folder once, each prompt folder once.
      assert.ok(
        calls.lstatSync! + calls.statSync! <= 2 + PROMPTS.length,
        `${calls.lstatSync} lstat and ${calls.statSync} stat calls`,
      );
    });
  }));

Deno.test("FsStore: loading a prompt folder of 1,000 samples takes no microtask turn per sample", () =>
  withTempDir(async (dir) => {
    const key = { model: "m_1", hash: promptHash("p") };
    const folder = `${dir}/${key.model}/${key.hash}`;
    await Deno.mkdir(folder, { recursive: true });
    for (let i = 0; i < 1000; i++) await Deno.writeTextFile(`${folder}/${i}.md`, `${i}`);
    const store = new FsStore(dir, { offload: "never" });
    let loaded: string[] | undefined;
    const load = store.load(key, 0).then((samples) => loaded = samples);
    let turns = 0;
    while (loaded === undefined && turns < 100) {
      await Promise.resolve();
      turns++;
    }
    await load;
    assert.equal(loaded!.length, 1000);
    assert.ok(turns < 10, `the load took ${turns} microtask turns or more`);
  }));

Deno.test({
  name: "FsStore: a prompt folder that is a link is refused also once its model folder was listed",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  fn: () =>
    withTempDir(async (dir) => {
      // Enough prompt folders that the model folder is listed before the link is reached.
      const prompts = Array.from({ length: 40 }, (_, p) => `prompt ${p}`);
      const model = new Persistent(new CountingModel("m", 1), dir);
      for (const prompt of prompts) await collect(model.sample(prompt), 1);
      const linked = `${dir}/m_1/${promptHash("linked")}`;
      await Deno.mkdir(`${dir}/elsewhere`);
      await Deno.writeTextFile(`${dir}/elsewhere/0.md`, "outside");
      await symlink("../elsewhere", linked);
      const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
      for (const prompt of prompts) {
        assert.equal((await collect(replay.sample(prompt), 1)).length, 1);
      }
      await assert.rejects(
        collect(replay.sample("linked"), 1),
        new RegExp(`${linked} is a symbolic link`),
      );
    }),
});
