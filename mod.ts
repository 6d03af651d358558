/**
 * The LLM cache for Deno: reproducible, faster and cheaper LLM experiments
 * that keep statistical independence honest.
 *
 * One API, `model.sample(prompt, batch)`, yields an endless stream of
 * samples. Decorators change what a call of `sample` means without the
 * calling code having to know:
 *
 * - a provider draws fresh, independent samples;
 * - {@linkcode Repeatable} replays the same sequence on every call;
 * - {@linkcode Independent} continues where the previous call stopped;
 * - {@linkcode Persistent} is `Repeatable` across runs, on disk (the Python
 *   original's layout), in Deno KV (`./kv`) or in Redis (`./redis`).
 *
 * Providers: {@linkcode OpenAICompatible} and its wrappers ({@linkcode AI302},
 * {@linkcode CloseAI}, {@linkcode FireworksAI}, {@linkcode XMCP},
 * {@linkcode OpenAI}), {@linkcode Ollama}, {@linkcode Anthropic} and
 * {@linkcode Gemini}, on one base for HTTP APIs ({@linkcode HttpProvider});
 * every AI SDK model through `./ai-sdk`. Displays for the Jupyter kernel
 * come from `./notebooks`, the command line from `./cli`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Independent, Repeatable } from "./mod.ts";
 *
 * class Dice extends BufferedModel {
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(
 *       Array.from({ length: n }, () => String(1 + Math.floor(Math.random() * 6))),
 *     );
 *   }
 * }
 *
 * const model = new Repeatable(new Dice("dice", 1));
 * const a = await first(model.sample("roll"));
 * assert.equal(a, await first(model.sample("roll")));
 * const fresh = new Independent(model);
 * assert.equal(a, await first(fresh.sample("roll")));
 * ```
 *
 * @module
 */

export * from "./core/mod.ts";
export * from "./cache/mod.ts";
export * from "./providers/mod.ts";
export * from "./structured/mod.ts";
export * from "./analysis/mod.ts";
