// What only the filesystem store does: the mnimi layout, refused aliases,
// gaps and stray files, the prompt file, permission messages, cheap reads.

import assert from "node:assert/strict";
import { collect, promptHash } from "../../mod.ts";
import fc from "fast-check";
import { FsStore, PROMPT_FILE, sampleIndex, USAGE_FILE } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPT = "Choose a number between 1 and 1000.";
const HASH = promptHash(PROMPT);

async function names(folder: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort();
}

Deno.test("FsStore: writes the mnimi layout with a prompt file beside it", () =>
  withTempDir(async (dir) => {
    const model = new CountingModel("accounts/fireworks/models/x", 0.7, { maxBatch: 3 });
    await collect(new Persistent(model, dir).sample(PROMPT, 3), 3);
    const folder = `${dir}/accounts/fireworks/models/x_0.7/${HASH}`;
    assert.deepEqual(await names(folder), ["0.md", "1.md", "2.md", PROMPT_FILE, USAGE_FILE]);
    assert.equal(await Deno.readTextFile(`${folder}/1.md`), "1");
    assert.equal(await Deno.readTextFile(`${folder}/${PROMPT_FILE}`), PROMPT);
    // One line per append: the sums for its samples (one request of 3 here).
    assert.match(
      await Deno.readTextFile(`${folder}/${USAGE_FILE}`),
      new RegExp(
        `^\\{"from":0,"count":3,"requests":1,"promptTokens":${PROMPT.length},` +
          `"completionTokens":3,"latencyMs":\\d+\\}\n$`,
      ),
    );
  }));

Deno.test("FsStore: construction does no I/O", () => {
  const store = new FsStore("tests/.tmp/never/created");
  assert.equal(store.location, "tests/.tmp/never/created");
  new Persistent(new CountingModel(), "tests/.tmp/never/created");
  assert.throws(() => Deno.statSync("tests/.tmp/never"), Deno.errors.NotFound);
});

Deno.test("FsStore: a leading ~ is the home folder", () => {
  const home = Deno.env.get("HOME");
  if (home === undefined) return;
  assert.equal(new FsStore("~/.llm_cache").location, `${home}/.llm_cache`);
  assert.equal(new FsStore("~").location, home);
  assert.equal(new FsStore("a/~/b").location, "a/~/b");
});

Deno.test("FsStore: aliases that would leave the root are refused", () =>
  withTempDir(async (dir) => {
    const store = new FsStore(dir);
    const bad = [
      "../escape_1",
      "a/../../escape_1",
      "/etc/passwd_1",
      "a//b_1",
      "a/_1/",
      "./a_1",
      "a\\..\\b_1",
      "a\0b_1",
      "C:/x_1",
      "",
    ];
    for (const model of bad) {
      const key = { model, hash: HASH };
      const error = await store.append(key, { from: 0, samples: ["x"] }).then(
        () => undefined,
        (e) => e,
      );
      assert.ok(error instanceof TypeError, `${JSON.stringify(model)} was accepted`);
      assert.ok(error.message.includes(JSON.stringify(model)), error.message);
      await assert.rejects(store.load(key, 0), TypeError);
    }
    for (const hash of ["../x", HASH.toUpperCase(), HASH + "/..", ""]) {
      await assert.rejects(
        store.append({ model: "m_1", hash }, { from: 0, samples: ["x"] }),
        TypeError,
      );
    }
    const model = new CountingModel("gpt", 1, { alias: "../../outside" });
    await assert.rejects(collect(new Persistent(model, dir).sample(PROMPT), 1), TypeError);
    assert.deepEqual(await names(dir), []);
  }));

