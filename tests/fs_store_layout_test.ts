// What only the filesystem store does: the mnimi layout, refused aliases,
// gaps and stray files, the prompt file, permission messages, cheap reads.

import assert from "node:assert/strict";
import { collect, promptHash } from "../mod.ts";
import { FsStore, PROMPT_FILE } from "../cache/fs_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { CountingModel } from "./mock_model.ts";

const PROMPT = "Choose a number between 1 and 1000.";
const HASH = promptHash(PROMPT);

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function names(folder: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name).sort();
}

Deno.test("writes the mnimi layout with a prompt file beside it", () =>
  withDir(async (dir) => {
    const model = new CountingModel("accounts/fireworks/models/x", 0.7, { maxBatch: 3 });
    await collect(new Persistent(model, dir).sample(PROMPT, 3), 3);
    const folder = `${dir}/accounts/fireworks/models/x_0.7/${HASH}`;
    assert.deepEqual(await names(folder), ["0.md", "1.md", "2.md", PROMPT_FILE]);
    assert.equal(await Deno.readTextFile(`${folder}/1.md`), "1");
    assert.equal(await Deno.readTextFile(`${folder}/${PROMPT_FILE}`), PROMPT);
  }));

Deno.test("construction does no I/O", () => {
  const store = new FsStore("tests/.tmp/never/created");
  assert.equal(store.location, "tests/.tmp/never/created");
  new Persistent(new CountingModel(), "tests/.tmp/never/created");
  assert.throws(() => Deno.statSync("tests/.tmp/never"), Deno.errors.NotFound);
});

Deno.test("a leading ~ is the home folder", () => {
  const home = Deno.env.get("HOME");
  if (home === undefined) return;
  assert.equal(new FsStore("~/.llm_cache").location, `${home}/.llm_cache`);
  assert.equal(new FsStore("~").location, home);
  assert.equal(new FsStore("a/~/b").location, "a/~/b");
});

Deno.test("aliases that would leave the root are refused", () =>
  withDir(async (dir) => {
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
      const error = await store.append(key, 0, ["x"]).then(() => undefined, (e) => e);
      assert.ok(error instanceof TypeError, `${JSON.stringify(model)} was accepted`);
      assert.ok(error.message.includes(JSON.stringify(model)), error.message);
      await assert.rejects(store.load(key, 0), TypeError);
    }
    for (const hash of ["../x", HASH.toUpperCase(), HASH + "/..", ""]) {
      await assert.rejects(store.append({ model: "m_1", hash }, 0, ["x"]), TypeError);
    }
    const model = new CountingModel("gpt", 1, { alias: "../../outside" });
    await assert.rejects(collect(new Persistent(model, dir).sample(PROMPT), 1), TypeError);
    assert.deepEqual(await names(dir), []);
  }));

Deno.test("a gap hides what follows until an append fills it", () =>
  withDir(async (dir) => {
    const folder = `${dir}/m_1/${HASH}`;
    await Deno.mkdir(folder, { recursive: true });
    for (const i of [0, 1, 3]) await Deno.writeTextFile(`${folder}/${i}.md`, `s${i}`);
    const store = new FsStore(dir);
    const key = { model: "m_1", hash: HASH };
    assert.deepEqual(await store.load(key, 0), ["s0", "s1"]);
    assert.deepEqual(await store.append(key, 2, ["new"]), ["new"]);
    assert.deepEqual(await store.load(key, 0), ["s0", "s1", "new", "s3"]);
    assert.equal(await Deno.readTextFile(`${folder}/3.md`), "s3");
  }));

Deno.test("stray files are ignored and never touched", () =>
  withDir(async (dir) => {
    const folder = `${dir}/m_1/${HASH}`;
    await Deno.mkdir(folder, { recursive: true });
    const stray = ["notes.md", "01.md", "-1.md", "1.5.md", ".tmp-leftover", "1.md.bak"];
    for (const name of stray) await Deno.writeTextFile(`${folder}/${name}`, name);
    await Deno.writeTextFile(`${folder}/0.md`, "s0");
    const store = new FsStore(dir);
    const key = { model: "m_1", hash: HASH };
    assert.deepEqual(await store.load(key, 0), ["s0"]);
    assert.deepEqual(await store.append(key, 1, ["a", "b"]), ["a", "b"]);
    for (const name of stray) assert.equal(await Deno.readTextFile(`${folder}/${name}`), name);
    assert.deepEqual(await store.load(key, 0), ["s0", "a", "b"]);
    assert.deepEqual(await Array.fromAsync(store.models()), ["m_1"]);
  }));

Deno.test("the first prompt file stays", () =>
  withDir(async (dir) => {
    const key = { model: "m_1", hash: HASH };
    await new FsStore(dir).append(key, 0, ["a"], PROMPT);
    await new FsStore(dir).append(key, 1, ["b"], "something else");
    const [entry] = await Array.fromAsync(new FsStore(dir).prompts("m_1"));
    assert.deepEqual(entry, { hash: HASH, prompt: PROMPT });
  }));

Deno.test("a missing permission names the flag to add", async () => {
  const outside = "/nonexistent-llm-cache-root";
  const key = { model: "m_1", hash: HASH };
  const read = await new FsStore(outside).load(key, 0).then(() => undefined, (e) => e);
  assert.ok(read instanceof Deno.errors.NotCapable, String(read));
  assert.match(read.message, /--allow-read=\/nonexistent-llm-cache-root/);
  const write = await new FsStore("tests/fixtures/mnimi-cache").append(key, 0, ["x"])
    .then(() => undefined, (e) => e);
  assert.ok(write instanceof Deno.errors.NotCapable, String(write));
  assert.match(write.message, /--allow-write=tests\/fixtures\/mnimi-cache/);
});

Deno.test("reads cost O(1) per new item and never list a folder", () =>
  withDir(async (dir) => {
    const key = { model: "mock_1", hash: promptHash("p") };
    await new FsStore(dir).append(key, 0, Array.from({ length: 200 }, (_, i) => `s${i}`));
    const reads = spy("readTextFileSync");
    const lists = spy("readDirSync");
    try {
      const model = new Persistent(new CountingModel(), dir, { replication: true });
      assert.equal((await collect(model.sample("p"), 200))[199], "s199");
      assert.equal(reads.calls, 201, "200 samples, then a look past them");
      for (let k = 0; k < 5; k++) await collect(model.sample("p"), 200);
      assert.equal(reads.calls, 201, "hits read files again");
      // Another writer adds one sample: the next miss reads only what is new.
      await new FsStore(dir).append(key, 200, ["s200"]);
      reads.calls = 0;
      assert.equal((await collect(model.sample("p"), 201))[200], "s200");
      assert.equal(reads.calls, 2, "the new sample, then a look past it");
      assert.equal(lists.calls, 0);
    } finally {
      reads.restore();
      lists.restore();
    }
  }));

function spy(name: "readTextFileSync" | "readDirSync") {
  const original = Deno[name];
  const counter = {
    calls: 0,
    restore: () => Object.assign(Deno, { [name]: original }),
  };
  Object.assign(Deno, {
    [name]: (...args: unknown[]) => {
      counter.calls++;
      return (original as (...a: unknown[]) => unknown)(...args);
    },
  });
  return counter;
}
