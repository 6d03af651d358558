// The table of store kinds (issue 18, item 1): one table that openStore,
// storeOf, the spec parser, the command line and its errors read; kinds added
// at run time are checked before they are added, and what each kind needs is
// said once, in its entry.

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { openParsed, openStore, storeOf } from "../../cache/open_store.ts";
import {
  registerStoreKind,
  type StoreKind,
  storeKind,
  storeKinds,
} from "../../cache/store_kinds.ts";
import { parseStoreSpec } from "../../cache/store_spec.ts";
import { main } from "../../cli/mod.ts";
import { withTempDir } from "../_support/temp_dir.ts";

/** A kind over folders, named `<scheme>:<folder>`, for these tests. */
function folderKind(name: string, scheme = name): StoreKind {
  return {
    name,
    schemes: [scheme],
    forms: [`${scheme}:<folder>`],
    help: `folders named ${scheme}:`,
    parse: ({ rest }) => ({ location: `${scheme}:${rest}`, path: rest, target: rest }),
    open: (spec) => Promise.resolve(new FsStore(spec.target)),
    permissions: (spec) => [`--allow-read=${spec.target}`],
  };
}

Deno.test("registerStoreKind: a taken name or scheme, a malformed scheme or a kind without its parts is refused, and the table is unchanged", () => {
  const before = storeKinds().map((k) => k.name);
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ ...folderKind("sqlite", "sqlite2") }, /the name is taken/],
    [
      { ...folderKind("mine", "redis") },
      /the scheme "redis:" already names the store kind "redis"/,
    ],
    [{ ...folderKind("mine", "c") }, /the scheme "c" is not two or more lower-case letters/],
    [{ ...folderKind("mine", "My") }, /the scheme "My" is not/],
    [{ ...folderKind("mine"), schemes: [] }, /it needs a scheme/],
    [{ ...folderKind("mine"), forms: [] }, /it needs forms/],
    [{ ...folderKind("mine"), open: undefined }, /it has no open\(\) method/],
    [{ ...folderKind("mine"), name: "" }, /it needs a name/],
  ];
  for (const [kind, why] of refused) {
    assert.throws(() => registerStoreKind(kind as unknown as StoreKind), TypeError);
    assert.throws(() => registerStoreKind(kind as unknown as StoreKind), why);
  }
  assert.deepEqual(storeKinds().map((k) => k.name), before);
});

Deno.test("registerStoreKind: a registered kind is read by openStore, storeOf, the parser and the command line, and forgotten once removed", () =>
  withTempDir(async (dir) => {
    const unregister = registerStoreKind(folderKind("shelf"));
    try {
      assert.deepEqual(parseStoreSpec(`SHELF:${dir}`), {
        kind: "shelf",
        location: `shelf:${dir}`,
        path: dir,
        target: dir,
      });
      assert.equal(storeOf(`shelf:${dir}`).location, `shelf:${dir}`, "known before it is opened");
      const store = await openStore(`shelf:${dir}`);
      assert.ok(store instanceof FsStore);
      await store.close();
      // Errors list every form, the registered one too, and suggest it.
      await assert.rejects(openStore("shelv:x"), /did you mean "shelf:"\?.*shelf:<folder>/);
      let err = "";
      const io = { out: () => {}, err: (text: string) => void (err += text), progress: false };
      assert.equal(await main(["stats", "shelv:x"], io), 2);
      assert.match(err, /or shelf:<folder>/);
      assert.equal(await main(["stats", `shelf:${dir}`], { ...io, err: () => {} }), 0);
    } finally {
      unregister();
    }
    await assert.rejects(openStore(`shelf:${dir}`), /"shelf:" is not a store scheme/);
    assert.throws(() => storeKind("shelf"), /there is no store kind "shelf"/);
  }));

Deno.test("StoreKind.permissions: each built-in kind names what a process needs to read it and to write it", () => {
  const flags = (spec: string, mode: "read" | "write") => {
    const parsed = parseStoreSpec(spec);
    return storeKind(parsed.kind).permissions(parsed, mode);
  };
  assert.deepEqual(flags("cache", "read"), ["--allow-read=cache"]);
  assert.deepEqual(flags("cache", "write"), ["--allow-read=cache", "--allow-write=cache"]);
  assert.deepEqual(flags("sqlite:c.db", "read"), ["--allow-read=c.db"]);
  // Deno KV writes a database even to read it.
  assert.deepEqual(flags("kv:c.kv", "read"), [
    "--unstable-kv",
    "--allow-read=c.kv",
    "--allow-write=c.kv",
  ]);
  assert.deepEqual(flags("kv:", "read"), ["--unstable-kv", "--allow-read", "--allow-write"]);
  assert.deepEqual(flags("redis://:pw@example.org:7000/1", "write"), [
    "--allow-net=example.org:7000",
  ]);
});

Deno.test("openParsed: a folder opened read-only must exist and be a cache; opened to write, any folder is one", () =>
  withTempDir(async (dir) => {
    await assert.rejects(
      openParsed(parseStoreSpec(`${dir}/missing`), { readOnly: true }),
      Deno.errors.NotFound,
    );
    await Deno.writeTextFile(`${dir}/notes.txt`, "not a cache");
    await assert.rejects(
      openParsed(parseStoreSpec(dir), { readOnly: true }),
      /is not a cache: it holds 1 file \(notes\.txt\)/,
    );
    const writable = await openParsed(parseStoreSpec(dir));
    assert.equal(writable.location, dir);
    await writable.close();
  }));