Deno.test("FsStore: a gap hides what follows until an append fills it", () =>
  withTempDir(async (dir) => {
    const folder = `${dir}/m_1/${HASH}`;
    await Deno.mkdir(folder, { recursive: true });
    for (const i of [0, 1, 3]) await Deno.writeTextFile(`${folder}/${i}.md`, `s${i}`);
    const store = new FsStore(dir);
    const key = { model: "m_1", hash: HASH };
    assert.deepEqual(await store.load(key, 0), ["s0", "s1"]);
    assert.deepEqual(await store.append(key, { from: 2, samples: ["new"] }), ["new"]);
    assert.deepEqual(await store.load(key, 0), ["s0", "s1", "new", "s3"]);
    assert.equal(await Deno.readTextFile(`${folder}/3.md`), "s3");
  }));

Deno.test("FsStore: stray files are ignored and never touched", () =>
  withTempDir(async (dir) => {
    const folder = `${dir}/m_1/${HASH}`;
    await Deno.mkdir(folder, { recursive: true });
    const stray = ["notes.md", "01.md", "-1.md", "1.5.md", ".tmp-leftover", "1.md.bak"];
    for (const name of stray) await Deno.writeTextFile(`${folder}/${name}`, name);
    await Deno.writeTextFile(`${folder}/0.md`, "s0");
    const store = new FsStore(dir);
    const key = { model: "m_1", hash: HASH };
    assert.deepEqual(await store.load(key, 0), ["s0"]);
    assert.deepEqual(await store.append(key, { from: 1, samples: ["a", "b"] }), ["a", "b"]);
    for (const name of stray) assert.equal(await Deno.readTextFile(`${folder}/${name}`), name);
    assert.deepEqual(await store.load(key, 0), ["s0", "a", "b"]);
    assert.deepEqual(await Array.fromAsync(store.models()), ["m_1"]);
  }));

Deno.test("FsStore: the first prompt file stays", () =>
  withTempDir(async (dir) => {
    const key = { model: "m_1", hash: HASH };
    await new FsStore(dir).append(key, { from: 0, samples: ["a"], prompt: PROMPT });
    await new FsStore(dir).append(key, { from: 1, samples: ["b"], prompt: "something else" });
    const [entry] = await Array.fromAsync(new FsStore(dir).prompts("m_1"));
    assert.deepEqual(entry, { hash: HASH, prompt: PROMPT });
  }));

Deno.test({
  name: "FsStore: a missing permission names the flag to add",
  permissions: { read: ["tests"], write: ["tests/.tmp"] },
  fn: async () => {
    const outside = "/nonexistent-llm-cache-root";
    const key = { model: "m_1", hash: HASH };
    const read = await new FsStore(outside).load(key, 0).then(() => undefined, (e) => e);
    assert.ok(read instanceof Deno.errors.NotCapable, String(read));
    assert.match(read.message, /--allow-read=\/nonexistent-llm-cache-root/);
    const write = await new FsStore("tests/fixtures/mnimi-cache").append(key, {
      from: 0,
      samples: ["x"],
    })
      .then(() => undefined, (e) => e);
    assert.ok(write instanceof Deno.errors.NotCapable, String(write));
    assert.match(write.message, /--allow-write=tests\/fixtures\/mnimi-cache/);
  },
});

Deno.test("FsStore: reads cost O(1) per new item and list a prompt folder once", () =>
  withTempDir(async (dir) => {
    const key = { model: "mock_1", hash: promptHash("p") };
    await new FsStore(dir).append(key, {
      from: 0,
      samples: Array.from({ length: 200 }, (_, i) => `s${i}`),
    });
    const reads = spy(Deno, "readTextFileSync");
    const looks = spy(Deno, "lstatSync");
    const lists = spy(Deno, "readDirSync");
    try {
      const model = new Persistent(new CountingModel(), dir, { replication: true });
      assert.equal((await collect(model.sample("p"), 200))[199], "s199");
      assert.equal(reads.calls, 200, "200 samples");
      assert.equal(lists.calls, 1, "one listing tells which samples are no links");
      assert.equal(looks.calls, 2, "the 2 folders (the listing shows where the samples end)");
      for (let k = 0; k < 5; k++) await collect(model.sample("p"), 200);
      assert.equal(reads.calls + looks.calls + lists.calls, 200 + 2 + 1, "hits read files again");
      // Another writer adds one sample: the next miss reads only what is new.
      await new FsStore(dir).append(key, { from: 200, samples: ["s200"] });
      reads.calls = looks.calls = lists.calls = 0;
      assert.equal((await collect(model.sample("p"), 201))[200], "s200");
      assert.equal(reads.calls, 1, "the new sample");
      // A look at it (is it a link?), and one past it, which finds nothing.
      assert.equal(looks.calls, 2, "a look at the new sample and at the index after it");
      assert.equal(lists.calls, 0);
    } finally {
      for (const s of [reads, looks, lists]) s.restore();
    }
  }));

