// queryRetry: attempts through Independent, validation by function or
// Standard Schema, LLMOutputError, and exact replay over Persistent.

import assert from "node:assert/strict";
import { z } from "zod";
import {
  type Attempt,
  BufferedModel,
  Independent,
  json,
  LLMOutputError,
  type Model,
  ParseError,
  queryRetry,
  repeat,
  Repeatable,
  ReplicationCacheMiss,
  type StandardSchemaV1,
  tag,
} from "../../mod.ts";
import { Persistent } from "../../cache/persistent.ts";
import { OpenAICompatible } from "../../providers/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { withServer } from "../_support/openai_server.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const PROMPT = "How many minutes from 14:35 to 17:10? Answer in <answer> tags.";

/** Answers from a script, in order, and counts requests. */
class Scripted extends BufferedModel {
  readonly requests: number[] = [];
  #replies: string[];
  constructor(replies: string[], options: { maxBatch?: number } = {}) {
    super("scripted", 0.7, options);
    this.#replies = [...replies];
  }
  protected query(_prompt: string, n: number): Promise<string[]> {
    this.requests.push(n);
    const out = this.#replies.splice(0, n);
    return out.length > 0 ? Promise.resolve(out) : Promise.reject(new Error("script ran out"));
  }
}

const REPLIES = [
  "It takes 155 minutes.",
  "<answer>2 h 35 min</answer>",
  "<answer>155</answer>",
  "<answer>156</answer>",
];
const isInteger = (s: string) => /^\d+$/.test(s);

async function failure(promise: Promise<unknown>): Promise<LLMOutputError> {
  const error = await promise.then(() => undefined, (e) => e);
  assert.ok(error instanceof LLMOutputError, `expected an LLMOutputError, got ${error}`);
  return error;
}

Deno.test("queryRetry: samples until a response parses and passes validation", async () => {
  const model = new Scripted(REPLIES);
  const attempts: Attempt[] = [];
  const value = await queryRetry(model, PROMPT, tag("answer"), {
    retries: 5,
    validate: isInteger,
    onAttempt: (a) => attempts.push(a),
  });
  assert.equal(value, "155");
  assert.deepEqual(model.requests, [1, 1, 1], "no attempt after the one that passed");
  assert.deepEqual(attempts.map((a) => [a.index, a.response, a.ok]), [
    [0, REPLIES[0], false],
    [1, REPLIES[1], false],
    [2, REPLIES[2], true],
  ]);
  const [parse, validate, passed] = attempts;
  assert.ok(parse && !parse.ok && validate && !validate.ok && passed?.ok);
  assert.equal(parse.stage, "parse");
  assert.ok(parse.error instanceof ParseError);
  assert.equal(parse.excerpt, REPLIES[0]);
  assert.equal(validate.stage, "validate");
  assert.equal(validate.reason, "validate returned false");
  assert.equal(validate.excerpt, REPLIES[1]);
  assert.equal(passed.value, "155");
});

Deno.test("queryRetry: retries counts attempts in all, as in Python; the default is one", async () => {
  const once = new Scripted(REPLIES);
  const error = await failure(queryRetry(once, PROMPT, tag("answer")));
  assert.equal(error.attempts.length, 1);
  assert.deepEqual(once.requests, [1]);
  const three = new Scripted(["a", "b", "c", "<answer>1</answer>"]);
  assert.equal(
    (await failure(queryRetry(three, PROMPT, tag("answer"), { retries: 3 }))).attempts.length,
    3,
  );
  assert.deepEqual(three.requests, [1, 1, 1]);
  for (const retries of [0, -1, 1.5, NaN]) {
    await assert.rejects(queryRetry(once, PROMPT, tag("answer"), { retries }), RangeError);
  }
});

