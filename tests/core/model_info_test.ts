// Models describe themselves through the core's `modelInfo` protocol, and a
// stack shows itself in the kernel without any import; the notebooks layer
// only makes the display richer.

import assert from "node:assert/strict";
import { BufferedModel, type Model, Repeatable } from "../../mod.ts";
import { infoOf, modelInfo, stackOf } from "../../core/accounting.ts";
import { modelView } from "../../notebooks/mod.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { figureRow } from "../_support/figure_rows.ts";

Deno.test({
  name: "modelInfo: a stack shows itself as plain text without the notebooks, richly with them",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const script = `
      import { BufferedModel, Repeatable } from "./mod.ts";
      class Counter extends BufferedModel {
        query(_p, n) { return Promise.resolve(Array(n).fill("x")); }
      }
      const model = new Repeatable(new Counter("gpt-4o", 1));
      await model.sample("p").next();
      const show = () => model[Symbol.for("Jupyter.display")]();
      const plain = show();
      await import("./notebooks/mod.ts");
      console.log(JSON.stringify({ plain, rich: show() }));
    `;
    const output = await new Deno.Command("deno", {
      args: ["eval", "--no-config", "--quiet", script],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const { plain, rich } = JSON.parse(new TextDecoder().decode(output.stdout));
    assert.deepEqual(Object.keys(plain), ["text/plain"]);
    assert.match(plain["text/plain"], /^Repeatable in memory → Counter gpt-4o @ 1, max batch 1\n/);
    assert.deepEqual(figureRow(plain["text/plain"], "misses"), ["1"]);
    assert.match(rich["text/html"], /<b>Repeatable<\/b>/);
  },
});

Deno.test("modelInfo: displays read a stack by what it says, not by its class", () => {
  class Logged implements Model {
    readonly name = "logged";
    readonly temperature = 0;
    readonly alias = "logged";
    readonly maxBatch = 1;
    constructor(readonly inner: Model) {}
    sample(prompt: string, batch?: number) {
      return this.inner.sample(prompt, batch);
    }
    totalQueryTime() {
      return this.inner.totalQueryTime();
    }
    totalTokenCount() {
      return this.inner.totalTokenCount();
    }
    [modelInfo]() {
      return {
        kind: "Logger",
        role: "cache" as const,
        detail: "a hand-made cache",
        figures: { hits: 7, misses: 2 },
        inner: this.inner,
      };
    }
  }
  const model = new Logged(new Repeatable(new CountingModel("m", 1)));
  assert.deepEqual(stackOf(model).map((l) => l.kind), ["Logger", "Repeatable", "CountingModel"]);
  const view = modelView(model);
  assert.equal(view.figures.hits, 7, "the outermost cache is the one that says it is a cache");
  assert.match(view.title, /^Logger a hand-made cache → Repeatable → CountingModel m @ 1/);
});

Deno.test("modelInfo: a model without the protocol is still described, and a failing one never throws", () => {
  const plain: Model = {
    name: "bare",
    temperature: 0.5,
    alias: "b",
    maxBatch: 1,
    sample: () => new Repeatable(new CountingModel()).sample("p"),
    totalQueryTime: () => 0,
    totalTokenCount: () => [0, 0],
  };
  assert.deepEqual(infoOf(plain), {
    kind: "Object",
    role: "model",
    detail: "bare @ 0.5 (alias b)",
    figures: {},
  });
  const broken = Object.assign(Object.create(BufferedModel.prototype), plain) as Model;
  assert.match(infoOf(broken).detail, /cannot describe itself/);
});