/** Counts the calls of `owner[name]` until `restore()`. */
function spy<T extends object>(owner: T, name: keyof T & string) {
  const original = owner[name];
  const counter = {
    calls: 0,
    restore: () => Object.assign(owner, { [name]: original }),
  };
  Object.assign(owner, {
    [name]: (...args: unknown[]) => {
      counter.calls++;
      return (original as (...a: unknown[]) => unknown)(...args);
    },
  });
  return counter;
}

/** Every file and folder under `root`, relative, sorted (links not followed). */
async function tree(root: string, rel = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(`${root}/${rel}`)) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    out.push(path);
    if (entry.isDirectory) out.push(...await tree(root, path));
  }
  return out.sort();
}

Deno.test("FsStore: links inside the layout are refused for reads and writes, naming the path", () =>
  withTempDir(async (dir) => {
    // Outside the cache: a sequence and a secret the links point at.
    const outside = `${dir}/outside`;
    await Deno.mkdir(`${outside}/model/${HASH}`, { recursive: true });
    await Deno.writeTextFile(`${outside}/model/${HASH}/0.md`, "outside sample");
    await Deno.writeTextFile(`${outside}/secret.txt`, "secret");
    const before = await tree(outside);
    const root = `${dir}/cache`;
    const other = promptHash("other prompt");
    await Deno.mkdir(`${root}/linked-file_1/${HASH}`, { recursive: true });
    await symlink("../../../outside/secret.txt", `${root}/linked-file_1/${HASH}/0.md`);
    await Deno.mkdir(`${root}/linked-prompt_1`, { recursive: true });
    await symlink(`../../outside/model/${HASH}`, `${root}/linked-prompt_1/${HASH}`);
    await symlink("../outside/model", `${root}/linked-model_1`);
    const cases = [
      ["linked-file_1", `${root}/linked-file_1/${HASH}/0.md`],
      ["linked-prompt_1", `${root}/linked-prompt_1/${HASH}`],
      ["linked-model_1", `${root}/linked-model_1`],
    ];
    const store = new FsStore(root);
    for (const [model, link] of cases) {
      const refused = (error: Error) => error.message.includes(`${link} is a symbolic link`);
      await assert.rejects(store.load({ model: model!, hash: HASH }, 0), refused);
      await assert.rejects(
        store.append({ model: model!, hash: HASH }, { from: 0, samples: ["x"], prompt: PROMPT }),
        refused,
      );
      const cache = new Persistent(new CountingModel(model!.slice(0, -2), 1), root);
      await assert.rejects(collect(cache.sample(PROMPT), 1), refused);
      if (model === "linked-model_1") {
        // A new prompt under a linked model folder would be written outside too.
        await assert.rejects(
          store.append({ model: model!, hash: other }, { from: 0, samples: ["x"] }),
          refused,
        );
      }
    }
    assert.deepEqual(await tree(outside), before, "nothing was written outside the cache");
    assert.equal(await Deno.readTextFile(`${outside}/model/${HASH}/0.md`), "outside sample");
    // Listing does not follow links either.
    assert.deepEqual(await Array.fromAsync(store.models()), ["linked-file_1"]);
    assert.deepEqual(await Array.fromAsync(store.prompts("linked-prompt_1")), []);
  }));

