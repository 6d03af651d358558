// `llmFixture` end to end: real `deno test` runs of a small suite, in a
// project folder of its own, recording from the local OpenAI-compatible
// server and replaying with read access to the fixture folder only.

import assert from "node:assert/strict";
import { main } from "../../cli/mod.ts";
import { readManifest } from "../../cache/manifest.ts";
import { FsStore } from "../../cache/fs_store.ts";
import { promptHash } from "../../core/model_key.ts";
import {
  fails,
  ok,
  PERMISSIONS,
  type Project,
  PRUNE,
  RECORD,
  RECORD_ENV,
  REPLAY,
  withProject,
} from "../_support/fixture_project.ts";

const CAPITAL = "What is the capital of France?";
const NUMBER = "Choose a number between 1 and 1000.";

Deno.test({
  name:
    "llmFixture: record with a server, replay with read access only, a changed prompt names the command",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      project.write(
        "chat_test.ts",
        server.url,
        `Deno.test("capital", async () => {
  expect(await collect(model.sample(${
          JSON.stringify(CAPITAL)
        }), 2), ["${CAPITAL}#0", "${CAPITAL}#1"]);
});`,
      );
      const recorded = ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      assert.match(recorded.output, /recorded 2 new samples in 1 sequence/);
      assert.equal(server.requests.length, 2);
      assert.equal(server.requests[0]!.authorization, "Bearer sk-test-key");
      const hash = promptHash(CAPITAL).slice(0, 8);
      assert.deepEqual(project.recorded("chat_test.ts"), {
        [`test-model_1/${hash}/0.md`]: `${CAPITAL}#0`,
        [`test-model_1/${hash}/1.md`]: `${CAPITAL}#1`,
      });

      // A fresh clone: no network, no key, no environment, read access only.
      const replayed = ok(await project.test(REPLAY, ["chat_test.ts"], [], { TEST_LLM_KEY: "" }));
      assert.doesNotMatch(replayed.output, /not used|recorded/);
      assert.equal(server.requests.length, 2);

      // Record again: nothing is missing, nothing is drawn or changed.
      ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      assert.equal(server.requests.length, 2);

      project.write(
        "chat_test.ts",
        server.url,
        `Deno.test("capital", async () => {
  await collect(model.sample("What is the capital of Italy?"), 1);
});`,
      );
      const missed = fails(await project.test(REPLAY, ["chat_test.ts"]));
      const message = missed.output.match(/ReplicationCacheMiss: (.*)/)?.[1];
      assert.ok(message !== undefined, missed.output);
      assert.match(
        message,
        /test-model_1\/[0-9a-f]{64} \(prompt "What is the capital of Italy\?"\)/,
      );
      assert.ok(
        message.endsWith("To record it, run: deno test -A chat_test.ts -- --llm-record"),
        message,
      );
      // The old recording is listed as unused, with the command that prunes it.
      assert.match(missed.output, /1 recorded sequence was not used in this run:/);
      assert.ok(
        missed.output.includes(
          `  test-model_1 ${promptHash(CAPITAL).slice(0, 12)} "${CAPITAL}": ` +
            `2 samples, none read`,
        ),
        missed.output,
      );
      assert.match(missed.output, /remove it with: deno test -A chat_test\.ts -- --llm-prune/);

      // A module that never recorded anything gets the same advice.
      project.write(
        "new_test.ts",
        server.url,
        `Deno.test("new", async () => {
  await collect(model.sample("hello"), 1);
});`,
      );
      const fresh = fails(await project.test(REPLAY, ["new_test.ts"]));
      assert.match(
        fresh.output,
        /ReplicationCacheMiss: .*has 0 stored sample\(s\), index 0 was asked for, in fixtures\/new_test\.ts\. To record it, run: deno test -A new_test\.ts -- --llm-record\n/,
      );
    });
  },
});

