// The command line end to end: `deno run cli/mod.ts …` as a subprocess with
// narrow permissions, on fixture caches.

import assert from "node:assert/strict";
import { main } from "../../cli/mod.ts";
import { promptHash } from "../../core/model_key.ts";
import { collect } from "../../core/iterators.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { figureCells } from "../../core/figure_text.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { freshRedisSpec, REDIS_URL, skipRedis } from "../_support/redis_url.ts";
import { expected, MNIMI_CACHE } from "../_support/mnimi_fixture.ts";
import { symlink } from "../_support/symlink.ts";
import { withTempDir } from "../_support/temp_dir.ts";
import { cli, type Run } from "../_support/cli_run.ts";

const SHARED = "../shared/fixtures/mnimi-cache";
const CHOOSE = "Choose a number between 1 and 1000.";

function sharedFixtureMissing(): boolean {
  try {
    Deno.statSync(SHARED);
    return false;
  } catch {
    if (Deno.env.get("CI") === "true") return false; // the test runs, and fails loudly
    console.warn(`\n!!! SKIPPING the CLI test on ${SHARED}: the folder is absent !!!\n`);
    return true;
  }
}

for (const [name, root] of [["the fixture copy", MNIMI_CACHE], ["the shared fixture", SHARED]]) {
  Deno.test({
    name: `cache: stats, ls, show and verify read ${name} (written by Python)`,
    ignore: root === SHARED && sharedFixtureMissing(),
    async fn() {
      const stats = await cli(["stats", root!, "--json"]);
      assert.equal(stats.code, 0, stats.stderr);
      assert.equal(stats.stderr, "", "progress only on a terminal");
      const totals = JSON.parse(stats.stdout).total;
      const bytes = expected.reduce(
        (n, e) => n + e.samples.reduce((m, s) => m + new TextEncoder().encode(s).length, 0),
        0,
      );
      assert.deepEqual(totals, { models: 5, prompts: 30, samples: 124, bytes });

      const ls = await cli(["ls", root!, "qwen2.5-7b_0.123", "--json"]);
      assert.equal(ls.code, 0, ls.stderr);
      const counts = Object.fromEntries(
        JSON.parse(ls.stdout).prompts.map((p: { hash: string; samples: number }) => [
          p.hash,
          p.samples,
        ]),
      );
      for (const e of expected.filter((e) => e.alias === "qwen2.5-7b")) {
        assert.equal(counts[e.prompt_sha256], e.samples.length);
      }

      const show = await cli(["show", root!, "gpt-4o_1", CHOOSE, "--json"]);
      assert.equal(show.code, 0, show.stderr);
      const want = expected.find((e) =>
        e.alias === "gpt-4o" && e.temperature === 1 && e.prompt === CHOOSE
      )!;
      assert.deepEqual(JSON.parse(show.stdout), {
        model: "gpt-4o_1",
        hash: want.prompt_sha256,
        prompt: CHOOSE,
        samples: want.samples,
      });

      const verify = await cli(["verify", root!]);
      assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      assert.match(verify.stdout, /30 prompts, 124 samples\nno problems found/);
    },
  });
}

