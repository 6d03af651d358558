// What `--llm-prune` may remove: only after a run in which every test of the
// module ran and passed, only what belongs to the module's own fixture folder,
// and what its messages say about it.

import assert from "node:assert/strict";
import { promptHash } from "../../core/model_key.ts";
import {
  fails,
  ok,
  PERMISSIONS,
  PRUNE,
  RECORD_ENV,
  REPLAY,
  withProject,
} from "../_support/fixture_project.ts";

const CAPITAL = "What is the capital of France?";
const NUMBER = "Choose a number between 1 and 1000.";

/** A test that reads `count` samples of `prompt` (in batches of 4). */
function reads(name: string, prompt: string, count: number, register = "Deno.test"): string {
  return `${register}(${JSON.stringify(name)}, async () => {
  await collect(model.sample(${JSON.stringify(prompt)}, 4), ${count});
});`;
}

Deno.test({
  name:
    "llmFixture: prune refuses after a run where a test was ignored, filtered, left out by only, or failed",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "chat_test.ts";
      // Test "numbers" reads 2 samples of a batch of 4; "capital" 1 of 4.
      const both = `${reads("capital", CAPITAL, 1)}\n${reads("numbers", NUMBER, 2)}`;
      project.write(module, server.url, both);
      ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      const recorded = project.recorded(module);
      assert.equal(Object.keys(recorded).length, 8);

      const refused = async (tests: string, reason: RegExp, flags: string[] = []) => {
        project.write(module, server.url, tests);
        const run = await project.test([...PRUNE, ...flags], [module], ["--llm-prune"]);
        assert.deepEqual(project.recorded(module), recorded, run.output);
        const lines = run.output.split("\n").filter((l) => l.includes("not pruned"));
        assert.equal(lines.length, 1, run.output);
        assert.match(lines[0]!, /^llm fixtures in fixtures\/chat_test\.ts: not pruned: /);
        assert.match(lines[0]!, reason);
        assert.doesNotMatch(run.output, /removed/);
        return run;
      };
      const reason = (what: string) =>
        new RegExp(`not every test of chat_test\\.ts ran and passed \\(${what}\\)`);

      await refused(
        `${reads("capital", CAPITAL, 1)}\n${reads("numbers", NUMBER, 2, "Deno.test.ignore")}`,
        reason(`ignored: "numbers"`),
      );
      await refused(
        `${reads("capital", CAPITAL, 1)}
Deno.test({ name: "numbers", ignore: Deno.build.os !== "plan9", async fn() {
  await collect(model.sample(${JSON.stringify(NUMBER)}, 4), 2);
} });`,
        reason(`ignored: "numbers"`),
      );
      await refused(both, reason(`did not run, filtered out\\?: "numbers"`), [
        "--filter",
        "capital",
      ]);
      fails(
        await refused(
          `${reads("capital", CAPITAL, 1, "Deno.test.only")}\n${reads("numbers", NUMBER, 2)}`,
          reason(`did not run, other tests have only: "numbers"`),
        ),
      );
      // An assertion fails after the first sample was read.
      fails(
        await refused(
          `${reads("capital", CAPITAL, 1)}
Deno.test("numbers", async () => {
  await collect(model.sample(${JSON.stringify(NUMBER)}, 4), 1);
  throw new Error("the first number is wrong");
});`,
          reason(`failed: "numbers"`),
        ),
      );

      // Every test ran and passed: the samples past the ones read go.
      project.write(module, server.url, both);
      const pruned = ok(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.match(pruned.output, /removed 5 samples past the last index read/);
      assert.equal(Object.keys(project.recorded(module)).length, 3);
    });
  },
});