Deno.test({
  name:
    "llmFixture: prune leaves exactly what the module read: unused sequences and samples past it go",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const tests = (prompt: string, count: number) =>
        `Deno.test("capital", async () => {
  await collect(model.sample(${JSON.stringify(prompt)}), 1);
});
Deno.test("numbers", async () => {
  await collect(model.sample(${JSON.stringify(NUMBER)}, 4), ${count});
});`;
      project.write("chat_test.ts", server.url, tests(CAPITAL, 3));
      ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      const capital = promptHash(CAPITAL).slice(0, 8);
      const number = promptHash(NUMBER).slice(0, 8);
      assert.deepEqual(Object.keys(project.recorded("chat_test.ts")).sort(), [
        `test-model_1/${capital}/0.md`,
        `test-model_1/${number}/0.md`,
        `test-model_1/${number}/1.md`,
        `test-model_1/${number}/2.md`,
        `test-model_1/${number}/3.md`, // a batch of 4, one more than was read
      ]);

      // The suite changes: another prompt, and fewer numbers.
      project.write("chat_test.ts", server.url, tests("What is the capital of Italy?", 2));
      const listed = ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      assert.match(
        listed.output,
        /1 recorded sequence and 2 samples past the last index read were not used in this run:/,
      );
      assert.match(listed.output, /2 samples from index 2 on \(read indices 0 to 1\)/);

      // Replay cannot prune without write access, and says so.
      const refused = fails(await project.test(REPLAY, ["chat_test.ts"], ["--llm-prune"]));
      assert.match(
        refused.output,
        /pruning fixtures\/chat_test\.ts failed \(pruning needs --allow-write=fixtures\/chat_test\.ts\)/,
      );

      // A run that misses does not know what the suite uses: it does not prune.
      project.write("chat_test.ts", server.url, tests("What is the capital of Spain?", 2));
      const missed = fails(
        await project.test([...REPLAY, "--allow-write=fixtures"], ["chat_test.ts"], [
          "--llm-prune",
        ]),
      );
      assert.match(missed.output, /not pruned: 1 request for samples failed in this run/);
      assert.equal(Object.keys(project.recorded("chat_test.ts")).length, 6);
      project.write("chat_test.ts", server.url, tests("What is the capital of Italy?", 2));

      const pruned = ok(
        await project.test([...REPLAY, "--allow-write=fixtures"], ["chat_test.ts"], [
          "--llm-prune",
        ]),
      );
      assert.match(
        pruned.output,
        /removed 1 recorded sequence and 2 samples past the last index read this run did not use/,
      );
      const italy = promptHash("What is the capital of Italy?").slice(0, 8);
      assert.deepEqual(project.recorded("chat_test.ts"), {
        [`test-model_1/${italy}/0.md`]: "What is the capital of Italy?#0",
        [`test-model_1/${number}/0.md`]: `${NUMBER}#0`,
        [`test-model_1/${number}/1.md`]: `${NUMBER}#1`,
      });
      // The usage of the pruned samples goes with them (a later recording at
      // those indices must not inherit it): one request of 4, of which 2 stay.
      const usage = Deno.readTextFileSync(
        `${project.dir}/fixtures/chat_test.ts/test-model_1/${promptHash(NUMBER)}/usage.jsonl`,
      );
      assert.match(
        usage,
        /^\{"from":0,"count":2,"requests":1,"promptTokens":18,"completionTokens":2,"latencyMs":\d+\}\n$/,
      );
      // Pruned to exactly what the suite reads: a replay passes and lists nothing.
      const replayed = ok(await project.test(REPLAY, ["chat_test.ts"]));
      assert.doesNotMatch(replayed.output, /not used/);
    });
  },
});

Deno.test({
  name:
    "llmFixture: each test module prunes only its own recordings, also when modules run in parallel",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const tests = (prompt: string) =>
        `Deno.test("one", async () => {
  await collect(model.sample(${JSON.stringify(prompt)}), 1);
});`;
      project.write("a_test.ts", server.url, tests("a"));
      project.write("b_test.ts", server.url, tests("b"));
      ok(
        await project.test([...RECORD_ENV, "--parallel"], ["a_test.ts", "b_test.ts"], [
          "--llm-record",
        ]),
      );
      const a = project.recorded("a_test.ts");
      const b = project.recorded("b_test.ts");
      assert.equal(Object.keys(a).length, 1);
      assert.equal(Object.keys(b).length, 1);

      // Module a changes its prompt; pruning with both modules in the run keeps b whole.
      project.write("a_test.ts", server.url, tests("b"));
      const run = ok(
        await project.test(
          [...RECORD_ENV, "--parallel"],
          ["a_test.ts", "b_test.ts"],
          ["--llm-record", "--llm-prune"],
        ),
      );
      assert.match(run.output, /fixtures\/a_test\.ts: removed 1 recorded sequence/);
      assert.deepEqual(project.recorded("b_test.ts"), b);
      // The server's second draw for "b": a's recordings are its own.
      assert.deepEqual(Object.values(project.recorded("a_test.ts")), ["b#1"]);
    });
  },
});