Deno.test("cache: readable text output", async () => {
  const stats = await cli(["stats", MNIMI_CACHE]);
  assert.equal(stats.code, 0, stats.stderr);
  assert.match(stats.stdout, /^tests\/fixtures\/mnimi-cache\nmodel +prompts +samples +size\n/);
  // Binary units, as the notebook views show them (19,787 bytes).
  assert.match(stats.stdout, /\ngpt-4o_1 +6 +24 +4\.1 KiB\n/);
  assert.match(stats.stdout, /\ntotal \(5 models\) +30 +124 +19\.3 KiB\n$/);

  const ls = await cli(["ls", MNIMI_CACHE]);
  assert.equal(ls.code, 0, ls.stderr);
  assert.match(ls.stdout, /^accounts\/fireworks\/models\/llama-v3p1-8b-instruct_0\.7\n {2}1e4e3c/);
  assert.match(ls.stdout, /\n {2}b11eebdc[0-9a-f]{56} +7 +\(prompt text not recorded\)\n/);

  const show = await cli(["show", MNIMI_CACHE, "gpt-4o_1", "b11eebdc"]);
  assert.equal(show.code, 0, show.stderr);
  assert.match(show.stdout, /^model {4}gpt-4o_1\nhash {5}b11eebdc/);
  assert.match(show.stdout, /\nsamples {2}7\n\n\[0\]\nÜnïcödé — 你好, мир 🌍 #849\n\n\[1\]\n418\n/);
});

Deno.test("cache show: a missing sequence exits 1; an ambiguous prefix is a usage error", async () => {
  const missing = await cli(["show", MNIMI_CACHE, "gpt-4o_1", "never asked"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nothing stored for gpt-4o_1 [0-9a-f]{64}/);
  await withTempDir(async (dir) => {
    // Folder names that share their first eight digits (not real prompt hashes).
    for (const hash of ["aaaaaaaa".padEnd(64, "1"), "aaaaaaaa".padEnd(64, "2")]) {
      await Deno.mkdir(`${dir}/m_1/${hash}`, { recursive: true });
      await Deno.writeTextFile(`${dir}/m_1/${hash}/0.md`, hash.slice(-1));
    }
    const ambiguous = await cli(["show", dir, "m_1", "aaaaaaaa"]);
    assert.equal(ambiguous.code, 2);
    assert.match(ambiguous.stderr, /aaaaaaaa starts 2 prompt hashes of m_1: give more digits/);
    const unique = await cli(["show", dir, "m_1", "aaaaaaaa2", "--json"]);
    assert.deepEqual(JSON.parse(unique.stdout).samples, ["2"]);
    const text = await cli(["show", dir, "m_1", "aaaaaaaa", "--text", "--json"]);
    assert.equal(text.code, 1, "taken as prompt text, which has no samples");
    assert.equal(JSON.parse(text.stdout).hash, promptHash("aaaaaaaa"));
  });
});

Deno.test("cache verify: finds every kind of problem; --fix removes only old temp files", async () => {
  await withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    assert.equal((await cli(["copy", MNIMI_CACHE, cache])).code, 0);
    const m = `${cache}/gpt-4o_1`;
    const choose = `${m}/b11eebdc377d238c4177aebce657eb33f91e3197cd8aa68afb94b7fb47e4cba2`;
    const empty = `${m}/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855`;
    await Deno.remove(`${choose}/2.md`); // gap: 3.md … 6.md hidden
    await Deno.writeTextFile(`${choose}/.tmp-old`, "half");
    await Deno.utime(`${choose}/.tmp-old`, new Date(Date.now() - 3_600_000), new Date(0));
    await Deno.writeTextFile(`${choose}/.tmp-young`, "writing");
    await Deno.writeTextFile(`${choose}/01.md`, "misnamed");
    await Deno.writeTextFile(`${choose}/prompt.txt`, "not the prompt");
    await Deno.writeFile(`${choose}/0.md`, new Uint8Array([0x34, 0xe4, 0xbd])); // cut-off UTF-8
    await Deno.writeTextFile(`${cache}/notes.txt`, "mine");
    for await (const f of Deno.readDir(empty)) await Deno.remove(`${empty}/${f.name}`);

    const found = await cli(["verify", cache, "--json"]);
    assert.equal(found.code, 1, found.stderr);
    const report = JSON.parse(found.stdout);
    const kinds = report.problems.map((p: { kind: string; path: string }) => `${p.kind} ${p.path}`);
    const c = "gpt-4o_1/b11eebdc377d238c4177aebce657eb33f91e3197cd8aa68afb94b7fb47e4cba2";
    assert.deepEqual(
      kinds.sort(),
      [
        `empty gpt-4o_1/e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855/`,
        `foreign notes.txt`,
        `gap ${c}/`,
        `name ${c}/01.md`,
        `prompt ${c}/prompt.txt`,
        `temp ${c}/.tmp-old`,
        `unreadable ${c}/0.md`,
      ].sort(),
    );
    assert.equal(report.notes.length, 1);
    assert.match(report.notes[0], /\.tmp-young: temporary file \d+ s old, left alone/);

    const text = await cli(["verify", cache]);
    assert.equal(text.code, 1);
    assert.match(text.stdout, /7 problem\(s\):\n/);
    assert.match(text.stdout, /\n {2}gap +gpt-4o_1\/b11e\S+ +2\.md is missing: 4 sample\(s\)/);
    assert.match(text.stdout, /run again with --fix/);

    const fixed = await cli(["verify", cache, "--fix", "--json"]);
    assert.equal(fixed.code, 1, "the other problems remain");
    const temp = JSON.parse(fixed.stdout).problems.find((p: { kind: string }) => p.kind === "temp");
    assert.equal(temp.fixed, true);
    await assert.rejects(Deno.stat(`${choose}/.tmp-old`), Deno.errors.NotFound);
    await Deno.stat(`${choose}/.tmp-young`);
    await Deno.stat(`${choose}/01.md`);
  });
});