Deno.test("LLMOutputError: lists every attempt: index, stage, reason, excerpt", async () => {
  const model = new Scripted(["no tags at all", "<answer>2 h 35 min</answer>", "<answer>x"]);
  const error = await failure(
    queryRetry(model, PROMPT, tag("answer"), { retries: 3, validate: isInteger }),
  );
  assert.deepEqual(error.attempts.map((a) => [a.index, a.stage]), [
    [0, "parse"],
    [1, "validate"],
    [2, "parse"],
  ]);
  assert.equal(
    error.message,
    "no valid output in 3 attempts (model scripted @ 0.7, prompt " +
      '"How many minutes from 14:35 to 17:10? An…"):\n' +
      '  attempt 0 (parse): expected opening tag <answer> at offset 0 (text there: "no tags at all")\n' +
      '  attempt 1 (validate): validate returned false (response: "<answer>2 h 35 min</answer>")\n' +
      "  attempt 2 (parse): expected closing tag </answer> at offset 8: the <answer> at offset 0 " +
      'is never closed (text there: "x")\n' +
      "Ask for the format more plainly in the prompt, or allow more attempts (retries).",
  );
  assert.equal(error.cause, error.attempts[2]?.error);
  assert.equal(error.name, "LLMOutputError");
});

Deno.test("LLMOutputError: lists at most ten attempts in its message", async () => {
  const model = new CountingModel();
  const error = await failure(queryRetry(model, PROMPT, tag("answer"), { retries: 25 }));
  assert.equal(error.attempts.length, 25);
  const lines = error.message.split("\n").filter((l) => l.startsWith("  "));
  assert.equal(lines.length, 10);
  assert.equal(lines.at(-1), "  … and 16 more (error.attempts holds them all)");
});

Deno.test("queryRetry: validate: throwing fails the attempt with the message; async works; bad returns are bugs", async () => {
  const thrown = await failure(
    queryRetry(new Scripted(["<answer>7</answer>"]), PROMPT, tag("answer"), {
      validate: (s) => {
        if (Number(s) < 100) throw new RangeError(`too small:\n${s}`);
      },
    }),
  );
  assert.equal(thrown.attempts[0]?.reason, "too small: 7");
  assert.ok(thrown.attempts[0]?.error instanceof RangeError);
  const value = await queryRetry(new Scripted(REPLIES), PROMPT, tag("answer"), {
    retries: 4,
    validate: async (s) => await Promise.resolve(isInteger(s)),
  });
  assert.equal(value, "155");
  // A validator returning something else is a bug, reported at once.
  await assert.rejects(
    queryRetry(new Scripted(REPLIES), PROMPT, tag("answer"), {
      validate: ((s: string) => s.trim()) as never,
      retries: 3,
    }),
    /validate must return true, false or nothing \(or throw\), got "2 h 35 min"/,
  );
  await assert.rejects(
    queryRetry(new Scripted(REPLIES), PROMPT, tag("answer"), { validate: 3 as never }),
    /validate must be a function or a Standard Schema, got 3/,
  );
});

Deno.test("queryRetry: a Standard Schema as validate: issues fail the attempt, its output is the value", async () => {
  const Minutes = z.coerce.number().int().positive();
  const attempts: Attempt[] = [];
  const minutes = await queryRetry(new Scripted(REPLIES), PROMPT, tag("answer"), {
    retries: 4,
    validate: Minutes,
    onAttempt: (a) => attempts.push(a),
  });
  assert.equal(minutes, 155);
  const rejected = attempts[1];
  assert.ok(rejected !== undefined && !rejected.ok);
  assert.equal(rejected.stage, "validate");
  assert.match(rejected.reason, /number/i);
  // An asynchronous schema is awaited.
  const slow = z.string().refine(async (s) => await Promise.resolve(s === "155"));
  assert.equal(
    await queryRetry(new Scripted(REPLIES), PROMPT, tag("answer"), { retries: 4, validate: slow }),
    "155",
  );
});

