// FsStore's file calls: on the main thread when nothing waits, on Deno's
// thread pool while a Persistent draw is in flight (so that the answers to
// other requests are not held up by the disk), and the same results either
// way.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const KEY = { model: "m_1", hash: promptHash("p") };

/** Counts the calls of Deno's blocking and non-blocking `link` until `restore()`. */
function countLinks() {
  const { link, linkSync } = Deno;
  const counts = { blocking: 0, nonBlocking: 0 };
  Object.assign(Deno, {
    linkSync: (a: string, b: string) => (counts.blocking++, linkSync(a, b)),
    link: (a: string, b: string) => (counts.nonBlocking++, link(a, b)),
  });
  return { counts, restore: () => Object.assign(Deno, { link, linkSync }) };
}

Deno.test("FsStore: file calls leave the main thread while a draw is in flight, and only then", () =>
  withTempDir(async (dir) => {
    const store = new FsStore(dir);
    const links = countLinks();
    const appended = async (from: number, sample: string) => {
      const before = { ...links.counts };
      assert.deepEqual(await store.append(KEY, { from, samples: [sample] }), [sample]);
      return {
        blocking: links.counts.blocking - before.blocking,
        nonBlocking: links.counts.nonBlocking - before.nonBlocking,
      };
    };
    try {
      assert.deepEqual(
        await appended(0, "a"),
        { blocking: 1, nonBlocking: 0 },
        "nothing in flight",
      );
      // A slow model keeps a draw in flight while this store appends.
      const slow = new Persistent(new CountingModel("slow", 1, { latency: 200 }), dir);
      const drawing = collect(slow.sample("q"), 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(await appended(1, "b"), { blocking: 0, nonBlocking: 1 }, "a draw in flight");
      await drawing;
      assert.deepEqual(await appended(2, "c"), { blocking: 1, nonBlocking: 0 }, "none any more");
      assert.deepEqual(await store.load(KEY, 0), ["a", "b", "c"]);
    } finally {
      links.restore();
    }
  }));

Deno.test("FsStore: offload always and never choose one kind of call", () =>
  withTempDir(async (dir) => {
    const links = countLinks();
    try {
      await new FsStore(dir, { offload: "always" }).append(KEY, { from: 0, samples: ["a", "b"] });
      assert.deepEqual(links.counts, { blocking: 0, nonBlocking: 2 });
      const slow = new Persistent(new CountingModel("slow", 1, { latency: 100 }), dir);
      const drawing = collect(slow.sample("q"), 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await new FsStore(dir, { offload: "never" }).append(KEY, { from: 2, samples: ["c"] });
      assert.deepEqual(links.counts, { blocking: 1, nonBlocking: 2 });
      await drawing;
    } finally {
      links.restore();
    }
  }));

Deno.test("FsStore: an offload that is not auto, always or never is a TypeError", () => {
  assert.throws(
    // @ts-expect-error: the wrong value is the point
    () => new FsStore("tests/.tmp/never-created", { offload: "sometimes" }),
    (error: Error) => error instanceof TypeError && error.message.includes('"sometimes"'),
  );
});

Deno.test("FsStore: a full disk off the main thread removes the temp file and says where", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const { code, stdout, stderr } = await new Deno.Command("deno", {
      args: ["run", "-A", "tests/_support/disk_full_child.ts", dir, "always"],
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const report = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(report.cause, "ENOSPC");
    assert.match(report.error, /no space left on the disk that holds /);
    assert.deepEqual(report.left, [], "the partial temp file was removed");
    assert.deepEqual(report.stored, ["small"], "the next write succeeds");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FsStore: a batch whose third temp file fails stores the two before it, and no temp file", () =>
  withTempDir(async (dir) => {
    const store = new FsStore(dir, { offload: "always" });
    const { writeTextFile } = Deno;
    let writes = 0;
    Object.assign(Deno, {
      writeTextFile: (path: string, text: string, options?: Deno.WriteFileOptions) =>
        ++writes === 3
          ? Promise.reject(new Error("disk trouble"))
          : writeTextFile(path, text, options),
    });
    try {
      await assert.rejects(
        store.append(KEY, { from: 0, samples: ["a", "b", "c", "d"] }),
        /disk trouble/,
      );
    } finally {
      Object.assign(Deno, { writeTextFile });
    }
    assert.deepEqual(await new FsStore(dir).load(KEY, 0), ["a", "b"]);
    const names = (await Array.fromAsync(Deno.readDir(`${dir}/m_1/${KEY.hash}`))).map((e) =>
      e.name
    );
    assert.deepEqual(names.sort(), ["0.md", "1.md"]);
  }));
