// Nothing paid for is lost, and errors send the user the right way: a store
// that cannot be written fails before the first request; a failed write says
// how many samples were lost; a miss says first what was not in the cache.

import assert from "node:assert/strict";
import { FsStore } from "../../cache/fs_store.ts";
import { Persistent } from "../../cache/persistent.ts";
import { ReplicationCacheMiss } from "../../cache/replication_cache_miss.ts";
import type { SequenceKey, StoreWrite } from "../../cache/store.ts";
import { collect, first, promptHash } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import { OpenAICompatible } from "../../providers/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withTempDir } from "../_support/temp_dir.ts";
import { runWithoutWriteAccess } from "../_support/without_write_access.ts";

const PROMPT = "Choose a number between 1 and 1000.";
const HASH = promptHash(PROMPT);

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  assert.ok(error instanceof Error, `expected a failure, got ${String(error)}`);
  return error;
}

Deno.test({
  name: "Persistent: without write permission, it fails before the first request, naming the flag",
  permissions: { read: ["./tests/.tmp"], write: false, net: false, env: false, run: false },
  async fn() {
    const root = `tests/.tmp/never-written-${crypto.randomUUID()}`;
    const provider = new CountingModel("m", 1);
    const error = await rejection(first(new Persistent(provider, root).sample(PROMPT)));
    assert.equal(provider.requests.length, 0, "no sample was paid for");
    assert.ok(error instanceof Deno.errors.NotCapable, String(error));
    assert.match(error.message, new RegExp(`--allow-write=${root}`));
    // First what was not in the cache, then what a draw would need.
    assert.match(error.message, new RegExp(`^not in the cache: m_1/${HASH} \\(prompt "Choose`));
    assert.match(error.message, /index 0 was asked for/);
    assert.match(error.message, /replication: true/);
  },
});

// The scenario of a read-only folder, run in a child process: as root, chmod
// does not stop writes, so the child then runs as an unprivileged user.
const READ_ONLY_CHILD = `
import { first } from "./mod.ts";
import { Persistent } from "./cache/persistent.ts";
import { CountingModel } from "./tests/_support/mock_model.ts";
const provider = new CountingModel("m", 1);
const model = new Persistent(provider, Deno.args[0]);
const error = await first(model.sample(${JSON.stringify(PROMPT)})).then(() => undefined, (e) => e);
console.log(JSON.stringify({ kind: error?.constructor.name, message: error?.message, requests: provider.requests.length }));
`;

Deno.test("Persistent: a read-only cache folder fails before the first request", () =>
  withTempDir(async (dir) => {
    const cache = `${dir}/cache`;
    await Deno.mkdir(cache);
    const { code, stdout, stderr } = await runWithoutWriteAccess(cache, dir, READ_ONLY_CHILD, [
      cache,
    ], ["--allow-read=.", `--allow-write=${cache}`]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.requests, 0, "no sample was paid for");
    assert.equal(result.kind, "PermissionDenied");
    assert.match(result.message, /^not in the cache: m_1\//);
    assert.match(result.message, new RegExp(`the cache folder ${cache} cannot be written`));
    assert.match(result.message, /chmod u\+w/);
  }));

/**
 * A store over a folder; with `failing`, an append stores the first `keep`
 * samples, then fails, and with `unreadable` too, loads fail from then on.
 */
class FailingStore extends FsStore {
  failing = false;
  keep = 0;
  unreadable = false;
  writeChecks = 0;
  #broken = false;
  override async append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    if (!this.failing) return await super.append(key, write);
    if (this.keep > 0) {
      await super.append(key, { ...write, samples: write.samples.slice(0, this.keep) });
    }
    this.#broken = this.unreadable;
    throw new Error("disk trouble");
  }
  override load(key: SequenceKey, from: number): Promise<string[]> {
    return this.#broken ? Promise.reject(new Error("unreadable")) : super.load(key, from);
  }
  override checkAccess(mode: "read" | "write"): Promise<void> {
    if (mode === "write") this.writeChecks++;
    return super.checkAccess(mode);
  }
}