Deno.test({
  name:
    "llmFixture: refresh draws everything again and swaps the new recordings in at the module's end",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const hash = promptHash(CAPITAL);
      project.write(
        "chat_test.ts",
        server.url,
        `Deno.test("capital", async () => {
  const samples = await collect(model.sample(${JSON.stringify(CAPITAL)}), 2);
  // While a refresh draws, the recording in the folder is still the old one.
  const old = Deno.readTextFileSync("fixtures/chat_test.ts/test-model_1/${hash}/0.md");
  if (Deno.args.includes("--llm-refresh") && (samples[0] === old || old !== "${CAPITAL}#0")) {
    throw new Error(\`overwritten during the run: \${old}\`);
  }
});`,
      );
      ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      const before = project.recorded("chat_test.ts");
      assert.deepEqual(Object.values(before), [`${CAPITAL}#0`, `${CAPITAL}#1`]);

      const refreshed = ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-refresh"]));
      assert.match(refreshed.output, /refreshed 1 sequence \(2 samples drawn again\)/);
      assert.equal(server.requests.length, 4);
      assert.deepEqual(Object.values(project.recorded("chat_test.ts")), [
        `${CAPITAL}#2`,
        `${CAPITAL}#3`,
      ]);
      // Nothing is left beside the folder, and the replay serves the new samples.
      const beside = () => [...Deno.readDirSync(`${project.dir}/fixtures`)].map((e) => e.name);
      assert.deepEqual(beside(), ["chat_test.ts"]);
      ok(await project.test(REPLAY, ["chat_test.ts"]));

      // A refresh whose draws fail changes nothing.
      server.inject({ kind: "bad_request" });
      const failed = fails(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-refresh"]));
      assert.match(failed.output, /refresh not applied: 1 request for samples failed in this run/);
      assert.deepEqual(Object.values(project.recorded("chat_test.ts")), [
        `${CAPITAL}#2`,
        `${CAPITAL}#3`,
      ]);
      assert.deepEqual(beside(), ["chat_test.ts"]);

      // What a refresh of an older version left beside the folder (not hidden
      // from git) is listed, and removed by the next run that may write there.
      Deno.mkdirSync(`${project.dir}/fixtures/chat_test.ts.refresh-0dead0/test-model_1/${hash}`, {
        recursive: true,
      });
      const listed = ok(await project.test(REPLAY, ["chat_test.ts"]));
      assert.match(
        listed.output,
        /llm fixtures: fixtures\/chat_test\.ts\.refresh-0dead0 is left from an interrupted refresh; the next run with --allow-write=fixtures removes it\n/,
      );
      const removed = ok(await project.test(PRUNE, ["chat_test.ts"]));
      assert.match(
        removed.output,
        /llm fixtures: removed fixtures\/chat_test\.ts\.refresh-0dead0, left from an interrupted refresh\n/,
      );
      assert.deepEqual(beside(), ["chat_test.ts"]);
    });
  },
});

