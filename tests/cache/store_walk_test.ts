// The one walk over a store (cache/walk.ts) that `cache ls`, `cache stats`,
// `cache verify` and `cacheOverview` share (issue 10, item 4): one order, one
// key check, one way of reading a sequence, one way of handling refusals.

import assert from "node:assert/strict";
import type { PromptEntry, SequenceKey, Store } from "../../cache/store.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { walkStore } from "../../cache/walk.ts";
import { promptHash } from "../../core/model_key.ts";
import { main } from "../../cli/mod.ts";
import { cacheOverview } from "../../notebooks/mod.ts";
import { withTempDir } from "../_support/temp_dir.ts";

async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const io = { out: (t: string) => out += t, err: () => {}, progress: false };
  return { code: await main(args, io), out };
}

/** A store whose listing and loading fail as told, for the refusal paths. */
class FaultyStore implements Store {
  readonly location = "faulty";
  constructor(readonly faults: Record<string, Error>) {}
  load(key: SequenceKey): Promise<string[]> {
    const fault = this.faults[key.hash];
    return fault === undefined ? Promise.resolve(["é"]) : Promise.reject(fault);
  }
  append(): Promise<string[]> {
    return Promise.reject(new Error("read-only"));
  }
  async *models(): AsyncIterableIterator<string> {
    yield* ["m_2", "../old_1", "m_10"];
  }
  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    if (model === "../old_1") throw new TypeError("model key refused");
    yield* ["a", "b", "c"].map((c) => ({ hash: c.repeat(64), prompt: c }));
    yield { hash: "not a hash", prompt: "d" };
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

Deno.test("walkStore: model keys and prompts in natural order, each read once with its size", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    for (const model of ["m_10", "m_2"]) {
      for (const prompt of ["question 12", "question 2"]) {
        await store.append({ model, hash: promptHash(prompt) }, {
          from: 0,
          samples: ["42", "é"],
          prompt,
        });
      }
    }
    const walked = await Array.fromAsync(walkStore(store));
    assert.deepEqual(walked.map((s) => `${s.model} ${s.prompt}`), [
      "m_2 question 2",
      "m_2 question 12",
      "m_10 question 2",
      "m_10 question 12",
    ]);
    assert.deepEqual(walked[0]!.samples, ["42", "é"]);
    assert.equal(walked[0]!.bytes, 4);
    const only = await Array.fromAsync(walkStore(store, { model: "m_10" }));
    assert.deepEqual(only.map((s) => s.prompt), ["question 2", "question 12"]);
  });
});

Deno.test("walkStore: ls, stats and cacheOverview report what the walk reads", async () => {
  await withTempDir(async (dir) => {
    const store = new FsStore(dir);
    for (const prompt of ["item 12", "item 2"]) {
      await store.append({ model: "m_1", hash: promptHash(prompt) }, {
        from: 0,
        samples: ["x"],
        prompt,
      });
    }
    const walked = await Array.fromAsync(walkStore(store));
    const ls = JSON.parse((await cli(["ls", dir, "--json"])).out).prompts;
    assert.deepEqual(ls.map((p: { hash: string }) => p.hash), walked.map((s) => s.hash));
    const stats = JSON.parse((await cli(["stats", dir, "--json"])).out).total;
    assert.equal(stats.bytes, walked.reduce((n, s) => n + s.bytes, 0));
    const overview = await cacheOverview(store);
    assert.deepEqual(overview.sequences.map((s) => s.hash), walked.map((s) => s.hash));
    assert.deepEqual(overview.sequences.map((s) => s.first), ["x", "x"]);
  });
});

Deno.test("walkStore: refused keys and unreadable samples are thrown, or reported and skipped", async () => {
  const store = new FaultyStore({ ["b".repeat(64)]: new TypeError("not valid UTF-8") });
  await assert.rejects(Array.fromAsync(walkStore(store)), new TypeError("model key refused"));

  const refusals: string[] = [];
  const walked = await Array.fromAsync(walkStore(store, {
    onRefused: (r) =>
      refusals.push(`${r.kind} ${r.model} ${r.hash?.[0] ?? "-"}: ${r.error.message}`),
  }));
  assert.deepEqual(walked.map((s) => `${s.model} ${s.prompt}`), [
    "m_2 a",
    "m_2 c",
    "m_10 a",
    "m_10 c",
  ]);
  assert.deepEqual(refusals.map((r) => r.replace(/: .*/, "")), [
    "key ../old_1 -",
    "unreadable m_2 b",
    "key m_2 n",
    "unreadable m_10 b",
    "key m_10 n",
  ]);
  assert.match(refusals[2]!, /prompt hash "not a hash" is not 64 lowercase hex digits/);
});

Deno.test("walkStore: an error that is no refusal (I/O, a lost connection) ends the walk", async () => {
  const store = new FaultyStore({ ["a".repeat(64)]: new Error("connection lost") });
  const refusals: unknown[] = [];
  await assert.rejects(
    Array.fromAsync(walkStore(store, { onRefused: (r) => refusals.push(r) })),
    new Error("connection lost"),
  );
  assert.equal(refusals.length, 1, "only the refused model key before it");
});

Deno.test("cache verify: in Deno KV, problems come in the order ls lists the sequences", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.kv`;
    const raw = await Deno.openKv(path);
    try {
      // Prompts listed without samples: one "empty" problem each.
      for (const model of ["m_10", "m_2"]) {
        await raw.set(["llm-cache", "model", model], model);
        for (const prompt of ["item 12", "item 2"]) {
          const text = new TextEncoder().encode(prompt);
          await raw.set(["llm-cache", "prompt", model, promptHash(prompt)], text);
        }
      }
    } finally {
      raw.close();
    }
    const verified = await cli(["verify", `kv:${path}`, "--json"]);
    assert.equal(verified.code, 1, verified.out);
    const problems = JSON.parse(verified.out).problems as { kind: string; path: string }[];
    const ls = JSON.parse((await cli(["ls", `kv:${path}`, "--json"])).out).prompts as {
      model: string;
      hash: string;
    }[];
    assert.deepEqual(problems.map((p) => p.kind), ["empty", "empty", "empty", "empty"]);
    assert.deepEqual(problems.map((p) => p.path), ls.map((p) => `${p.model} ${p.hash}`));
    assert.deepEqual(ls.map((p) => p.model), ["m_2", "m_2", "m_10", "m_10"]);
  });
});
