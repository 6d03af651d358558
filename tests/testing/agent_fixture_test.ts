// An example: testing an agent against recorded replies with llmFixture.
// Each step of each episode is a sample of the chat so far, recorded whole
// (tool calls, reasoning) the first time the suite runs with
// `-- --llm-record`, and replayed from tests/fixtures/llm/ from then on,
// with read access to that folder only and no request. Five episodes of a
// task run at once over `Independent`: independent draws, the same ones on
// every run.

import assert from "node:assert/strict";
import { Independent, majority, parse, type Reply, tag } from "../../mod.ts";
import { llmFixture } from "../../testing/mod.ts";
import { type Episode, runEpisode, type Task, TASKS } from "../../notebooks/calculator_agent.ts";
import { ScriptedAgent } from "../../notebooks/make_agent_cache.ts";

// In a project of yours, the model you study:
//   llmFixture(new OpenAI("gpt-4o-mini", 1), "tests/fixtures/llm")
// Here, the scripted model of notebooks/agent.ipynb, so that the suite can
// record without a key (tests/agent_fixture_record_test.ts does). The name
// is the module's path from the repository, wherever the run starts.
const scripted = new ScriptedAgent();
const model = llmFixture(scripted, "tests/fixtures/llm", {
  name: "tests/testing/agent_fixture_test.ts",
});

/** Five episodes of `task` at once, independent draws of a run of their own. */
function episodes(task: Task): Promise<Episode[]> {
  const agent = new Independent(model);
  return Promise.all(Array.from({ length: 5 }, () => runEpisode(agent, task.question)));
}

/** The number in a reply's <answer> tag, if it has one. */
function answerOf(reply: Reply | undefined): string | undefined {
  try {
    return reply === undefined ? undefined : parse(tag("answer"), reply).trim();
  } catch {
    return undefined;
  }
}

Deno.test("llmFixture: over the calculator agent, the majority of five episodes is right on every task", async () => {
  for (const task of TASKS) {
    const run = await episodes(task);
    for (const episode of run) {
      assert.ok(episode.finished, `an episode of ${task.question} did not finish`);
      assert.ok(episode.replies.length <= 4, `an episode of ${task.question} took too many steps`);
    }
    const vote = majority(run.map((episode) => answerOf(episode.replies.at(-1))));
    assert.equal(vote.key, task.answer, task.question);
  }
});

Deno.test("llmFixture: over the calculator agent, a rerun replays every trajectory with no request", async () => {
  const first = await Promise.all(TASKS.map(episodes));
  const requests = scripted.stats.requests;
  const again = await Promise.all(TASKS.map(episodes));
  assert.deepEqual(again, first);
  assert.equal(scripted.stats.requests, requests);
  if (model.mode === "replay") assert.equal(requests, 0);
});