/** Reads `child`'s output until it holds `marker`; the reader, to read on or cancel. */
async function readUntil(
  child: Deno.ChildProcess,
  marker: string,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<string> }> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes(marker)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the run ended before printing ${marker}:\n${text}`);
    text += value;
  }
  return { text, reader };
}

Deno.test({
  name:
    "llmFixture: a killed refresh leaves nothing to commit, and the next run that may write removes it",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "chat_test.ts";
      // While refreshing, the test waits for a line on its input after drawing.
      project.write(
        module,
        server.url,
        `Deno.test("capital", async () => {
  await collect(model.sample(${JSON.stringify(CAPITAL)}), 2);
  if (Deno.args.includes("--llm-refresh")) {
    console.log("DRAWN");
    await Deno.stdin.read(new Uint8Array(8));
  }
});`,
      );
      ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      const fixtures = `${project.dir}/fixtures`;
      const beside = () => [...Deno.readDirSync(fixtures)].map((e) => e.name).sort();

      // A refresh at work: another run, which may write, leaves its new recordings alone.
      const working = project.spawn(RECORD_ENV, [module], ["--llm-refresh"]);
      const started = await readUntil(working, "DRAWN");
      const [staging] = beside().filter((name) => name !== module);
      assert.match(staging!, /^\.chat_test\.ts\.refresh-[0-9a-f]{8}$/);
      const other = ok(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.doesNotMatch(other.output, /interrupted refresh/);
      assert.deepEqual(beside(), [staging, module].sort());
      const writer = working.stdin.getWriter();
      await writer.write(new TextEncoder().encode("go\n"));
      await writer.close();
      let rest = started.text;
      for (let read = await started.reader.read(); !read.done; read = await started.reader.read()) {
        rest += read.value;
      }
      const stderr = await new Response(working.stderr).text();
      assert.equal((await working.status).code, 0, rest + stderr);
      assert.match(rest, /refreshed 1 sequence \(2 samples drawn again\)/);
      assert.deepEqual(Object.values(project.recorded(module)), [`${CAPITAL}#2`, `${CAPITAL}#3`]);
      assert.deepEqual(beside(), [module]);

      // A refresh killed after drawing: what it leaves is a dot-folder git ignores.
      const killed = project.spawn(RECORD_ENV, [module], ["--llm-refresh"]);
      const drawn = await readUntil(killed, "DRAWN");
      killed.kill("SIGKILL");
      await drawn.reader.cancel();
      await killed.stderr.cancel();
      await killed.stdin.close();
      assert.notEqual((await killed.status).code, 0);
      const left = beside().filter((name) => name !== module);
      assert.equal(left.length, 1);
      assert.match(left[0]!, /^\.chat_test\.ts\.refresh-[0-9a-f]{8}$/);
      assert.equal(Deno.readTextFileSync(`${fixtures}/${left[0]}/.gitignore`), "*\n");
      assert.deepEqual(Object.values(project.recorded(module)), [`${CAPITAL}#2`, `${CAPITAL}#3`]);

      // A replay with read access only names it; the next run that may write removes it.
      const listed = ok(await project.test(REPLAY, [module]));
      assert.ok(
        listed.output.includes(
          `llm fixtures: fixtures/${left[0]} is left from an interrupted refresh (git ignores ` +
            `it); the next run with --allow-write=fixtures removes it`,
        ),
        listed.output,
      );
      const removed = ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      assert.ok(
        removed.output.includes(
          `llm fixtures: removed fixtures/${left[0]}, left from an interrupted refresh`,
        ),
        removed.output,
      );
      assert.deepEqual(beside(), [module]);
      assert.deepEqual(Object.values(project.recorded(module)), [`${CAPITAL}#2`, `${CAPITAL}#3`]);
    });
  },
});

Deno.test({
  name:
    "llmFixture: record and refresh without a permission give the fixture's advice, not Persistent's",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "chat_test.ts";
      project.write(
        module,
        server.url,
        `Deno.test("capital", async () => {
  await collect(model.sample(${JSON.stringify(CAPITAL)}), 1);
});`,
      );
      const readOnly = [
        "--allow-read=fixtures",
        "--allow-net=127.0.0.1",
        "--allow-env=CI,TEST_LLM_KEY",
      ];
      const write = fails(await project.test(readOnly, [module], ["--llm-record"]));
      assert.match(
        write.output,
        /NotCapable: llmFixture in record mode cannot record test-model_1\/[0-9a-f]{64} \(prompt "What is the capital of France\?"\) at index 0 in fixtures\/chat_test\.ts: .*write access.*\. Record with --allow-write=fixtures\/chat_test\.ts, or replay what is recorded \(the default mode, which never draws\)\n/,
      );
      const refresh = fails(await project.test(readOnly, [module], ["--llm-refresh"]));
      assert.match(
        refresh.output,
        /NotCapable: llmFixture in refresh mode writes the new recordings of fixtures\/chat_test\.ts beside it, in fixtures: .*write access.*\. Refresh with --allow-write=fixtures, or replay what is recorded \(the default mode, which never draws\)\n/,
      );
      const net = fails(
        await project.test(["--allow-read=fixtures", "--allow-write=fixtures", "--allow-env=CI"], [
          module,
        ], ["--llm-record"]),
      );
      assert.match(
        net.output,
        /NotCapable: llmFixture in record mode cannot record test-model_1\/[0-9a-f]{64} \(prompt "What is the capital of France\?"\) at index 0 in fixtures\/chat_test\.ts: .*--allow-(env|net).*\. Record with the permission named, or replay what is recorded \(the default mode, which never draws\)\n/,
      );
      for (const run of [write, refresh, net]) assert.doesNotMatch(run.output, /replication/);
      assert.equal(server.requests.length, 0);
      assert.deepEqual(project.recorded(module), {});
    });
  },
});