Deno.test("cache verify: --fix exits 0 once only temp leftovers were wrong", async () => {
  await withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    assert.equal((await cli(["copy", MNIMI_CACHE, cache, "--model", "gpt-4o_0"])).code, 0);
    const folder =
      `${cache}/gpt-4o_0/49537fc28501c0fd80c45d6745ffd10df3ee9c8b3895ab173341c3f4c5e12efd`;
    await Deno.writeTextFile(`${folder}/.tmp-x`, "");
    await Deno.utime(`${folder}/.tmp-x`, new Date(0), new Date(0));
    const fixed = await cli(["verify", cache, "--fix"]);
    assert.equal(fixed.code, 0, fixed.stdout);
    assert.match(fixed.stdout, /0 problem\(s\), 1 fixed:\n {2}temp .* \(removed\)\n/);
    assert.equal((await cli(["verify", cache])).code, 0);
  });
});

Deno.test("cache copy: folder → KV → folder, idempotent, filtered, conflicts exit 1", async () => {
  await withTempDir(async (dir) => {
    const kv = `kv:${dir}/cache.db`;
    const first = await cli(["copy", MNIMI_CACHE, kv, "--json"]);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(
      { ...JSON.parse(first.stdout), from: "", to: "" },
      { from: "", to: "", sequences: 30, copied: 124, present: 0, conflicts: [] },
    );
    const again = await cli(["copy", MNIMI_CACHE, kv]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(
      again.stdout,
      /^copied 0 samples from .* \(30 sequences; 124 samples were already/,
    );

    const verified = await cli(["verify", kv]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /30 prompts, 124 samples\nno problems found/);

    const back = `${dir}/back`;
    const hash = promptHash(CHOOSE);
    const part = await cli(["copy", kv, back, "--model", "gpt-4o_1", "--hash", hash, "--json"]);
    assert.equal(part.code, 0, part.stderr);
    assert.equal(JSON.parse(part.stdout).copied, 7);
    const stats = JSON.parse((await cli(["stats", back, "--json"])).stdout);
    assert.deepEqual(stats.total, { models: 1, prompts: 1, samples: 7, bytes: stats.total.bytes });

    await Deno.writeTextFile(`${back}/gpt-4o_1/${hash}/7.md`, "extra");
    const other = `${back}/gpt-4o_0/${hash}`;
    await Deno.mkdir(other, { recursive: true });
    await Deno.writeTextFile(`${other}/0.md`, "different");
    const conflict = await cli(["copy", kv, back]);
    assert.equal(conflict.code, 1, conflict.stderr);
    assert.match(conflict.stdout, /1 conflicts: these indices of .* hold other values/);
    assert.match(
      conflict.stdout,
      new RegExp(`gpt-4o_0 ${hash} index 0: source ".*", target "different"`),
    );
    assert.equal(await Deno.readTextFile(`${other}/0.md`), "different");
  });
});

Deno.test({
  name: "cache copy: folder → Redis, and stats on it",
  ignore: skipRedis(),
  async fn() {
    const spec = freshRedisSpec("cli");
    const net = `--allow-net=${new URL(REDIS_URL!).host}`;
    const perms = ["--allow-read=tests", net];
    try {
      const copied = await cli(["copy", MNIMI_CACHE, spec], perms);
      assert.equal(copied.code, 0, copied.stderr);
      assert.match(copied.stdout, /^copied 124 samples .* to redis:\/\/.*\(prefix "test-cli-/);
      const stats = await cli(["stats", spec, "--json"], perms);
      assert.equal(JSON.parse(stats.stdout).total.samples, 124);
      const verify = await cli(["verify", spec], perms);
      assert.equal(verify.code, 0, verify.stdout);
    } finally {
      const { RedisStore } = await import("../../cache/redis_store.ts");
      const store = await RedisStore.connect(spec);
      await store.clear();
      await store.close();
    }
  },
});

Deno.test("cache: usage errors exit 2, help exits 0, store failures exit 3", async () => {
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /^Usage: cache <command>/);
  const unknown = await cli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "frobnicate"/);
  for (const command of ["stats", "ls", "show", "verify", "copy"]) {
    const help = await cli([command, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`^Usage: cache ${command} `));
  }
  const flag = await cli(["stats", MNIMI_CACHE, "--frob"]);
  assert.equal(flag.code, 2);
  assert.match(flag.stderr, /cache stats: .*--frob.*\nUsage: cache stats/);
  const missing = await cli(["show", MNIMI_CACHE]);
  assert.equal(missing.code, 2);
  const absent = await cli(["stats", "tests/.tmp/no-such-cache"]);
  assert.equal(absent.code, 2);
  assert.match(absent.stderr, /no cache at "tests\/.tmp\/no-such-cache"/);
  const denied = await cli(["stats", MNIMI_CACHE], []);
  assert.equal(denied.code, 3);
  assert.match(denied.stderr, /--allow-read/);
});

Deno.test("cache: progress goes to stderr only when it is a terminal", async () => {
  await withTempDir(async (dir) => {
    for (const progress of [false, true]) {
      let out = "";
      let err = "";
      const io = { out: (t: string) => out += t, err: (t: string) => err += t, progress };
      assert.equal(await main(["copy", MNIMI_CACHE, `${dir}/${progress}`], io), 0);
      assert.match(out, /^copied 124 samples/);
      if (progress) {
        // deno-lint-ignore no-control-regex -- the terminal's erase-line sequence
        assert.match(err, /^\r\x1b\[Kcopying: \d+\/30 sequences, \d+ samples.*\r\x1b\[K$/s);
      } else assert.equal(err, "");
    }
  });
});

Deno.test("cache show: terminal control characters are escaped, --json is exact", async () => {
  await withTempDir(async (dir) => {
    const hash = promptHash("p");
    await Deno.mkdir(`${dir}/m_1/${hash}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/m_1/${hash}/0.md`, "red\x1b[31m\r\nbell\x07\ttab");
    let out = "";
    const io = { out: (t: string) => out += t, err: () => {}, progress: false };
    assert.equal(await main(["show", dir, "m_1", "p"], io), 0);
    assert.match(out, /\n\[0\]\nred\\x1b\[31m\\r\nbell\\x07\ttab\n$/);
    out = "";
    assert.equal(await main(["show", dir, "m_1", hash, "--json"], io), 0);
    assert.deepEqual(JSON.parse(out).samples, ["red\x1b[31m\r\nbell\x07\ttab"]);
  });
});

/** Runs the command line in this process; returns the exit code and what it wrote. */
async function run(args: string[]): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const io = { out: (t: string) => stdout += t, err: (t: string) => stderr += t, progress: false };
  return { code: await main(args, io), stdout, stderr };
}

/** Writes `samples` as files of a prompt folder, as another program would. */
async function writeSequence(
  root: string,
  model: string,
  prompt: string | undefined,
  samples: Record<number, string | Uint8Array>,
  hash = promptHash(prompt ?? ""),
): Promise<string> {
  const folder = `${root}/${model}/${hash}`;
  await Deno.mkdir(folder, { recursive: true });
  if (prompt !== undefined) await Deno.writeTextFile(`${folder}/prompt.txt`, prompt);
  for (const [i, sample] of Object.entries(samples)) {
    if (typeof sample === "string") await Deno.writeTextFile(`${folder}/${i}.md`, sample);
    else await Deno.writeFile(`${folder}/${i}.md`, sample);
  }
  return folder;
}

Deno.test("cache copy: a sequence with a gap whose hidden samples differ is not touched, exit 1", async () => {
  await withTempDir(async (dir) => {
    await writeSequence(`${dir}/a`, "m_1", "p", { 0: "s0", 1: "s1", 2: "s2" });
    const target = await writeSequence(
      `${dir}/b`,
      "m_1",
      undefined,
      { 0: "s0", 2: "other" },
      promptHash("p"),
    );
    const copied = await run(["copy", `${dir}/a`, `${dir}/b`]);
    assert.equal(copied.code, 1, copied.stderr);
    assert.match(
      copied.stdout,
      /1 conflicts: .*\n {2}m_1 [0-9a-f]{64} index 2: source "s2", target "other"/,
    );
    assert.deepEqual((await Array.fromAsync(Deno.readDir(target))).map((e) => e.name).sort(), [
      "0.md",
      "2.md",
    ]);
  });
});

Deno.test("cache: a sample that is not UTF-8 is one error for show and copy, and unreadable for verify", async () => {
  await withTempDir(async (dir) => {
    const folder = await writeSequence(`${dir}/a`, "m_1", "p", {
      0: "fine",
      1: new Uint8Array([0x34, 0xe4, 0xbd]),
    });
    const named = new RegExp(`${folder}/1\\.md is not valid UTF-8`);
    const show = await run(["show", `${dir}/a`, "m_1", "p"]);
    assert.equal(show.code, 3);
    assert.match(show.stderr, named);
    const copied = await run(["copy", `${dir}/a`, `${dir}/b`]);
    assert.equal(copied.code, 3, "not exit 0 with rewritten bytes");
    assert.match(copied.stderr, named);
    await assert.rejects(Deno.stat(`${dir}/b/m_1/${promptHash("p")}/1.md`), Deno.errors.NotFound);
    const verified = await run(["verify", `${dir}/a`, "--json"]);
    assert.equal(verified.code, 1);
    assert.deepEqual(
      JSON.parse(verified.stdout).problems.map((
        p: { kind: string; path: string },
      ) => [p.kind, p.path]),
      [["unreadable", `m_1/${promptHash("p")}/1.md`]],
    );
  });
});

Deno.test("cache verify: a healthy prompt that starts with U+FEFF is no problem", async () => {
  await withTempDir(async (dir) => {
    const prompt = "\ufeffstarts with a byte order mark";
    await writeSequence(dir, "m_1", prompt, { 0: "\ufeffa sample too" });
    const verified = await run(["verify", dir]);
    assert.equal(verified.code, 0, verified.stdout);
    assert.match(verified.stdout, /1 prompts, 1 samples\nno problems found/);
    const show = await run(["show", dir, "m_1", prompt, "--json"]);
    assert.deepEqual(JSON.parse(show.stdout).samples, ["\ufeffa sample too"]);
  });
});

Deno.test("cache verify: links are reported, never followed", async () => {
  await withTempDir(async (dir) => {
    const folder = await writeSequence(`${dir}/cache`, "m_1", "p", { 0: "s0" });
    await Deno.writeTextFile(`${dir}/secret.txt`, "outside");
    await symlink("../../../secret.txt", `${folder}/1.md`);
    await symlink("m_1", `${dir}/cache/alias_1`);
    const verified = await run(["verify", `${dir}/cache`, "--json"]);
    assert.equal(verified.code, 1);
    assert.deepEqual(
      JSON.parse(verified.stdout).problems.map((
        p: { kind: string; path: string },
      ) => [p.kind, p.path]),
      [["link", "alias_1"], ["link", `m_1/${promptHash("p")}/1.md`]],
    );
  });
});

Deno.test("cache verify: in Deno KV, bad UTF-8 and refused keys are problems, not a crash", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/cache.kv`;
    const raw = await Deno.openKv(path);
    try {
      const hash = promptHash("p");
      const bytes = (text: string) => new TextEncoder().encode(text);
      await raw.set(["llm-cache", "model", "m_1"], "m_1");
      await raw.set(["llm-cache", "prompt", "m_1", hash], bytes("p"));
      await raw.set(["llm-cache", "sample", "m_1", hash, 0], new Uint8Array([0xff]));
      // What an older version could store: a model key that leaves the root.
      await raw.set(["llm-cache", "model", "../evil_1"], "../evil_1");
      await raw.set(["llm-cache", "prompt", "../evil_1", hash], bytes("p"));
    } finally {
      raw.close();
    }
    const verified = await run(["verify", `kv:${path}`, "--json"]);
    assert.equal(verified.code, 1, verified.stderr);
    const problems = JSON.parse(verified.stdout).problems;
    assert.deepEqual(problems.map((p: { kind: string; path: string }) => [p.kind, p.path]), [
      ["key", "../evil_1"],
      ["unreadable", `m_1 ${promptHash("p")}`],
    ]);
    assert.match(problems[1].detail, /not valid UTF-8/);
  });
});

Deno.test("cache ls: prompts in natural order (stats too), control characters in model keys escaped", async () => {
  await withTempDir(async (dir) => {
    for (const n of [12, 2, 1]) await writeSequence(dir, "m_1", `question ${n}`, { 0: "a" });
    await writeSequence(dir, "evil\x1b[2J_1", "p", { 0: "a" });
    const ls = await run(["ls", dir]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /question 1".*\n.*question 2".*\n.*question 12"/);
    assert.ok(!ls.stdout.includes("\x1b"), JSON.stringify(ls.stdout));
    assert.match(ls.stdout, /^evil\\x1b\[2J_1\n/);
    const stats = await run(["stats", dir]);
    assert.ok(!stats.stdout.includes("\x1b"), JSON.stringify(stats.stdout));
    assert.match(stats.stdout, /\nevil\\x1b\[2J_1 +1 +1 +1 B\n/);
    const json = await run(["ls", dir, "m_1", "--json"]);
    assert.deepEqual(
      JSON.parse(json.stdout).prompts.map((p: { prompt: string }) => p.prompt),
      ["question 1", "question 2", "question 12"],
    );
  });
});

Deno.test("cache stats: a Redis server that accepts but never answers exits 3 naming it", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) conns.push(conn);
  })().catch(() => {});
  try {
    // Takes reconnectFor's default, 10 s; it hung for ever before.
    const stats = await run(["stats", `redis://127.0.0.1:${listener.addr.port}`]);
    assert.equal(stats.code, 3);
    assert.match(stats.stderr, /cannot connect to Redis at redis:\/\/127\.0\.0\.1:\d+.*no answer/);
  } finally {
    listener.close();
    await accepting;
    for (const conn of conns) conn.close();
  }
});

Deno.test("cache stats: what the samples cost to draw, when usage is stored; verify accepts it", async () => {
  await withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    // One request of 4 and one of 2 (35 prompt tokens each, a completion token a sample),
    // then 3 samples of another prompt stored without usage.
    const model = new Persistent(new CountingModel("gpt-4o", 1, { maxBatch: 4 }), cache);
    await collect(model.sample(CHOOSE, 4), 4);
    await collect(model.sample(CHOOSE, 2), 6);
    await new FsStore(cache).append({ model: "old_1", hash: promptHash("p") }, {
      from: 0,
      samples: ["a", "b", "c"],
    });

    const text = await cli(["stats", cache]);
    assert.equal(text.code, 0, text.stderr);
    // What the store holds, then what it cost to draw: requests and tokens
    // first (the formatter's columns: see "cache stats: the usage columns …").
    assert.match(text.stdout, /\nmodel +prompts +samples +size +requests +prompt tokens +/);
    assert.match(text.stdout, /\ngpt-4o_1 +1 +6 +6 B +2 +70 +6 /);
    assert.match(text.stdout, /\nold_1 +1 +3 +3 B +0 +0 +0 /);
    assert.match(text.stdout, /\ntotal \(2 models\) +2 +9 +9 B +2 +70 +6 /);
    assert.match(
      text.stdout,
      /\n3 of 9 samples have no stored token usage .*: the token columns leave them out\n$/,
    );

    const { models, total } = JSON.parse((await cli(["stats", cache, "--json"])).stdout);
    const { queryTime, ...usage } = total.usage;
    assert.deepEqual(usage, { samples: 6, requests: 2, promptTokens: 70, completionTokens: 6 });
    assert.ok(queryTime >= 0);
    assert.equal(models[1].usage.samples, 0);

    // A torn usage line is a note for verify, not a problem.
    await Deno.writeTextFile(
      `${cache}/gpt-4o_1/${promptHash(CHOOSE)}/usage.jsonl`,
      '{"from":6,"cou',
      { append: true },
    );
    const verified = await cli(["verify", cache]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    assert.match(verified.stdout, /usage\.jsonl: 1 line\(s\) are not whole usage records/);
    assert.match(verified.stdout, /no problems found/);
  });
  // A cache without usage shows no usage columns, as before.
  const old = await cli(["stats", MNIMI_CACHE, "--json"]);
  assert.ok(!("usage" in JSON.parse(old.stdout).total));
});

Deno.test("stats: the usage columns of `cache stats` are the formatter's figures: headings with units, values rounded as everywhere", async () => {
  await withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    const model = new Persistent(
      new CountingModel("gpt-4o", 1, { maxBatch: 4, latency: 2 }),
      cache,
    );
    await collect(model.sample(CHOOSE, 4), 5);
    await model.store.close();
    const text = await cli(["stats", cache]);
    assert.equal(text.code, 0, text.stderr);
    const { models, total } = JSON.parse((await cli(["stats", cache, "--json"])).stdout);
    const lines = text.stdout.split("\n");
    const columns = (usage: Record<string, number>) => {
      const { samples: _, ...figures } = usage;
      return figureCells(figures);
    };
    const headings = columns(total.usage).map((c) => c.heading);
    assert.deepEqual(headings, [
      "requests",
      "prompt tokens",
      "completion tokens",
      "query time (s)",
    ]);
    const header = lines.find((l) => l.startsWith("model "))!;
    assert.deepEqual(header.split(/ {2,}/).slice(-headings.length), headings);
    for (const [label, usage] of [["gpt-4o_1", models[0].usage], ["total", total.usage]]) {
      const line = lines.find((l) => l.startsWith(`${label} `))!;
      const texts = columns(usage).map((c) => c.text);
      assert.deepEqual(line.split(/ {2,}/).slice(-texts.length), texts, line);
    }
  });
});
