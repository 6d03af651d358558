// `llmFixture` over stores that are not folders (issue 18's leftover of issue
// 17): it takes every spec `openStore` takes. Real `deno test` runs of small
// suites record into one store for every module, each module's sequences
// under its name; replay, record, refresh and prune act on the module's own
// recordings only; a store that cannot delete says which modes it cannot do.

import assert from "node:assert/strict";
import { openStore } from "../../cache/open_store.ts";
import type { Store } from "../../cache/store.ts";
import { promptHash } from "../../core/model_key.ts";
import { first } from "../../mod.ts";
import { llmFixture } from "../../testing/mod.ts";
import { fails, ok, PERMISSIONS, type Project, withProject } from "../_support/fixture_project.ts";
import type { OpenAIServer } from "../_support/openai_server.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { freshPrefix, REDIS_URL, skipRedis } from "../_support/redis_url.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const CAPITAL = "What is the capital of France?";
const ITALY = "What is the capital of Italy?";
const NUMBER = "Choose a number between 1 and 1000.";

/** A test module that reads `count` samples of `prompt` in batches of `batch`. */
function reads(prompt: string, count: number, batch = 1): string {
  return `Deno.test("reads", async () => {
  await collect(model.sample(${JSON.stringify(prompt)}, ${batch}), ${count});
});`;
}

/** What `store` holds, model key → prompt hash (8 digits) → samples. */
async function contents(store: Store): Promise<Record<string, Record<string, string[]>>> {
  const out: Record<string, Record<string, string[]>> = {};
  for await (const model of store.models()) {
    for await (const { hash } of store.prompts(model)) {
      (out[model] ??= {})[hash.slice(0, 8)] = await store.load({ model, hash }, 0);
    }
  }
  return out;
}

async function contentsOf(spec: string): Promise<Record<string, Record<string, string[]>>> {
  const store = await openStore(spec);
  try {
    return await contents(store);
  } finally {
    await store.close();
  }
}

const h = (prompt: string) => promptHash(prompt).slice(0, 8);

/**
 * The life of two modules' recordings in one store: recorded apart, replayed
 * with `replay` flags, pruned and refreshed one module at a time.
 */
async function lifecycle(
  project: Project,
  server: OpenAIServer,
  { spec, record, replay }: { spec: string; record: string[]; replay: string[] },
): Promise<void> {
  const url = server.url;
  const flags = { record, replay };
  project.write("a_test.ts", url, reads(CAPITAL, 2));
  project.write("b_test.ts", url, reads(NUMBER, 1));
  const recorded = ok(await project.test(flags.record, ["a_test.ts"], ["--llm-record"]));
  assert.match(recorded.output, /recorded 2 new samples in 1 sequence/);
  ok(await project.test(flags.record, ["b_test.ts"], ["--llm-record"]));
  assert.deepEqual(await contentsOf(spec), {
    "a_test.ts/test-model_1": { [h(CAPITAL)]: [`${CAPITAL}#0`, `${CAPITAL}#1`] },
    "b_test.ts/test-model_1": { [h(NUMBER)]: [`${NUMBER}#0`] },
  });
  const requests = server.requests.length;

  // Replay: nothing drawn; a changed prompt names the store and the command.
  ok(await project.test(flags.replay, ["a_test.ts", "b_test.ts"], [], { TEST_LLM_KEY: "" }));
  project.write("a_test.ts", url, reads(ITALY, 1));
  const missed = fails(await project.test(flags.replay, ["a_test.ts"]));
  assert.match(
    missed.output,
    new RegExp(`under a_test\\.ts/\\. To record it, run: deno test -A a_test\\.ts -- --llm-record`),
  );
  assert.match(missed.output, /1 recorded sequence was not used in this run:/);
  assert.equal(server.requests.length, requests);

  // Record and prune a: its old recording goes, b's stays.
  const pruned = ok(
    await project.test(flags.record, ["a_test.ts"], ["--llm-record", "--llm-prune"]),
  );
  assert.match(pruned.output, /removed 1 recorded sequence this run did not use/);
  assert.deepEqual(await contentsOf(spec), {
    "a_test.ts/test-model_1": { [h(ITALY)]: [`${ITALY}#0`] },
    "b_test.ts/test-model_1": { [h(NUMBER)]: [`${NUMBER}#0`] },
  });

  // Refresh b: drawn again and swapped in whole, with the samples read.
  project.write("b_test.ts", url, reads(NUMBER, 2));
  const refreshed = ok(await project.test(flags.record, ["b_test.ts"], ["--llm-refresh"]));
  assert.match(refreshed.output, /refreshed 1 sequence \(2 samples drawn again\)/);
  assert.deepEqual((await contentsOf(spec))["b_test.ts/test-model_1"], {
    [h(NUMBER)]: [`${NUMBER}#1`, `${NUMBER}#2`],
  });
  // Prune of samples past what was read: b reads one of its two.
  project.write("b_test.ts", url, reads(NUMBER, 1));
  ok(await project.test(flags.record, ["b_test.ts"], ["--llm-prune"]));
  assert.deepEqual((await contentsOf(spec))["b_test.ts/test-model_1"], {
    [h(NUMBER)]: [`${NUMBER}#1`],
  });
}

Deno.test({
  name: "llmFixture: in a sqlite: file, modules record, replay read-only, prune and refresh apart",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(
      (project, server) =>
        lifecycle(project, server, {
          spec: `sqlite:${project.dir}/fixtures.db`,
          record: [
            "--allow-read=fixtures.db",
            "--allow-write=fixtures.db",
            "--allow-net=127.0.0.1",
            "--allow-env=CI,TEST_LLM_KEY",
          ],
          // SQLite replays with read access only.
          replay: ["--allow-read=fixtures.db"],
        }),
      { fixtures: "sqlite:fixtures.db" },
    );
  },
});

