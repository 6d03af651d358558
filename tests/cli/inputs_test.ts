// The command line and the arguments a user gets wrong (issue 17): a folder
// that is not a cache (item 12), relative paths under `deno task cache`,
// terminal escapes in names (item 13), bad model keys and manifests that ask
// for more than the source holds (item 17).

import assert from "node:assert/strict";
import { main } from "../../cli/mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { formatManifest, manifest } from "../../cache/manifest.ts";
import { Persistent } from "../../cache/persistent.ts";
import { collect, promptHash } from "../../mod.ts";
import { cli } from "../_support/cli_run.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { MNIMI_CACHE } from "../_support/mnimi_fixture.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** Runs the command line in this process; returns the exit code and what it wrote. */
async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(args, {
    out: (t) => out += t,
    err: (t) => err += t,
    progress: false,
  });
  return { code, out, err };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

// Item 12: a folder that is not a cache.

Deno.test("cache: a folder of other files is not a cache: every command says what it found, exit 2", () =>
  withTempDir(async (dir) => {
    const src = `${dir}/src`;
    await Deno.mkdir(`${src}/nested`, { recursive: true });
    for (const name of ["mod.ts", "util.ts", "nested/deep.ts", "deno.json"]) {
      await Deno.writeTextFile(`${src}/${name}`, "export {};\n");
    }
    for (
      const args of [
        ["stats", src],
        ["ls", src],
        ["show", src, "m_1", "p"],
        ["verify", src],
        ["copy", src, `${dir}/target`],
        ["copy", MNIMI_CACHE, src, "--model", "gpt-4o_1"],
      ]
    ) {
      const { code, out, err } = await run(args);
      assert.equal(code, 2, `${args.join(" ")}: ${out}${err}`);
      assert.equal(out, "", args.join(" "));
      assert.match(err, /is not a cache/, args.join(" "));
      assert.match(err, /3 files \(deno\.json, mod\.ts, util\.ts\)/, args.join(" "));
      assert.match(err, /1 folder \(nested\)/, args.join(" "));
    }
    assert.equal(await exists(`${dir}/target`), false);
    assert.deepEqual([...Deno.readDirSync(src)].map((e) => e.name).sort(), [
      "deno.json",
      "mod.ts",
      "nested",
      "util.ts",
    ]);
  }));

Deno.test("cache: a model key folder or a prompt folder given as the cache says which folder to pass", async () => {
  const model = await run(["stats", `${MNIMI_CACHE}/gpt-4o_1`]);
  assert.equal(model.code, 2, model.out + model.err);
  assert.match(model.err, /is not a cache: it holds 6 prompt folders/);
  assert.match(
    model.err,
    /the folder of the model key gpt-4o_1: pass .*tests\/fixtures\/mnimi-cache/,
  );
  const hash = promptHash("Choose a number between 1 and 1000.");
  const prompt = await run(["ls", `${MNIMI_CACHE}/gpt-4o_1/${hash}/`]);
  assert.equal(prompt.code, 2, prompt.out + prompt.err);
  assert.match(prompt.err, /is not a cache: it is a prompt folder .*0\.md/);
  assert.match(prompt.err, /pass .*tests\/fixtures\/mnimi-cache/);
});

Deno.test("cache: an empty folder, or one of empty folders and hidden files, is an empty cache (exit 0)", () =>
  withTempDir(async (dir) => {
    const empty = await run(["stats", dir]);
    assert.equal(empty.code, 0, empty.err);
    assert.match(empty.out, /total \(0 models\)/);
    await Deno.mkdir(`${dir}/gpt-4o_1`);
    await Deno.writeTextFile(`${dir}/.gitkeep`, "");
    const fresh = await run(["ls", dir]);
    assert.equal(fresh.code, 0, fresh.err);
    assert.match(fresh.err, /the store is empty/);
  }));

Deno.test({
  name: "cache: deno task cache resolves relative paths in the folder it is run from",
  permissions: { read: ["."], write: ["tests/.tmp"], run: ["deno"] },
  fn: () =>
    withTempDir(async (dir) => {
      const root = `${dir}/here/my-cache`;
      await collect(new Persistent(new CountingModel("m", 1), root).sample("p"), 2);
      // deno task sets INIT_CWD only when it is not set: the runner's own task
      // (deno task test) set it already, so a child that clears it runs the task.
      const script = `Deno.env.delete("INIT_CWD");
const out = new Deno.Command("deno", {
  args: ["task", "-q", "cache", "stats", "my-cache", "--json"],
  cwd: Deno.args[0],
  stdin: "null",
}).outputSync();
Deno.stdout.writeSync(out.stdout);
Deno.stderr.writeSync(out.stderr);
Deno.exit(out.code);`;
      const output = await new Deno.Command("deno", {
        args: ["eval", script, `${dir}/here`],
        stdin: "null",
      }).output();
      const text = new TextDecoder();
      assert.equal(output.code, 0, text.decode(output.stderr));
      const stats = JSON.parse(text.decode(output.stdout));
      assert.equal(stats.location, "my-cache");
      assert.deepEqual({ models: stats.total.models, samples: stats.total.samples }, {
        models: 1,
        samples: 2,
      });
    }),
});