Deno.test("queryRetry: json(schema) as the spec returns a typed object", async () => {
  const Paper = z.object({ title: z.string(), year: z.number().int() });
  const model = new Scripted([
    '```json\n{"title": "Attention Is All You Need", "year": 2017,}\n```',
    '{"title": "Attention Is All You Need", "year": "2017"}',
    'Here:\n```json\n{"title": "Attention Is All You Need", "year": 2017}\n```',
  ]);
  const attempts: Attempt[] = [];
  const paper = await queryRetry(model, "The Transformer paper as JSON", json(Paper), {
    retries: 3,
    onAttempt: (a) => attempts.push(a),
  });
  const year: number = paper.year;
  assert.equal(year, 2017);
  assert.deepEqual(attempts.map((a) => a.ok ? "ok" : a.stage), ["parse", "parse", "ok"]);
  assert.match((attempts[1] as { reason: string }).reason, /year: /);
});

Deno.test("queryRetry: a Standard Schema as the spec checks the whole response, awaited", async () => {
  const YesNo = z.string().trim().toLowerCase().pipe(z.enum(["yes", "no"]));
  const model = new Scripted(["Maybe.", " YES\n"]);
  assert.equal(await queryRetry(model, "Yes or no?", YesNo, { retries: 2 }), "yes");
  const slow = z.string().refine(async (s) => await Promise.resolve(s === "ok"));
  assert.equal(await queryRetry(new Scripted(["no", "ok"]), "?", slow, { retries: 2 }), "ok");
});

// Deep JSON against a recursive schema (issue 17, item 17): zod answers a synchronous check that
// overflowed the stack with a promise (it retries asynchronously, and overflows again), which is
// not an asynchronous schema.
type Tree = { children: Tree[] };
const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(Tree) }));
/** A JSON-schema-like validator written by hand: it recurses on the value, synchronously. */
const HandTree: StandardSchemaV1<unknown, Tree> = {
  "~standard": {
    version: 1,
    vendor: "hand",
    validate: (value) => {
      const isTree = (node: unknown): boolean =>
        typeof node === "object" && node !== null &&
        Array.isArray((node as Tree).children) && (node as Tree).children.every(isTree);
      return isTree(value) ? { value: value as Tree } : { issues: [{ message: "not a tree" }] };
    },
  },
};
const SHALLOW = '{"children": [{"children": []}]}';
/** A tree nested `levels` objects deep (twice as many levels of JSON: object, array, …). */
const deepTree = (levels: number) => '{"children":['.repeat(levels) + "]}".repeat(levels);

Deno.test("queryRetry: deep JSON against a recursive schema fails its attempt, and the next is drawn", async () => {
  for (const schema of [Tree, HandTree]) {
    const vendor = schema["~standard"].vendor;
    const model = new Scripted([`\`\`\`json\n${deepTree(50_000)}\n\`\`\``, SHALLOW]);
    const attempts: Attempt[] = [];
    const tree = await queryRetry(model, "A tree as JSON", json(schema), {
      retries: 2,
      onAttempt: (a) => attempts.push(a),
    });
    assert.deepEqual(tree, { children: [{ children: [] }] }, vendor);
    const first = attempts[0];
    assert.ok(first !== undefined && !first.ok && first.error instanceof ParseError);
    assert.equal(first.stage, "parse");
    assert.equal(first.error.offset, 8);
    assert.match(
      first.reason,
      new RegExp(
        `expected JSON the ${vendor} schema accepts at offset 8: the ${vendor} schema ran out ` +
          "of stack on a value nested 100000 levels deep \\(Maximum call stack size exceeded\\)",
      ),
    );
  }
});

