// An agent is a loop of samples of a growing conversation: each step asks
// for the next reply of the chat so far, runs the tools it calls, and
// appends both. Cached step by step, episodes are independent draws, and a
// rerun replays every trajectory without a request.

import assert from "node:assert/strict";
import {
  type Chat,
  first,
  Independent,
  messageOf,
  type Model,
  OpenAICompatible,
  Persistent,
  type Reply,
} from "../../mod.ts";
import { OpenAIServer, type OpenAIServerOptions } from "../_support/openai_server.ts";
import { withTempDir } from "../_support/temp_dir.ts";

const TASK: Chat = {
  system: "You add numbers with the add tool, then say the sum.",
  tools: [{
    name: "add",
    description: "Adds a and b",
    parameters: {
      type: "object",
      properties: { a: { type: "number" }, b: { type: "number" } },
      required: ["a", "b"],
    },
  }],
  messages: [{ role: "user", content: "Add a number and 1." }],
};

/**
 * One episode: replies until one calls no tool, each tool run (after
 * `pause`) and its result appended. The chat is grown in place, as agents
 * do: what was asked before must not change.
 */
async function episode(model: Model, pause: () => Promise<void>): Promise<Reply[]> {
  const chat: Chat = { ...TASK, messages: [...TASK.messages] };
  const trajectory: Reply[] = [];
  for (let step = 0; step < 4; step++) {
    const reply = await first(model.replies!(chat));
    trajectory.push(reply);
    if (reply.toolCalls.length === 0) return trajectory;
    chat.messages.push(messageOf(reply));
    for (const call of reply.toolCalls) {
      await pause();
      const { a, b } = JSON.parse(call.arguments);
      chat.messages.push({ role: "tool", toolCallId: call.id, content: String(a + b) });
    }
  }
  throw new Error(`the episode did not end: ${JSON.stringify(trajectory)}`);
}

/** `count` episodes at once over `Independent(Persistent(provider, dir))`. */
async function run(
  server: OpenAIServer,
  dir: string,
  count: number,
  pause: () => Promise<void>,
): Promise<Reply[][]> {
  const provider = new OpenAICompatible("agent", 1, {
    baseUrl: server.url,
    apiKey: "sk-agent",
    maxBatch: 4,
  });
  const model = new Independent(new Persistent(provider, dir, { announce: false }));
  return await Promise.all(Array.from({ length: count }, () => episode(model, pause)));
}

async function withServer<T>(
  options: OpenAIServerOptions,
  fn: (server: OpenAIServer) => Promise<T>,
): Promise<T> {
  const server = OpenAIServer.start(options);
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

const jitter = () => new Promise<void>((resolve) => setTimeout(resolve, Math.random() * 5));
const now = () => Promise.resolve();

Deno.test("Independent.replies: five concurrent agent episodes are independent draws, and a rerun replays each trajectory with zero requests", async () => {
  await withTempDir(async (dir) => {
    await withServer({ tools: "distinct" }, async (server) => {
      const recorded = await run(server, dir, 5, jitter);
      // Each episode got its own first reply: independent draws of the same chat.
      const firsts = recorded.map((t) => t[0]!.toolCalls[0]!.arguments);
      assert.equal(new Set(firsts).size, 5, firsts.join(" "));
      for (const trajectory of recorded) {
        assert.equal(trajectory.length, 2);
        assert.equal(trajectory[0]!.text, "");
        assert.equal(trajectory[0]!.finishReason, "tool_calls");
        const { a, b } = JSON.parse(trajectory[0]!.toolCalls[0]!.arguments);
        assert.match(trajectory[1]!.text, new RegExp(`^${a + b}#0$`));
      }
      const requests = server.requests.length;
      assert.ok(requests >= 6, `${requests} requests`);
      // A rerun, live (it may draw): every step is a hit, in every episode.
      const rerun = await run(server, dir, 5, jitter);
      assert.deepEqual(rerun, recorded);
      assert.equal(server.requests.length, requests, "the rerun sent requests");
    });
  });
});

Deno.test("Independent.replies: episodes identical so far draw independently from there, and a rerun replays the same trajectories", async () => {
  await withTempDir(async (dir) => {
    // Every episode's first reply calls add(2, 1): their second steps ask one chat.
    await withServer({ tools: "same" }, async (server) => {
      const recorded = await run(server, dir, 5, jitter);
      const seconds = recorded.map((t) => t[1]!.text).sort();
      assert.deepEqual(seconds, ["3#0", "3#1", "3#2", "3#3", "3#4"], "five independent draws");
      const requests = server.requests.length;
      // Episodes alike up to a step are interchangeable there: which of them
      // gets which continuation depends on who asks first, and the set of
      // trajectories is the same.
      const rerun = await run(server, dir, 5, now);
      const sorted = (runs: Reply[][]) => runs.map((t) => JSON.stringify(t)).sort();
      assert.deepEqual(sorted(rerun), sorted(recorded));
      assert.equal(server.requests.length, requests, "the rerun sent requests");
    });
  });
});