Deno.test({
  name:
    "llmFixture: prune follows test steps and Deno.test.each cases: a failed or ignored one keeps all",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "steps_test.ts";
      const steps = (second: string) =>
        `Deno.test("steps", async (t) => {
  await t.step("capital", async () => {
    await collect(model.sample(${JSON.stringify(CAPITAL)}, 4), 1);
  });
  ${second}
});
Deno.test.each([["a"], ["b"]])("letter %s", async (letter) => {
  await collect(model.sample(letter, 4), 1);
});`;
      const numbers = (options: string, body = "") =>
        `await t.step({ name: "numbers", ${options} async fn() {
    await collect(model.sample(${JSON.stringify(NUMBER)}, 4), 2);
    ${body}
  } });`;
      project.write(module, server.url, steps(numbers("")));
      ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      const recorded = project.recorded(module);
      // 4 + 4 + 4 + 4 samples: each prompt was drawn in a batch of 4.
      assert.equal(Object.keys(recorded).length, 16);

      const refused = async (tests: string, reason: RegExp, flags: string[] = []) => {
        project.write(module, server.url, tests);
        const run = await project.test([...PRUNE, ...flags], [module], ["--llm-prune"]);
        assert.match(run.output, reason);
        assert.deepEqual(project.recorded(module), recorded, run.output);
      };
      await refused(
        steps(numbers("ignore: true,")),
        /not pruned: not every test of steps_test\.ts ran and passed \(a step failed or was ignored: "steps"\)/,
      );
      await refused(
        steps(numbers("", `throw new Error("wrong number");`)),
        /not pruned: not every test of steps_test\.ts ran and passed \(a step failed or was ignored: "steps"\)/,
      );
      await refused(
        steps(numbers("")),
        /not pruned: not every test of steps_test\.ts ran and passed \(did not run, filtered out\?: 1 case of "letter %s"\)/,
        ["--filter", "/steps|letter a/"],
      );

      // Without prune, a failed step and each case are reported where they are written.
      project.write(module, server.url, steps(numbers("", `throw new Error("wrong number");`)));
      const located = fails(await project.test(REPLAY, [module]));
      assert.match(located.output, /steps \.\.\. numbers => \.\/steps_test\.ts:\d+:11/);

      // The full run prunes, and the fixture does not move the reported location of a test.
      project.write(
        module,
        server.url,
        `${steps(numbers(""))}
Deno.test("located", () => {
  throw new Error("here");
});`,
      );
      const pruned = fails(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.match(pruned.output, /not pruned: not every test .* \(failed: "located"\)/);
      assert.match(pruned.output, /located => \.\/steps_test\.ts:\d+:6/);
      project.write(module, server.url, steps(numbers("")));
      const done = ok(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.match(done.output, /removed 11 samples past the last index read/);
      assert.equal(Object.keys(project.recorded(module)).length, 5);
    });
  },
});

Deno.test({
  name:
    "llmFixture: a test registered before the fixture module was loaded keeps prune from acting",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "early_test.ts";
      project.write(module, server.url, reads("capital", CAPITAL, 1));
      ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      const recorded = project.recorded(module);
      // A helper imported first registers a test the fixture never sees registered.
      Deno.writeTextFileSync(`${project.dir}/early.ts`, `Deno.test("early", () => {});\n`);
      const path = `${project.dir}/${module}`;
      Deno.writeTextFileSync(path, `import "./early.ts";\n${Deno.readTextFileSync(path)}`);
      const run = ok(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.match(
        run.output,
        /not pruned: not every test of early_test\.ts ran and passed \(1 test ran that was registered before @mnimi\/llm-cache\/testing was loaded\)/,
      );
      assert.deepEqual(project.recorded(module), recorded);

      // Cases registered before a fixture asked for pruning in code are not followed.
      Deno.writeTextFileSync(
        path,
        Deno.readTextFileSync(path).replace(`import "./early.ts";\n`, "").replace(
          /const model = llmFixture\(inner, "fixtures", \{\}\);/,
          `Deno.test.each([["x"]])("case %s", () => {});
const model = llmFixture(inner, "fixtures", { prune: true });`,
        ),
      );
      const late = ok(await project.test(PRUNE, [module]));
      assert.match(
        late.output,
        /not pruned: not every test of early_test\.ts ran and passed \(1 Deno\.test\.each case registered before pruning was asked for\)/,
      );
      assert.deepEqual(project.recorded(module), recorded);
    });
  },
});