Deno.test("queryRetry: deep JSON: a recursive schema as validate fails the attempt at validation", async () => {
  for (const schema of [Tree, HandTree]) {
    const model = new Scripted([deepTree(50_000), SHALLOW]);
    const attempts: Attempt[] = [];
    const tree = await queryRetry(model, "A tree as JSON", json(), {
      retries: 2,
      validate: schema,
      onAttempt: (a) => attempts.push(a),
    });
    assert.deepEqual(tree, { children: [{ children: [] }] });
    const first = attempts[0];
    assert.ok(first !== undefined && !first.ok);
    assert.equal(first.stage, "validate");
    assert.match(first.reason, /ran out of stack on a value nested 100000 levels deep/);
  }
});

Deno.test("queryRetry: deep JSON inside repeat: the deep value ends the repetition, as any rejected one", async () => {
  const fence = "```";
  const response =
    `${fence}json\n${SHALLOW}\n${fence}\n${fence}json\n${deepTree(50_000)}\n${fence}` +
    `\n${fence}json\n${SHALLOW}\n${fence}`;
  const model = new Scripted([response]);
  assert.deepEqual(await queryRetry(model, "Trees", repeat(json(Tree))), [
    { children: [{ children: [] }] },
  ]);
  assert.deepEqual(model.requests, [1]);
});

Deno.test("queryRetry: json(schema) with an asynchronous schema is a clear error; a throwing check propagates", async () => {
  const slow = z.number().refine(async (n) => await Promise.resolve(n > 0));
  const model = new Scripted(["1", "2", "3"]);
  await assert.rejects(
    queryRetry(model, "A number", json(slow), { retries: 3 }),
    (e) =>
      e instanceof TypeError &&
      /the zod schema in json\(\) validates asynchronously.*validate option/.test(e.message),
  );
  assert.deepEqual(model.requests, [1], "a bug of the program, not bad output: no retry");
  // zod also answers with a promise when its check throws; the check's own error is the bug.
  const broken = z.number().refine(() => {
    throw new SyntaxError("bug in the refinement");
  });
  await assert.rejects(
    queryRetry(new Scripted(["1"]), "A number", json(broken), { retries: 3 }),
    SyntaxError,
  );
});

Deno.test("queryRetry: a validator's message is put on one line in linear time (1 MiB of spaces)", async () => {
  const spaces = " ".repeat(1 << 20);
  const error = await failure(
    queryRetry(new Scripted(["<answer>7</answer>"]), PROMPT, tag("answer"), {
      validate: () => {
        throw new Error(`bad${spaces}answer \n\t next\nline`);
      },
    }),
  );
  assert.equal(error.attempts[0]?.reason, `bad${spaces}answer next line`);
});

Deno.test("queryRetry: errors of the model are not bad output: they propagate at once", async () => {
  const model = new CountingModel();
  model.failNext(new Error("HTTP 401: invalid key"));
  await assert.rejects(queryRetry(model, PROMPT, tag("a"), { retries: 5 }), /invalid key/);
  assert.equal(model.requests.length, 1);
  await withTempDir(async (dir) => {
    const replay = new Persistent(new CountingModel(), dir, { replication: true });
    await assert.rejects(
      queryRetry(replay, PROMPT, tag("a"), { retries: 3 }),
      ReplicationCacheMiss,
    );
    await replay.store.close();
  });
  // A spec's own bug (not a ParseError) propagates too.
  const buggy = {
    expected: "x",
    match: () => {
      throw new TypeError("spec bug");
    },
  };
  await assert.rejects(queryRetry(new CountingModel(), PROMPT, buggy, { retries: 3 }), /spec bug/);
});

Deno.test("queryRetry: attempts draw through Independent: a cache is read from its start, a cursor continues", async () => {
  const cached = new Repeatable(new Scripted(REPLIES));
  const first = await queryRetry(cached, PROMPT, tag("answer"), {
    retries: 4,
    validate: isInteger,
  });
  const again = await queryRetry(cached, PROMPT, tag("answer"), {
    retries: 4,
    validate: isInteger,
  });
  assert.equal(first, "155");
  assert.equal(again, "155", "the same attempts again, from the cache");
  // Over an Independent model, a second call continues after the first one's attempts.
  const independent = new Independent(new Repeatable(new Scripted(REPLIES)));
  await queryRetry(independent, PROMPT, tag("answer"), { retries: 4, validate: isInteger });
  assert.equal(
    await queryRetry(independent, PROMPT, tag("answer"), { validate: isInteger }),
    "156",
  );
});

