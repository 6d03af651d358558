/**
 * The AI SDK bridge (`@mnimi/llm-cache/ai-sdk`): every AI SDK language model
 * as a {@linkcode Model} ({@linkcode fromAiSdk}), and this library's cache
 * semantics for `generateText` and `streamText` ({@linkcode cacheMiddleware}).
 * Its code imports only types from the AI SDK (`ai@7`, specification `v4`):
 * bring your own `ai` and providers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateText, wrapLanguageModel } from "ai";
 * import { MockLanguageModelV4 } from "ai/test";
 * import { cacheMiddleware, fromAiSdk } from "./mod.ts";
 *
 * const mock = new MockLanguageModelV4({
 *   doGenerate: {
 *     content: [{ type: "text", text: "4" }],
 *     finishReason: { unified: "stop", raw: "stop" },
 *     usage: {
 *       inputTokens: { total: 5, noCache: 5, cacheRead: undefined, cacheWrite: undefined },
 *       outputTokens: { total: 1, text: 1, reasoning: undefined },
 *     },
 *     warnings: [],
 *   },
 * });
 * assert.equal(fromAiSdk(mock, 0).name, "mock-model-id");
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const model = wrapLanguageModel({ model: mock, middleware: cacheMiddleware({ store: dir }) });
 * assert.equal((await generateText({ model, prompt: "2+2?" })).text, "4");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  type AiSdkLanguageModel,
  AiSdkModel,
  type AiSdkModelOptions,
  fromAiSdk,
} from "./from_ai_sdk.ts";
export {
  type AiSdkMiddleware,
  cacheMiddleware,
  type CacheMiddlewareOptions,
} from "./cache_middleware.ts";
