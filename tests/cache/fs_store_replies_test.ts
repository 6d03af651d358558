// The folder store's metadata files, `replies/<i>.json` for `<i>.md`: what a
// writer killed between its two steps leaves (readers find it, `cache verify
// --fix` puts it in place), files that must never attach to a sample (left
// by a sample replaced by hand), files that are not metadata, and pruning.

import assert from "node:assert/strict";
import { collect, Persistent, promptHash, type ReplyMeta } from "../../mod.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { metaFileText } from "../../cache/_fs_replies.ts";
import { recordings, removeRecorded } from "../../testing/_recordings.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const KEY = { model: "m_1", hash: promptHash("p") };
const CALL: ReplyMeta = {
  toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2,"b":2}' }],
  finishReason: "tool_calls",
};

function folderOf(dir: string): string {
  return `${dir}/${KEY.model}/${KEY.hash}`;
}

/**
 * What a writer killed right after it claimed index `i` leaves: `<i>.md`
 * linked from its temporary file, and both temporary files, `age` ms old.
 */
async function killedAfterClaim(dir: string, i: number, text: string, age: number) {
  const folder = folderOf(dir);
  const temp = `${folder}/.tmp-killed-0`;
  const metaTemp = `${folder}/replies/.tmp-killed-0.json`;
  await Deno.mkdir(`${folder}/replies`, { recursive: true });
  await Deno.writeTextFile(temp, text);
  await Deno.writeTextFile(metaTemp, metaFileText(text, CALL));
  await Deno.link(temp, `${folder}/${i}.md`);
  const then = new Date(Date.now() - age);
  for (const file of [temp, metaTemp]) await Deno.utime(file, then, then);
}

Deno.test("FsStore.replies: a writer killed between its sample and its metadata: readers find the metadata, cache verify --fix puts it in place", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
    await killedAfterClaim(dir, 1, "", 0);
    const expected = [{ text: "a", toolCalls: [] }, {
      text: "",
      ...CALL,
      toolCalls: CALL.toolCalls!,
    }];
    assert.deepEqual(await new FsStore(dir).replies(KEY, 0), expected);
    const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    assert.deepEqual(await collect(replay.replies("p"), 2), expected);

    // A young temporary file may be a writer's at work: the metadata is put in place, the file stays.
    const young = await store.verify({ fix: true });
    assert.deepEqual(young.problems.map((p) => [p.kind, p.path, p.fixed]), [
      ["reply", `${KEY.model}/${KEY.hash}/1.md`, true],
    ]);
    assert.equal(
      await Deno.readTextFile(`${folderOf(dir)}/replies/1.json`),
      metaFileText("", CALL),
    );
    assert.deepEqual(await new FsStore(dir).replies(KEY, 0), expected);
    assert.ok(young.notes.some((note) => note.includes(".tmp-killed-0")), young.notes.join("\n"));
    assert.deepEqual((await store.verify()).problems, []);
  });
});

Deno.test("FsStore.verify: an old killed writer's metadata is put in place before its temporary files go", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await store.append(KEY, { from: 0, samples: ["a"], prompt: "p" });
    await killedAfterClaim(dir, 1, "b", 120_000);
    const found = await store.verify();
    assert.deepEqual(found.problems.map((p) => [p.kind, p.fixed]), [
      ["reply", false],
      ["temp", false],
      ["temp", false],
    ]);
    const fixed = await store.verify({ fix: true });
    assert.deepEqual(fixed.problems.map((p) => [p.kind, p.fixed]), [
      ["reply", true],
      ["temp", true],
    ]);
    const names = [...Deno.readDirSync(folderOf(dir))].map((e) => e.name).sort();
    assert.deepEqual(names, ["0.md", "1.md", "prompt.txt", "replies"]);
    const replies = [...Deno.readDirSync(`${folderOf(dir)}/replies`)].map((e) => e.name);
    assert.deepEqual(replies, ["1.json"]);
    assert.deepEqual((await store.replies(KEY, 1))[0]!.toolCalls, CALL.toolCalls);
  });
});

Deno.test("FsStore.replies: metadata left by a sample replaced by hand never attaches to the new one", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await store.append(KEY, { from: 0, samples: ["old", "x"], prompt: "p", meta: [CALL, CALL] });
    // Removed by hand, its metadata left behind; another sample takes the index.
    await Deno.remove(`${folderOf(dir)}/0.md`);
    const fresh = new FsStore(dir);
    assert.deepEqual(await fresh.append(KEY, { from: 0, samples: ["new"] }), ["new"]);
    assert.deepEqual((await fresh.replies(KEY, 0))[0], { text: "new", toolCalls: [] });
    const found = await fresh.verify();
    assert.deepEqual(found.problems.map((p) => [p.kind, p.path]), [
      ["reply", `${KEY.model}/${KEY.hash}/replies/0.json`],
    ]);
    assert.match(found.problems[0]!.detail, /digest is not 0\.md's/);
    // A writer with metadata of its own replaces such a file.
    await Deno.remove(`${folderOf(dir)}/1.md`);
    await new FsStore(dir).append(KEY, { from: 1, samples: ["y"], meta: [{ refusal: "no" }] });
    assert.deepEqual((await new FsStore(dir).replies(KEY, 1))[0], {
      text: "y",
      toolCalls: [],
      refusal: "no",
    });
    // A metadata file whose sample is gone is ignored too.
    await Deno.writeTextFile(`${folderOf(dir)}/replies/5.json`, metaFileText("z", CALL));
    assert.ok((await store.verify()).problems.some((p) => /5\.md is missing/.test(p.detail)));
  });
});

Deno.test("FsStore.replies: a metadata file that is a link, or not metadata, is refused, naming it", async () => {
  // The link points at a metadata file outside the prompt folder.
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await store.append(KEY, { from: 0, samples: ["a", "b"], prompt: "p" });
    await Deno.writeTextFile(`${dir}/outside.json`, metaFileText("a", CALL));
    await Deno.mkdir(`${folderOf(dir)}/replies`);
    await symlink("../../../outside.json", `${folderOf(dir)}/replies/0.json`);
    await assert.rejects(new FsStore(dir).replies(KEY, 0), /0\.json.*symbolic link/);
    await Deno.remove(`${folderOf(dir)}/replies/0.json`);
    await Deno.writeTextFile(`${folderOf(dir)}/replies/1.json`, '{"toolCalls": 7}');
    await assert.rejects(
      new FsStore(dir).replies(KEY, 0),
      (error: Error) =>
        error instanceof TypeError &&
        error.message.includes(`${folderOf(dir)}/replies/1.json`),
    );
    // Texts never read metadata: a replay of texts is untouched.
    const replay = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    assert.deepEqual(await collect(replay.sample("p"), 2), ["a", "b"]);
    const found = await store.verify();
    assert.ok(found.problems.some((p) => p.kind === "unreadable" && p.path.endsWith("1.json")));
  });
});

Deno.test("removeRecorded: pruning samples removes their metadata files first", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    await store.append(KEY, {
      from: 0,
      samples: ["a", "b", "c"],
      prompt: "p",
      meta: [CALL, CALL, CALL],
    });
    const [recorded] = recordings(dir);
    removeRecorded(dir, recorded!, 1);
    const names = [...Deno.readDirSync(folderOf(dir))].map((e) => e.name).sort();
    assert.deepEqual(names, ["0.md", "prompt.txt", "replies"]);
    const replies = [...Deno.readDirSync(`${folderOf(dir)}/replies`)].map((e) => e.name);
    assert.deepEqual(replies, ["0.json"]);
  });
});