Deno.test({
  name:
    "llmFixture: under CI, record and refresh need an explicit opt-in; unknown flags are refused",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      project.write(
        "chat_test.ts",
        server.url,
        `Deno.test("capital", async () => {
  await collect(model.sample(${JSON.stringify(CAPITAL)}), 1);
});`,
      );
      const ci = { CI: "true" };
      for (const flag of ["--llm-record", "--llm-refresh"]) {
        const refused = fails(await project.test(RECORD_ENV, ["chat_test.ts"], [flag], ci));
        assert.match(
          refused.output,
          /refuses to re(cord|fresh) under CI=true: a CI run must never spend money/,
        );
        assert.match(refused.output, /--llm-allow-ci/);
      }
      // The variable alone is no opt-in either.
      const viaVariable = fails(
        await project.test(
          [...RECORD, "--allow-env=CI,TEST_LLM_KEY,LLM_FIXTURES"],
          ["chat_test.ts"],
          [],
          {
            ...ci,
            LLM_FIXTURES: "record",
          },
        ),
      );
      assert.match(viaVariable.output, /refuses to record under CI=true/);
      // Where CI cannot be read, recording refuses rather than guess.
      const blind = fails(
        await project.test([...RECORD, "--allow-env=TEST_LLM_KEY"], ["chat_test.ts"], [
          "--llm-record",
        ]),
      );
      assert.match(blind.output, /needs --allow-env=CI/);
      assert.equal(server.requests.length, 0);

      ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record", "--llm-allow-ci"], ci));
      ok(
        await project.test(
          [...RECORD, "--allow-env=CI,TEST_LLM_KEY,LLM_FIXTURES"],
          ["chat_test.ts"],
          [],
          {
            ...ci,
            LLM_FIXTURES: "refresh, allow-ci",
          },
        ),
      );
      assert.equal(server.requests.length, 2);

      // What counts as CI: any value but unset, blank, 0, false, no and off, in any case.
      for (const value of ["1", "yes", "woodpecker"]) {
        const refused = fails(
          await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"], { CI: value }),
        );
        assert.match(refused.output, new RegExp(`refuses to record under CI=${value}:`));
      }
      for (const value of ["", " ", "0", "false", "FALSE", "False", "no", "Off"]) {
        ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"], { CI: value }));
      }
      assert.equal(server.requests.length, 2);

      const typo = fails(await project.test(REPLAY, ["chat_test.ts"], ["--llm-recrod"]));
      assert.match(
        typo.output,
        /unknown flag "--llm-recrod": the words are record, refresh, replay/,
      );
    });
  },
});

Deno.test({
  name:
    "llmFixture: a test run writes its manifest on request, and cache copy --manifest copies that slice",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      project.write(
        "chat_test.ts",
        server.url,
        `Deno.test("numbers", async () => {
  await collect(model.sample(${JSON.stringify(NUMBER)}, 4), 3);
});`,
      );
      ok(await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record"]));
      const run = ok(
        await project.test([...REPLAY, "--allow-write=runs"], ["chat_test.ts"], [
          "--llm-manifest=runs",
        ]),
      );
      assert.match(run.output, /wrote the run manifest runs\/chat_test\.ts\.json/);
      const written = await readManifest(`${project.dir}/runs/chat_test.ts.json`);
      assert.equal(written.sequences.length, 1);
      const [entry] = written.sequences;
      assert.equal(entry!.model, "test-model_1");
      assert.equal(entry!.store, "fixtures/chat_test.ts");
      assert.deepEqual(entry!.served, [[0, 2]]);
      assert.deepEqual(entry!.hits, [[0, 2]]);
      assert.deepEqual(entry!.drawn, []);
      assert.deepEqual(entry!.spent, {
        requests: 0,
        promptTokens: 0,
        completionTokens: 0,
        queryTime: 0,
      });

      const target = `${project.dir}/paper-cache`;
      const io = { out: () => {}, err: (t: string) => assert.fail(t), progress: false };
      const code = await main([
        "copy",
        `${project.dir}/fixtures/chat_test.ts`,
        target,
        "--manifest",
        `${project.dir}/runs/chat_test.ts.json`,
      ], io);
      assert.equal(code, 0);
      const key = { model: "test-model_1", hash: promptHash(NUMBER) };
      assert.deepEqual(
        await new FsStore(target).load(key, 0),
        [0, 1, 2].map((i) => `${NUMBER}#${i}`),
      );
      assert.equal(
        await Deno.readTextFile(`${target}/test-model_1/${key.hash}/prompt.txt`),
        NUMBER,
      );
    });
  },
});