Deno.test({
  name:
    "llmFixture: fixture names that nest: refused in one module, and pruning leaves the inner one alone",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      for (const [first, second] of [["chat", "chat/extra"], ["chat/extra", "chat"]]) {
        project.write(
          "both_test.ts",
          server.url,
          `const other = llmFixture(inner, "fixtures", { name: ${JSON.stringify(second)} });
void other;`,
          `{ name: ${JSON.stringify(first)} }`,
        );
        const run = fails(await project.test(REPLAY, ["both_test.ts"]));
        assert.match(
          run.output,
          /llmFixture names "chat" and "chat\/extra" nest: the recordings of "chat\/extra" would lie inside those of "chat" \(fixtures\/chat\/extra in fixtures\/chat\)/,
        );
      }

      // Across modules the names cannot be compared: pruning "chat" keeps "chat/extra" whole.
      project.write("chat_test.ts", server.url, reads("capital", CAPITAL, 1), `{ name: "chat" }`);
      project.write(
        "extra_test.ts",
        server.url,
        reads("numbers", NUMBER, 2),
        `{ name: "chat/extra" }`,
      );
      ok(await project.test(RECORD_ENV, ["chat_test.ts", "extra_test.ts"], ["--llm-record"]));
      const extra = project.recorded("chat/extra");
      assert.equal(Object.keys(extra).length, 4);
      project.write(
        "chat_test.ts",
        server.url,
        reads("capital", "What is the capital of Italy?", 1),
        `{ name: "chat" }`,
      );
      const pruned = ok(
        await project.test(RECORD_ENV, ["chat_test.ts"], ["--llm-record", "--llm-prune"]),
      );
      assert.deepEqual(project.recorded("chat/extra"), extra);
      assert.match(
        pruned.output,
        /fixtures\/chat: removed 1 recorded sequence and 3 samples past the last index read this run did not use/,
      );
      assert.match(
        pruned.output,
        /fixtures\/chat: 1 recorded sequence under model keys no fixture of this module used \(extra\/test-model_1\) is never pruned: it may belong to another fixture, named "chat\/…"; delete it by hand if it is obsolete\n/,
      );
      const italy = promptHash("What is the capital of Italy?").slice(0, 8);
      assert.deepEqual(
        Object.keys(project.recorded("chat")).sort(),
        [
          ...Object.keys(extra).map((path) => `extra/${path}`),
          `test-model_1/${italy}/0.md`,
        ].sort(),
      );
      ok(await project.test(REPLAY, ["extra_test.ts"]));
    });
  },
});

Deno.test({
  name: "llmFixture: the messages about unused recordings agree in number with what they count",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(async (project, server) => {
      const module = "chat_test.ts";
      project.write(module, server.url, reads("numbers", NUMBER, 2));
      const two = ok(await project.test(RECORD_ENV, [module], ["--llm-record"]));
      assert.match(
        two.output,
        /fixtures\/chat_test\.ts: 2 samples past the last index read were not used in this run:\n/,
      );
      assert.match(two.output, /If every test of chat_test\.ts ran, remove them with: /);

      project.write(module, server.url, reads("numbers", NUMBER, 3));
      const one = ok(await project.test(REPLAY, [module]));
      assert.match(
        one.output,
        /fixtures\/chat_test\.ts: 1 sample past the last index read was not used in this run:\n/,
      );
      assert.match(one.output, /: 1 sample from index 3 on \(read indices 0 to 2\)\n/);
      assert.match(one.output, /If every test of chat_test\.ts ran, remove it with: /);
      const pruned = ok(await project.test(PRUNE, [module], ["--llm-prune"]));
      assert.match(pruned.output, /removed 1 sample past the last index read this run did not use/);
    });
  },
});
