// Replies as a provider's query returns them: the text is the sample, the
// rest is checked and kept beside it.

import assert from "node:assert/strict";
import { BufferedModel, collect, type Prompt, type Reply } from "../../mod.ts";
import { checkedAnswer } from "../../core/query_answer.ts";

class Caller extends BufferedModel {
  protected query(_prompt: Prompt, n: number): Promise<Reply[]> {
    return Promise.resolve(Array.from({ length: n }, (_, k) => ({
      text: "",
      toolCalls: [{ id: `c${k}`, name: "add", arguments: '{"a":1}' }],
      finishReason: "tool_calls",
    })));
  }
}

Deno.test("BufferedModel: a query may return replies; sample() yields their texts", async () => {
  assert.deepEqual(await collect(new Caller("c", 0).sample("p", 2), 2), ["", ""]);
});

Deno.test("checkedAnswer: keeps what each reply holds beyond its text, and refuses what is not a reply", () => {
  const answer = checkedAnswer(
    { samples: ["plain", { text: "t", toolCalls: [], finishReason: "length" }] },
    2,
    "M",
  );
  assert.deepEqual(answer.samples, ["plain", "t"]);
  assert.deepEqual(answer.meta, [undefined, { finishReason: "length" }]);
  assert.equal(checkedAnswer(["a"], 1, "M").meta, undefined);
  assert.throws(() => checkedAnswer([{ text: "t" }], 1, "M"), /strings or replies/);
  assert.throws(
    () => checkedAnswer([{ text: "t", toolCalls: [{ id: 1 }] }], 1, "M"),
    /toolCalls must be a list of \{ id, name, arguments \}/,
  );
});