// Item 13: names with terminal escapes reach no terminal raw.

const EVIL = "\x1b]0;pwned\x07\x1b[2J\u009b31m\u202eevil";
// Raw, any of them reaches the terminal as a control.
const RAW = new RegExp("[\x1b\x07\u009b\u202e]");

Deno.test("cache: terminal escapes in folder and file names are escaped in every message", () =>
  withTempDir(async (dir) => {
    const missing = await run(["stats", `${dir}/${EVIL}`]);
    assert.equal(missing.code, 2);
    assert.doesNotMatch(missing.err, RAW);
    assert.match(missing.err, /\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b31m\\u202eevil/);

    // A cache whose folder name holds escapes, with a link inside: every
    // command fails or reports, naming the path.
    const cache = `${dir}/${EVIL}`;
    const folder = `${cache}/m_1/${promptHash("p")}`;
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(`${folder}/0.md`, "s0");
    await Deno.writeTextFile(`${dir}/outside.md`, "x");
    await symlink("../../../outside.md", `${folder}/1.md`);
    for (
      const args of [
        ["stats", cache],
        ["ls", cache],
        ["copy", cache, `${dir}/copy`],
        ["verify", cache],
        ["show", cache, "m_1", "p"],
      ]
    ) {
      const { code, out, err } = await run(args);
      assert.notEqual(code, 0, args[0]);
      assert.match(out + err, /\\x1b\]0;pwned/, args[0]);
      assert.doesNotMatch(out + err, RAW, `${args[0]}: ${JSON.stringify(out + err)}`);
    }

    // verify's notes: a young temporary file.
    const notes = `${dir}/notes`;
    await Deno.mkdir(`${notes}/m_1/${promptHash("p")}`, { recursive: true });
    await Deno.writeTextFile(`${notes}/m_1/${promptHash("p")}/0.md`, "s0");
    await Deno.writeTextFile(`${notes}/m_1/${promptHash("p")}/.tmp-${EVIL}`, "");
    const verified = await run(["verify", notes]);
    assert.equal(verified.code, 0, verified.out);
    assert.match(verified.out, /note: .*\.tmp-\\x1b/);
    assert.doesNotMatch(verified.out, RAW);
  }));

// Item 17: a model key that leaves the cache, and a manifest asking for too much.

Deno.test("cache: a model key argument that leaves the cache folder is a usage error (exit 2)", async () => {
  for (
    const args of [
      ["ls", MNIMI_CACHE, "../x"],
      ["show", MNIMI_CACHE, "../x", "p"],
      ["copy", MNIMI_CACHE, "tests/.tmp/never-copied", "--model", "/etc"],
    ]
  ) {
    const { code, err } = await run(args);
    assert.equal(code, 2, `${args.join(" ")}: ${err}`);
    assert.match(err, /model key/);
    assert.match(err, /Usage: cache /);
  }
  assert.equal(await exists("tests/.tmp/never-copied"), false);
});

Deno.test("cache copy: with --manifest, a source that holds fewer samples is a usage error, and nothing is copied", () =>
  withTempDir(async (dir) => {
    const fill = new Persistent(new CountingModel("m", 1), `${dir}/source`);
    await collect(fill.sample("a"), 3);
    await collect(fill.sample("b"), 3);
    await Deno.writeTextFile(`${dir}/run.json`, formatManifest(manifest(fill)));
    // Another store, where "b" holds fewer samples than the run used.
    const short = new FsStore(`${dir}/short`);
    await short.append({ model: "m_1", hash: promptHash("a") }, {
      from: 0,
      samples: ["0", "1", "2"],
      prompt: "a",
    });
    await short.append({ model: "m_1", hash: promptHash("b") }, {
      from: 0,
      samples: ["0"],
      prompt: "b",
    });
    const { code, out, err } = await run([
      "copy",
      `${dir}/short`,
      `${dir}/copy`,
      "--manifest",
      `${dir}/run.json`,
    ]);
    assert.equal(code, 2, out + err);
    assert.match(err, /the manifest names 3 sample\(s\) of m_1 [0-9a-f]{64}, but .*short holds 1/);
    assert.equal(await exists(`${dir}/copy/m_1`), false, "nothing was copied");
  }));

Deno.test("cache: store failures still exit 3", async () => {
  const denied = await cli(["stats", MNIMI_CACHE], []);
  assert.equal(denied.code, 3);
});
