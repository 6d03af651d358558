/**
 * Reproducible `deno test` suites that call an LLM: {@linkcode llmFixture}
 * wraps a model so that a test module replays recorded samples (no network,
 * no key, read access only), records what is missing with
 * `deno test … -- --llm-record`, draws everything again with
 * `-- --llm-refresh`, and lists or prunes (`-- --llm-prune`) the recordings
 * it no longer uses.
 *
 * For authors of stores: {@linkcode storeConformance} registers the tests
 * every built-in store passes for a store of your own (a `Store`, see its
 * interface), and the usage-record helpers a store keeps its figures with
 * ({@linkcode recordsOf}, {@linkcode usageAt}, {@linkcode asRecord},
 * {@linkcode recordsBelow}; also exported by the main module, for the store
 * itself).
 *
 * ```ts ignore
 * // tests/chat_test.ts
 * import { first, OpenAI } from "jsr:@mnimi/llm-cache";
 * import { llmFixture } from "jsr:@mnimi/llm-cache/testing";
 *
 * const model = llmFixture(new OpenAI("gpt-4o-mini", 0), "tests/fixtures/llm");
 *
 * Deno.test("knows the capital of France", async () => {
 *   const answer = await first(model.sample("What is the capital of France? One word."));
 *   if (!answer.includes("Paris")) throw new Error(answer);
 * });
 * ```
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, collect } from "../mod.ts";
 * import { llmFixture } from "./mod.ts";
 *
 * class Dice extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(1 + Math.floor(Math.random() * 6))));
 *   }
 * }
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const options = { mode: "record", allowCI: true, name: "dice_test.ts" } as const;
 * const rolls = await collect(llmFixture(new Dice("dice", 1), dir, options).sample("roll"), 3);
 * const again = llmFixture(new Dice("dice", 1), dir, options);
 * assert.deepEqual(await collect(again.sample("roll"), 3), rolls); // recorded, not drawn
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { type FixtureMode, LlmFixture, llmFixture, type LlmFixtureOptions } from "./fixture.ts";
export {
  type ConformanceStore,
  type ConformanceTest,
  type ConformanceTestDefinition,
  storeConformance,
  type StoreConformanceOptions,
} from "./store_conformance.ts";
export { asRecord, recordsBelow, recordsOf, usageAt } from "../core/usage_records.ts";
