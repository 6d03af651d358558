// usage.jsonl only adds figures to the samples beside it: a link by its name
// is refused before anything is paid for, and a file of any size, garbage
// included, is read a chunk at a time; what cannot be read costs its figures,
// with a warning, never the samples.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { scanUsage } from "../../cache/fs_usage.ts";
import { main } from "../../cli/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const HASH = promptHash("p");

/** A prompt folder in `root` holding `count` samples of "p", with usage. */
async function cache(root: string, count: number): Promise<string> {
  const samples = Array.from({ length: count }, (_, k) => `${k}`);
  const usage = samples.map(() => ({
    requests: 1,
    promptTokens: 3,
    completionTokens: 5,
    latencyMs: 7,
  }));
  await new FsStore(root).append({ model: "m_1", hash: HASH }, {
    from: 0,
    samples,
    prompt: "p",
    usage,
  });
  return `${root}/m_1/${HASH}`;
}

/** What `console.warn` is given while `fn` runs. */
async function warnings(fn: () => Promise<void>): Promise<string[]> {
  const { warn } = console;
  const seen: string[] = [];
  console.warn = (...args: unknown[]) => seen.push(args.join(" "));
  try {
    await fn();
  } finally {
    console.warn = warn;
  }
  return seen;
}

Deno.test({
  name: "FsStore: a usage.jsonl link, even to nothing, is refused before the first draw",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  fn: () =>
    withTempDir(async (dir) => {
      for (
        const [name, count, target] of [
          ["dangling", 0, "nowhere.jsonl"],
          ["dangling-with-samples", 2, "nowhere.jsonl"],
          ["to-a-file", 0, "../../elsewhere.jsonl"],
        ] as const
      ) {
        const folder = await cache(`${dir}/${name}`, count === 0 ? 1 : count);
        if (count === 0) await Deno.remove(`${folder}/0.md`);
        await Deno.writeTextFile(`${dir}/${name}/elsewhere.jsonl`, "");
        await Deno.remove(`${folder}/usage.jsonl`);
        await symlink(target, `${folder}/usage.jsonl`);
        const provider = new CountingModel("m", 1);
        const model = new Persistent(provider, `${dir}/${name}`);
        await assert.rejects(collect(model.sample("p"), count + 1), (error: Error) => {
          assert.match(error.message, new RegExp(`${folder}/usage\\.jsonl is a symbolic link`));
          return true;
        });
        assert.equal(provider.requests.length, 0, `${name}: nothing was paid for`);
        assert.equal(await Deno.readTextFile(`${dir}/${name}/elsewhere.jsonl`), "");
      }
    }),
});

Deno.test({
  name:
    "FsStore: a usage file over 512 MB costs only its unreadable figures, with a warning: samples load",
  permissions: { read: ["."], write: ["tests/.tmp"] },
  fn: () =>
    withTempDir(async (dir) => {
      const folder = await cache(dir, 3);
      const usage = `${folder}/usage.jsonl`;
      const record = await Deno.readTextFile(usage);
      // 600 MB of zeros (a sparse file: no disk space), then the record again.
      const size = 600 * 2 ** 20;
      await Deno.truncate(usage, size);
      await Deno.writeTextFile(usage, `\n${record}`, { append: true });
      const before = Deno.memoryUsage().rss;
      let peak = before;
      const seen = await warnings(async () => {
        const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
        assert.deepEqual(await collect(replay.sample("p"), 3), ["0", "1", "2"]);
        peak = Math.max(peak, Deno.memoryUsage().rss);
        // The record after the garbage is found: the samples' usage is known.
        assert.deepEqual(
          [replay.stats.saved.samples, replay.stats.saved.unknown, replay.stats.saved.requests],
          [3, 0, 3],
        );
        let out = "";
        const io = { out: (t: string) => out += t, err: (t: string) => out += t, progress: false };
        assert.equal(await main(["verify", dir], io), 0, out);
        assert.match(out, /usage\.jsonl: 1 line\(s\) are not whole usage records/);
        peak = Math.max(peak, Deno.memoryUsage().rss);
      });
      assert.equal(seen.length, 1, seen.join("\n"));
      assert.match(seen[0]!, new RegExp(`${usage} has 1 line\\(s\\) too long to be usage records`));
      assert.match(seen[0]!, /the samples load as they are/);
      // Read whole, the file alone would take 600 MB (and more as a string).
      assert.ok(peak - before < 200 * 2 ** 20, `${(peak - before) / 2 ** 20} MB more memory`);
    }),
});

Deno.test("FsStore: a usage file is scanned a chunk at a time, at any size and offset", async () => {
  const zeros = new Uint8Array(1 << 20);
  const record = new TextEncoder().encode('{"from":0,"count":1,"requests":1,"latencyMs":5}\n');
  // 3 GB of zeros without a newline, then a record: never all in memory.
  const size = 3 * 2 ** 30 + record.length;
  let largest = 0;
  const read = (offset: number, length: number) => {
    largest = Math.max(largest, length);
    if (offset >= size) return new Uint8Array();
    if (offset >= size - record.length) return record.subarray(offset - (size - record.length));
    return zeros.subarray(0, Math.min(length, size - record.length - offset));
  };
  const scan = await scanUsage(read, 0);
  assert.deepEqual(scan.records, [{ from: 0, count: 1, requests: 1, latencyMs: 5 }]);
  assert.deepEqual([scan.lines, scan.overlong, scan.end], [1, 1, size]);
  assert.ok(largest <= 1 << 20, `asked for ${largest} bytes at once`);
  // A scan from where the last one ended finds nothing new.
  assert.deepEqual((await scanUsage(read, scan.end)).records, []);
});

Deno.test("FsStore: a usage file that cannot be read costs its figures with a warning, not the samples", () =>
  withTempDir(async (dir) => {
    const folder = await cache(dir, 2);
    const store = new FsStore(dir);
    // As a disk that returns an error for the file's bytes would.
    const { readFileSync, openSync } = Deno;
    Deno.openSync = (path: string | URL, options?: Deno.OpenOptions) => {
      if (String(path).endsWith("usage.jsonl")) throw new Error("Input/output error (os error 5)");
      return openSync(path, options);
    };
    try {
      const seen = await warnings(async () => {
        const replay = new Persistent(new CountingModel("m", 1), store, { replication: true });
        assert.deepEqual(await collect(replay.sample("p"), 2), ["0", "1"]);
        assert.equal(replay.stats.saved.unknown, 2);
      });
      assert.equal(seen.length, 1);
      assert.match(
        seen[0]!,
        new RegExp(`${folder}/usage\\.jsonl cannot be read .*Input/output error`),
      );
    } finally {
      Object.assign(Deno, { openSync, readFileSync });
    }
  }));