Deno.test("queryRetry: batch: the first miss fetches several responses, later attempts read them", async () => {
  const model = new Scripted(REPLIES, { maxBatch: 10 });
  const value = await queryRetry(model, PROMPT, tag("answer"), {
    retries: 4,
    batch: 3,
    validate: isInteger,
  });
  assert.equal(value, "155");
  assert.deepEqual(model.requests, [3]);
  await assert.rejects(queryRetry(model, PROMPT, tag("a"), { batch: 0 }), RangeError);
});

Deno.test("queryRetry: bad arguments are named", async () => {
  const model = new CountingModel();
  await assert.rejects(queryRetry(model, 42 as never, tag("a")), /prompt must be a string/);
  await assert.rejects(queryRetry(model, PROMPT, "tag" as never), /expects a spec/);
  await assert.rejects(
    queryRetry(model, PROMPT, tag("a"), { onAttempt: "log" as never }),
    /onAttempt must be a function/,
  );
  assert.equal(model.requests.length, 0, "nothing sampled before the arguments are checked");
});

async function runOver(server: { url: string }, dir: string): Promise<{
  attempts: Attempt[];
  value: string;
}> {
  const model: Model = new Persistent(
    new OpenAICompatible("gpt-4o-mini", 0.7, {
      baseUrl: server.url,
      apiKey: "sk-test",
      maxBatch: 2,
    }),
    dir,
  );
  const attempts: Attempt[] = [];
  const value = await queryRetry(model, "Reply with <n>7</n>.", tag("n"), {
    retries: 5,
    batch: 2,
    // The test server answers `${prompt}#${k}`: only its third answer passes.
    validate: (_n, response) => response.endsWith("#2"),
    onAttempt: (a) => attempts.push(a),
  });
  await (model as Persistent).store.close();
  return { attempts, value };
}

Deno.test("queryRetry: over Persistent, a second run replays the same attempts with zero requests (HTTP)", async () => {
  await withTempDir((dir) =>
    withServer({}, async (server) => {
      const first = await runOver(server, dir);
      const requests = server.requests.length;
      assert.equal(first.attempts.length, 3);
      assert.equal(requests, 2, "two batches of 2 for three attempts");
      const second = await runOver(server, dir);
      assert.equal(server.requests.length, requests, "the rerun sent no request");
      assert.deepEqual(second, first);
    })
  );
});

Deno.test({
  name:
    "queryRetry: a rerun in a new process replays the attempts byte for byte with zero requests",
  async fn() {
    await withTempDir(async (dir) => {
      const run = async () => {
        const { success, stdout, stderr } = await new Deno.Command("deno", {
          args: [
            "run",
            `--allow-read=.`,
            `--allow-write=${dir}`,
            "tests/_support/query_retry_child.ts",
            dir,
          ],
          env: { NO_COLOR: "1" },
        }).output();
        const text = new TextDecoder().decode(stdout);
        assert.ok(success, new TextDecoder().decode(stderr));
        return text;
      };
      const first = await run();
      const second = await run();
      const one = JSON.parse(first);
      const two = JSON.parse(second);
      assert.ok(one.requests > 0);
      assert.equal(two.requests, 0, "the rerun asked the provider for nothing");
      assert.ok(one.attempts.length >= 4, "at least three failed attempts before a pass");
      assert.equal(
        JSON.stringify({ ...two, requests: 0 }),
        JSON.stringify({ ...one, requests: 0 }),
        "the same attempts, byte for byte",
      );
    });
  },
});
