// showAttempts: the attempts of queryRetry as a table, escaped, in both renderings.

import assert from "node:assert/strict";
import { type Attempt, BufferedModel, json, LLMOutputError, queryRetry, tag } from "../../mod.ts";
import { AttemptsView, showAttempts } from "../../notebooks/mod.ts";

const EVIL = `<script>alert("x")</script> & 'q'`;
const DISPLAY = Symbol.for("Jupyter.display");

class Scripted extends BufferedModel {
  #replies: string[];
  constructor(replies: string[]) {
    super("scripted", 1);
    this.#replies = [...replies];
  }
  protected query(_prompt: string, n: number): Promise<string[]> {
    return Promise.resolve(this.#replies.splice(0, n));
  }
}

async function attemptsOf(replies: string[], retries: number): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  await queryRetry(new Scripted(replies), "p", tag("a"), {
    retries,
    validate: (s) => s !== "bad",
    onAttempt: (a) => attempts.push(a),
  }).catch(() => {});
  return attempts;
}

Deno.test("showAttempts: outcome, reason or value, response, in HTML and plain text", async () => {
  const attempts = await attemptsOf([EVIL, "<a>bad</a>", `<a>${EVIL}</a>`], 3);
  const view = showAttempts(attempts);
  assert.ok(view instanceof AttemptsView);
  assert.equal(view.attempts.length, 3);
  const bundle = (view as unknown as Record<symbol, () => Record<string, string>>)[DISPLAY]!();
  const html = bundle["text/html"]!;
  const plain = bundle["text/plain"]!;
  assert.ok(!html.includes("<script"), "response text is escaped");
  assert.ok(html.includes("&lt;script&gt;"));
  assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(html), "a bare & in HTML");
  assert.match(html, />✗ parse<\/span>/);
  assert.match(html, />✗ validate<\/span>/);
  assert.match(html, />✓ passed<\/span>/);
  assert.ok(!/<(div|table|span|pre)\b/.test(plain), "no markup in text/plain");
  const lines = plain.split("\n");
  assert.equal(lines[0], "3 attempts · passed on attempt 3");
  assert.match(lines[3]!, /^ +1 +✗ parse +expected opening tag <a> at offset 0/);
  assert.match(lines[4]!, /^ +text there: <script>alert\("x"\)<\/script> & 'q'$/);
  assert.match(lines[5]!, /^ +2 +✗ validate +validate returned false +<a>bad<\/a>$/);
  assert.match(lines[6]!, /^ +3 +✓ passed +<script>alert\("x"\)<\/script> & 'q'/);
  assert.equal(String(view), plain);
});

Deno.test("showAttempts: takes the LLMOutputError a call threw; values show as JSON", async () => {
  const error = await queryRetry(new Scripted(["x", "y"]), "p", tag("a"), { retries: 2 })
    .catch((e) => e);
  assert.ok(error instanceof LLMOutputError);
  assert.match(String(showAttempts(error)), /^2 attempts · none passed\n/);
  const attempts: Attempt[] = [];
  await queryRetry(new Scripted(['{"year": 2017}']), "p", json(), {
    onAttempt: (a) => attempts.push(a),
  });
  assert.match(String(showAttempts(attempts)), /✓ passed\s+\{"year":2017\}/);
  assert.match(String(showAttempts([])), /^0 attempts · none passed/);
});

Deno.test("showAttempts: folds long responses and rejects what is not attempts", async () => {
  const long = `<a>ok</a>\n${"line\n".repeat(10)}`;
  const [attempt] = await attemptsOf([long], 1);
  const html = showAttempts([attempt!], { fold: 500 }).bundle()["text/html"];
  assert.match(html, /<details open>/, "more than 3 lines is folded, open as it passed");
  assert.throws(() => showAttempts(42 as never), /cannot show 42 as attempts: .* onAttempt option/);
});