Deno.test({
  name:
    "llmFixture: an agent's replies are recorded whole, replayed with read access only, and pruned with their metadata",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      server.options.tools = "distinct";
      const agent = (episodes: number, second: boolean) =>
        `const chat = {
  tools: [{ name: "add", parameters: { type: "object" } }],
  messages: [{ role: "user", content: "Add 1." }],
};
Deno.test("agent", async () => {
  const firsts = await collect(model.replies(chat), ${episodes});
  for (const reply of firsts) {
    if (reply.text !== "" || reply.toolCalls.length !== 1 || reply.finishReason !== "tool_calls") {
      throw new Error("not a tool call: " + JSON.stringify(reply));
    }
  }
  if (${second}) {
    const [call] = firsts[0].toolCalls;
    const next = {
      ...chat,
      messages: [
        ...chat.messages,
        { role: "assistant", content: "", toolCalls: [call] },
        { role: "tool", toolCallId: call.id, content: "42" },
      ],
    };
    const [answer] = await collect(model.replies(next), 1);
    expect([answer.text, answer.finishReason], ["42#0", "stop"]);
  }
});`;
      project.write("agent_test.ts", server.url, agent(2, true));
      ok(await project.test(RECORD_ENV, ["agent_test.ts"], ["--llm-record"]));
      const requests = server.requests.length;
      const recorded = filesOf(project, "agent_test.ts");
      const start = promptHash({
        tools: [{ name: "add", parameters: { type: "object" } }],
        messages: [{ role: "user", content: "Add 1." }],
      }).slice(0, 8);
      assert.deepEqual(
        recorded.filter((f) => f.includes(start)),
        ["0.md", "1.md", "prompt.txt", "replies/0.json", "replies/1.json", "usage.jsonl"].map((f) =>
          `test-model_1/${start}/${f}`
        ),
      );
      assert.equal(recorded.filter((f) => /\.md$/.test(f)).length, 3);

      // Replayed whole, with read access only and no key: no request.
      ok(await project.test(REPLAY, ["agent_test.ts"], [], { TEST_LLM_KEY: "" }));
      assert.equal(server.requests.length, requests);

      // The module reads less: pruning takes the samples and their metadata.
      project.write("agent_test.ts", server.url, agent(1, false));
      const pruned = ok(await project.test(PRUNE, ["agent_test.ts"], ["--llm-prune"]));
      assert.match(pruned.output, /removed 1 recorded sequence and 1 sample past the last index/);
      assert.deepEqual(filesOf(project, "agent_test.ts"), [
        `test-model_1/${start}/0.md`,
        `test-model_1/${start}/prompt.txt`,
        `test-model_1/${start}/replies/0.json`,
        `test-model_1/${start}/usage.jsonl`,
      ]);
      ok(await project.test(REPLAY, ["agent_test.ts"]));
    });
  },
});

/** Every file of a module's recordings, `<model>/<hash8>/<name>`, sorted. */
function filesOf(project: Project, module: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const entry of Deno.readDirSync(dir)) {
      const path = `${rel}${rel === "" ? "" : "/"}${entry.name}`;
      if (entry.isDirectory) walk(`${dir}/${entry.name}`, path);
      else out.push(path.replace(/[0-9a-f]{64}/, (h) => h.slice(0, 8)));
    }
  };
  walk(`${project.dir}/fixtures/${module}`, "");
  return out.sort();
}