Deno.test({
  name: "llmFixture: in a kv: file, modules record, replay, prune and refresh apart",
  permissions: PERMISSIONS,
  async fn() {
    const kv = ["--unstable-kv", "--allow-read=fixtures.kv", "--allow-write=fixtures.kv"];
    await withProject(
      (project, server) =>
        lifecycle(project, server, {
          spec: `kv:${project.dir}/fixtures.kv`,
          record: [...kv, "--allow-net=127.0.0.1", "--allow-env=CI,TEST_LLM_KEY"],
          // Deno KV opens a database only where it may write it.
          replay: kv,
        }),
      { fixtures: "kv:fixtures.kv" },
    );
  },
});

Deno.test({
  name: "llmFixture: in Redis, modules record, replay, prune and refresh apart",
  permissions: PERMISSIONS,
  ignore: skipRedis(),
  async fn() {
    const url = new URL(REDIS_URL!);
    url.searchParams.set("prefix", freshPrefix("fixtures"));
    await withProject(
      async (project, server) => {
        // The project has no deno.json: it maps the Redis client as the library's does.
        const { imports } = JSON.parse(Deno.readTextFileSync("deno.json"));
        Deno.writeTextFileSync(
          `${project.dir}/import_map.json`,
          JSON.stringify({ imports: { redis: imports.redis } }),
        );
        const net = ["--import-map=import_map.json", `--allow-net=127.0.0.1,${url.host}`];
        try {
          await lifecycle(project, server, {
            spec: url.href,
            record: [...net, "--allow-env=CI,TEST_LLM_KEY"],
            replay: net,
          });
        } finally {
          const store = await openStore(url.href);
          await (store as unknown as { clear(): Promise<void> }).clear();
          await store.close();
        }
      },
      { fixtures: url.href },
    );
  },
});

Deno.test({
  name:
    "llmFixture: a store that cannot delete records and replays, and says it cannot prune or refresh",
  permissions: PERMISSIONS,
  async fn() {
    await withProject(
      async (project, server) => {
        // A kind of the project's own: a folder store reached through a spec, without delete.
        Deno.writeTextFileSync(
          `${project.dir}/nodelete.ts`,
          `import { FsStore, registerStoreKind } from "${new URL(
            "../../cache/stores.ts",
            import.meta.url,
          )}";
registerStoreKind({
  name: "nodelete",
  schemes: ["nodelete"],
  forms: ["nodelete:<folder>"],
  help: "a folder store without delete",
  parse: ({ rest }) => ({ location: "nodelete:" + rest, target: rest }),
  open: (spec) => Promise.resolve(new FsStore(spec.target)),
  permissions: () => [],
});
`,
        );
        const flags = [
          "--allow-read=nodelete.ts,fixtures",
          "--allow-write=fixtures",
          "--allow-net=127.0.0.1",
          "--allow-env=CI,TEST_LLM_KEY",
        ];
        project.write("a_test.ts", server.url, `import "./nodelete.ts";\n${reads(CAPITAL, 1)}`);
        ok(await project.test(flags, ["a_test.ts"], ["--llm-record"]));
        const requests = server.requests.length;
        project.write("a_test.ts", server.url, `import "./nodelete.ts";\n${reads(ITALY, 1)}`);
        ok(await project.test(flags, ["a_test.ts"], ["--llm-record"]));
        const kept = ok(await project.test(flags, ["a_test.ts"], ["--llm-prune"]));
        assert.match(
          kept.output,
          /not pruned: the store nodelete:fixtures cannot delete samples \(it has no delete\(\) method, see Store\.delete\)/,
        );
        assert.match(kept.output, /1 recorded sequence was not used in this run/);
        const refused = fails(await project.test(flags, ["a_test.ts"], ["--llm-refresh"]));
        assert.match(
          refused.output,
          /cannot refresh the recordings in nodelete:fixtures, under a_test\.ts\/: the store nodelete:fixtures cannot delete samples .*Nothing was drawn/,
        );
        assert.equal(server.requests.length, requests + 1, "only the Italy recording was drawn");
      },
      { fixtures: "nodelete:fixtures" },
    );
  },
});

Deno.test("llmFixture: a refresh or prune of a store cannot be asked for inside a test; record can", () =>
  withTempDir(async (dir) => {
    const spec = `sqlite:${dir}/fixtures.db`;
    for (const options of [{ mode: "refresh" }, { prune: true }] as const) {
      assert.throws(
        () =>
          llmFixture(new CountingModel("m", 1), spec, {
            ...options,
            name: "inside_test.ts",
            allowCI: true,
          }),
        /from inside a test: .*call llmFixture at the top level of the test module/,
      );
    }
    const recorder = llmFixture(new CountingModel("m", 1), spec, {
      mode: "record",
      allowCI: true,
      name: "inside_test.ts",
    });
    assert.equal(await first(recorder.sample(NUMBER)), "0");
    assert.equal(recorder.folder, `${spec}, under inside_test.ts/`);
    // Made inside a test, it is closed by the test (no hook after the module's tests closes it).
    await recorder.store.close();
    const store = await openStore(spec);
    assert.deepEqual(
      await store.load({ model: "inside_test.ts/m_1", hash: promptHash(NUMBER) }, 0),
      [
        "0",
      ],
    );
    await store.close();
  }));