Deno.test("Persistent: a failed write serves what reached the store and says how many samples were lost", () =>
  withTempDir(async (dir) => {
    const store = new FailingStore(dir);
    store.failing = true;
    store.keep = 2;
    const provider = new CountingModel("m", 1, { maxBatch: 5 });
    const model = new Persistent(provider, store);
    const it = model.sample(PROMPT, 5);
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => it.next()));
    assert.deepEqual(results.slice(0, 2).map((r) => r.status === "fulfilled" && r.value.value), [
      "0",
      "1",
    ], "the stored samples reach the waiting streams");
    for (const r of results.slice(2)) {
      assert.equal(r.status, "rejected");
      assert.match(
        String(r.reason),
        /storing 5 freshly drawn sample\(s\) failed, and 3 of them were lost/,
      );
      assert.match(String(r.reason), /disk trouble/);
    }
    assert.deepEqual(await new FsStore(dir).load({ model: "m_1", hash: HASH }, 0), ["0", "1"]);

    store.unreadable = true;
    store.keep = 0;
    const error = await rejection(first(new Persistent(provider, store).sample("other", 5)));
    assert.match(error.message, /up to 5 of them were lost/);
  }));

Deno.test("Persistent: the write check runs once per cache, lazily, before the first draw", () =>
  withTempDir(async (dir) => {
    const store = new FailingStore(dir);
    const model = new Persistent(new CountingModel("m", 1), store);
    assert.equal(store.writeChecks, 0, "not at construction");
    await new FsStore(dir).append({ model: "m_1", hash: HASH }, { from: 0, samples: ["seeded"] });
    assert.equal(await first(model.sample(PROMPT)), "seeded");
    assert.equal(store.writeChecks, 0, "a hit draws nothing, so checks nothing");
    await collect(model.sample(PROMPT), 3);
    await collect(model.sample("another prompt"), 2);
    assert.equal(store.writeChecks, 1);
    const replay = new Persistent(new CountingModel("m", 1), store, { replication: true });
    await assert.rejects(first(replay.sample("missing")), ReplicationCacheMiss);
    assert.equal(store.writeChecks, 1, "a replication never checks for writes");
  }));

Deno.test({
  name:
    "Persistent: a miss that needs a permission to draw says first that the prompt is not in the cache",
  permissions: { read: ["./tests/.tmp"], write: ["./tests/.tmp"], env: false, net: false },
  fn: () =>
    withTempDir(async (dir) => {
      const provider = new OpenAICompatible("gpt-4o", 1, {
        baseUrl: "http://127.0.0.1:9/v1",
        apiKeyVariable: "LLM_CACHE_UNLISTED_TEST_KEY",
      });
      const error = await rejection(first(new Persistent(provider, dir).sample(PROMPT)));
      assert.ok(error instanceof Deno.errors.NotCapable, String(error));
      assert.match(error.message, new RegExp(`^not in the cache: gpt-4o_1/${HASH} \\(prompt "`));
      assert.match(error.message, /index 0 was asked for/);
      assert.match(error.message, /--allow-env=LLM_CACHE_UNLISTED_TEST_KEY/);
      assert.match(error.message, /replication: true/);
    }),
});

Deno.test("Persistent: a replication miss after a key change lists the keys that hold the prompt", () =>
  withTempDir(async (dir) => {
    const store = new FsStore(dir);
    const samples = Array.from({ length: 9 }, (_, i) => String(i));
    await store.append({ model: "toy-math-7b_0.8", hash: HASH }, {
      from: 0,
      samples,
      prompt: PROMPT,
    });
    await store.append({ model: "toy-math-7b_1", hash: HASH }, {
      from: 0,
      samples: ["x"],
      prompt: PROMPT,
    });
    await store.append({ model: "other_1", hash: promptHash("another") }, {
      from: 0,
      samples: ["y"],
    });
    const options = { baseUrl: "http://127.0.0.1:9/v1", apiKey: "unused" };
    for (
      const inner of [
        new OpenAICompatible("toy-math-7b", 0.7, options),
        new OpenAICompatible("toy-math-7b", 0.8, { ...options, maxTokens: 100 }),
      ]
    ) {
      const model = new Persistent(inner, dir, { replication: true });
      const error = await rejection(first(model.sample(PROMPT)));
      assert.ok(error instanceof ReplicationCacheMiss, String(error));
      assert.equal(error.model, modelKey(inner));
      assert.deepEqual(error.similar, [
        { model: "toy-math-7b_0.8", stored: 9 },
        { model: "toy-math-7b_1", stored: 1 },
      ]);
      assert.match(
        error.message,
        /did you mean `toy-math-7b_0\.8` \(9 samples\), `toy-math-7b_1` \(1 sample\)\?/,
      );
    }
    // Past the end of a sequence the key is right: no suggestion.
    const model = new Persistent(new CountingModel("toy-math-7b", 1), dir, { replication: true });
    await collect(model.sample(PROMPT), 1);
    const error = await rejection(collect(model.sample(PROMPT), 2));
    assert.ok(error instanceof ReplicationCacheMiss);
    assert.deepEqual(error.similar, []);
    assert.doesNotMatch(error.message, /did you mean/);
  }));

