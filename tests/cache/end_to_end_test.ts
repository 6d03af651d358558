// The seed's batch example against a local server: Persistent over CloseAI.

import assert from "node:assert/strict";
import { join } from "node:path";
import { collect, take } from "../../mod.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CloseAI, OpenAICompatible } from "../../providers/mod.ts";
import { withServer } from "../_support/openai_server.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const KEY = "sk-e2e-7Hq2-should-never-be-stored";
const PROMPT = "Choose a number between 1 and 1000.";

async function* files(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* files(path);
    else yield path;
  }
}

async function run(server: { url: string }, dir: string): Promise<string[]> {
  const model = new Persistent(
    new CloseAI("gpt-4o", 1.0, { maxBatch: 10, baseUrl: server.url, apiKey: KEY }),
    dir,
  );
  const seen: string[] = [];
  for await (const r of take(model.sample(PROMPT, 20), 40)) seen.push(r);
  await model.store.close();
  return seen;
}

Deno.test("Persistent: the seed's batch example: four requests of 10, then none on a second run", async () => {
  await withServer({}, async (server) => {
    await withTempDir(async (dir) => {
      const first = await run(server, dir);
      assert.equal(first.length, 40);
      assert.equal(new Set(first).size, 40);
      assert.deepEqual(server.requests.map((r) => r.n), [10, 10, 10, 10]);
      assert.ok(server.requests.every((r) => r.authorization === `Bearer ${KEY}`));

      const second = await run(server, dir);
      assert.deepEqual(second, first);
      assert.equal(server.requests.length, 4);

      // The layout is mnimi's: <dir>/gpt-4o_1/<sha256>/0.md …
      const samples = [];
      for await (const path of files(join(dir, "gpt-4o_1"))) {
        if (path.endsWith(".md")) samples.push(path);
      }
      assert.equal(samples.length, 40);
    });
  });
});

Deno.test("Persistent: the API key is in no file of the cache", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "echo_key" }); // even when the server quotes it once
    await withTempDir(async (dir) => {
      const model = new Persistent(
        new OpenAICompatible("gpt-4o", 0.5, {
          baseUrl: server.url,
          apiKey: KEY,
          maxBatch: 5,
          system: "Be brief.",
          retryDelay: 1,
        }),
        dir,
      );
      await collect(model.sample("p", 5), 5).catch(() => {});
      await collect(model.sample("p", 5), 10);
      await model.store.close();
      let checked = 0;
      for await (const path of files(dir)) {
        const bytes = await Deno.readTextFile(path);
        assert.ok(!bytes.includes(KEY), `the key leaked into ${path}`);
        assert.ok(!bytes.includes("7Hq2"), `part of the key leaked into ${path}`);
        checked++;
      }
      assert.ok(checked >= 10);
    });
  });
});

Deno.test("Persistent: a cache replay needs no key: the key variable is never read", async () => {
  await withServer({}, async (server) => {
    await withTempDir(async (dir) => {
      const filled = await run(server, dir);
      const saved = Deno.env.get("CLOSEAI_API_KEY");
      Deno.env.delete("CLOSEAI_API_KEY");
      try {
        const model = new Persistent(
          new CloseAI("gpt-4o", 1.0, { maxBatch: 10, baseUrl: server.url }),
          dir,
        );
        assert.deepEqual(await collect(model.sample(PROMPT, 20), 40), filled);
        await model.store.close();
      } finally {
        if (saved !== undefined) Deno.env.set("CLOSEAI_API_KEY", saved);
      }
      assert.equal(server.requests.length, 4);
    });
  });
});

Deno.test("Persistent: accounting (query time, tokens, requests and retries) passes through it", async () => {
  await withServer({}, async (server) => {
    server.inject({ kind: "server_error" });
    await withTempDir(async (dir) => {
      const inner = new CloseAI("gpt-4o", 1, {
        baseUrl: server.url,
        apiKey: KEY,
        maxBatch: 4,
        retryDelay: 1,
      });
      const model = new Persistent(inner, dir);
      await collect(model.sample("abc", 4), 8);
      await model.store.close();
      assert.deepEqual({ ...inner.stats, queryTime: 0 }, {
        requests: 2,
        retries: 1,
        samples: 8,
        promptTokens: 6,
        completionTokens: 8,
        queryTime: 0,
      });
      assert.equal(inner.stats.queryTime, inner.totalQueryTime());
      assert.deepEqual(model.totalTokenCount(), [6, 8]);
      assert.ok(model.totalQueryTime() > 0);
      assert.equal(model.totalQueryTime(), inner.totalQueryTime());
    });
  });
});

Deno.test("Persistent: a cache replay runs without env permission (and without the network)", async () => {
  await withServer({}, async (server) => {
    await withTempDir(async (dir) => {
      const filled = await run(server, dir);
      // No --allow-env and no --allow-net: a replay must need neither.
      const script = `
        import { collect } from "./mod.ts";
        import { Persistent } from "./cache/persistent.ts";
        import { CloseAI } from "./providers/mod.ts";
        const model = new Persistent(new CloseAI("gpt-4o", 1.0, { maxBatch: 10 }), ${
        JSON.stringify(dir)
      });
        console.log(JSON.stringify(await collect(model.sample(${JSON.stringify(PROMPT)}, 20), 40)));
        await model.store.close();
      `;
      const child = new Deno.Command("deno", {
        args: ["run", "--no-prompt", "--no-lock", `--allow-read=.`, `--allow-write=${dir}`, "-"],
        stdin: "piped",
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      const writer = child.stdin.getWriter();
      await writer.write(new TextEncoder().encode(script));
      await writer.close();
      const { code, stdout, stderr } = await child.output();
      const errors = new TextDecoder().decode(stderr);
      assert.equal(code, 0, errors);
      assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), filled);
    });
  });
});