Deno.test("FsStore: the cache folder itself may be a link", () =>
  withTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/real`);
    await symlink("real", `${dir}/link`);
    const key = { model: "m_1", hash: HASH };
    assert.deepEqual(
      await new FsStore(`${dir}/link`).append(key, { from: 0, samples: ["a"], prompt: PROMPT }),
      ["a"],
    );
    assert.deepEqual(await new FsStore(`${dir}/link`).load(key, 0), ["a"]);
    assert.equal(await Deno.readTextFile(`${dir}/real/m_1/${HASH}/0.md`), "a");
  }));

Deno.test("FsStore: a sample that is not valid UTF-8 is an error naming the file, not U+FFFD text", () =>
  withTempDir(async (dir) => {
    const folder = `${dir}/m_1/${HASH}`;
    await Deno.mkdir(folder, { recursive: true });
    await Deno.writeTextFile(`${folder}/0.md`, "a real \ufffd stays");
    await Deno.writeFile(`${folder}/1.md`, new Uint8Array([0x34, 0xe4, 0xbd])); // cut off
    const store = new FsStore(dir);
    const key = { model: "m_1", hash: HASH };
    const invalid = (error: Error) =>
      error instanceof TypeError && error.message.includes(`${folder}/1.md is not valid UTF-8`);
    await assert.rejects(store.load(key, 0), invalid);
    await assert.rejects(
      store.append(key, { from: 1, samples: ["x"] }),
      invalid,
      "a lost claim reads it too",
    );
    const cache = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    await assert.rejects(collect(cache.sample(PROMPT), 2), invalid);
    await Deno.writeFile(`${folder}/1.md`, new Uint8Array([0xef, 0xbb, 0xbf, 0x41]));
    assert.deepEqual(await new FsStore(dir).load(key, 0), ["a real \ufffd stays", "\ufeffA"]);
  }));

Deno.test("FsStore: a full disk: the failed write removes its temp file and says where", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    // /dev/full gives a real ENOSPC error; Deno lets only -A write to it.
    const { code, stdout, stderr } = await new Deno.Command("deno", {
      args: ["run", "-A", "tests/_support/disk_full_child.ts", dir],
      stderr: "piped",
    }).output();
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    const report = JSON.parse(new TextDecoder().decode(stdout));
    assert.equal(report.cause, "ENOSPC");
    assert.match(report.error, /no space left on the disk that holds /);
    assert.ok(report.error.includes(dir), report.error);
    assert.deepEqual(report.left, [], "the partial temp file was removed");
    assert.deepEqual(report.stored, ["small"], "the next write succeeds");
    const folder = `${dir}/m_1/${HASH}`;
    assert.deepEqual(await names(folder), ["0.md"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("FsStore: a sample file's name is a plain index: 0.md, 7.md, 12.md, never 07.md or -1.md", () => {
  // The layout's rule, as a regular expression; sampleIndex parses by hand.
  const rule = (name: string) => {
    const match = /^(0|[1-9][0-9]*)\.md$/.exec(name);
    return match === null ? undefined : Number(match[1]);
  };
  const names = fc.oneof(
    fc.string(),
    fc.stringMatching(/^[0-9]{0,20}\.md$/),
    fc.stringMatching(/^[-+ 0-9a.]{0,4}(\.md|md|\.MD)?$/),
  );
  fc.assert(fc.property(names, (name) => sampleIndex(name) === rule(name)));
  for (const name of ["0.md", "7.md", "12.md", "9007199254740993.md"]) {
    assert.equal(sampleIndex(name), rule(name), name);
  }
  for (const name of ["07.md", "-1.md", ".md", "1.md.md", "1 .md", "１.md", "1.mD"]) {
    assert.equal(sampleIndex(name), undefined, name);
  }
});