Deno.test("Persistent: a sample with a lone surrogate is served as a replay will read it", async () => {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    class Broken extends CountingModel {
      protected override query(): Promise<string[]> {
        return Promise.resolve(["a\uD800b"]);
      }
    }
    const drawn = await collect(new Persistent(new Broken("m", 1), dir).sample("p"), 1);
    const replay = new Persistent(new Broken("m", 1), dir, { replication: true });
    assert.deepEqual(drawn, ["a\uFFFDb"]);
    assert.deepEqual(await collect(replay.sample("p"), 1), drawn);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Persistent: a replication miss shows enough of a long prompt to tell it from another", () =>
  withTempDir(async (dir) => {
    const intro = "You are a careful grader. Read the student's answer below and grade it. ";
    const asked = `${intro.repeat(3)}Question 17: what is 6 × 7? Answer: 42.`;
    const model = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    const error = await rejection(first(model.sample(asked)));
    assert.ok(error instanceof ReplicationCacheMiss);
    assert.match(error.message, /Question 17: what is 6 × 7\? Answer: 42\./, "its end is shown");
    assert.match(error.message, /", 255 characters\)/);
  }));

Deno.test("Persistent: a replication miss suggests the closest recorded prompt of the same model key, with where it differs", () =>
  withTempDir(async (dir) => {
    const store = new FsStore(dir);
    const recorded = "Translate into French: The quick brown fox jumps over the lazy dog.";
    const asked = "Translate into French: The quick brown fox jumped over the lazy dog.";
    await store.append({ model: "m_1", hash: promptHash(recorded) }, {
      from: 0,
      samples: ["a", "b"],
      prompt: recorded,
    });
    const other = "Something else entirely";
    await store.append({ model: "m_1", hash: promptHash(other) }, {
      from: 0,
      samples: ["x"],
      prompt: other,
    });
    // Closer still, but under another model key.
    const near = asked.slice(0, -1);
    await store.append({ model: "other_1", hash: promptHash(near) }, {
      from: 0,
      samples: ["y"],
      prompt: near,
    });
    const model = new Persistent(new CountingModel("m", 1), dir, { replication: true });
    const error = await rejection(first(model.sample(asked)));
    assert.ok(error instanceof ReplicationCacheMiss, String(error));
    assert.deepEqual(error.closest, {
      hash: promptHash(recorded),
      prompt: recorded,
      stored: 2,
      distance: 2,
    });
    assert.match(error.message, /closest recorded prompt of m_1/);
    assert.match(error.message, new RegExp(`${promptHash(recorded).slice(0, 12)}`));
    // Where they differ: the recorded text, then the asked one, around the change.
    assert.match(error.message, /recorded "…[^"]*fox jumps over[^"]*…"/);
    assert.match(error.message, /asked +"…[^"]*fox jumped over[^"]*…"/);

    // Nothing close: no suggestion.
    const far = await rejection(
      first(model.sample("A wholly different prompt about cooking pasta.")),
    );
    assert.ok(far instanceof ReplicationCacheMiss);
    assert.equal(far.closest, undefined);
    assert.doesNotMatch(far.message, /closest recorded prompt/);
  }));
