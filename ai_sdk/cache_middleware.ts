/**
 * `cacheMiddleware`: this library's cache semantics for `generateText` and
 * `streamText`, as an AI SDK language model middleware.
 *
 * @module
 */

import type {
  LanguageModelV4,
  LanguageModelV4GenerateResult,
  LanguageModelV4Middleware,
} from "@ai-sdk/provider";
import { BufferedModel, type QueryResult } from "../core/buffered_model.ts";
import { Independent } from "../core/independent.ts";
import { modelKey } from "../core/model_key.ts";
import type { Prompt } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { storeOf } from "../cache/open_store.ts";
import { Persistent } from "../cache/persistent.ts";
import type { Store } from "../cache/store.ts";
import { callIdentity } from "./_prompt.ts";
import { replyOfResult, resultOfReply, streamOfReply, tokensOfUsage } from "./_result.ts";

/**
 * Options of {@linkcode cacheMiddleware}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { CacheMiddlewareOptions } from "./cache_middleware.ts";
 *
 * const options: CacheMiddlewareOptions = { store: "sqlite:llm_cache.db", mode: "repeat" };
 * assert.equal(options.mode, "repeat");
 * ```
 */
export interface CacheMiddlewareOptions {
  /**
   * Where the samples are kept: a {@linkcode Store}, or a spec as
   * `openStore` reads it (a folder in the Python original's layout,
   * `kv:<path>`, `sqlite:<path>`, `redis://…`). A store given is shared by
   * every model the middleware wraps; close it when done.
   */
  store: string | URL | Store;
  /**
   * `"independent"`: the n-th identical call of a run gets the n-th cached
   * sample (independent draws, replayed in the same order by the next run);
   * `"repeat"`: every identical call gets the same (the first) sample.
   * @default {"independent"}
   */
  mode?: "independent" | "repeat";
  /**
   * Replay only: never call the model; a call the store cannot answer
   * throws `ReplicationCacheMiss`.
   * @default {false}
   */
  replication?: boolean;
  /**
   * The name in cache keys, e.g. to share one cache between two providers'
   * ids of one model.
   * @default {the model's id}
   */
  alias?: string;
}

/**
 * What {@linkcode cacheMiddleware} returns: an AI SDK language model
 * middleware of specification `v4` (the `LanguageModelV4Middleware` of
 * `@ai-sdk/provider`), for `wrapLanguageModel({ model, middleware })`. Its
 * methods take and return the AI SDK's own types.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type AiSdkMiddleware, cacheMiddleware } from "./mod.ts";
 *
 * const middleware: AiSdkMiddleware = cacheMiddleware({ store: "tests/.tmp/never-created" });
 * assert.equal(middleware.specificationVersion, "v4");
 * ```
 */
export interface AiSdkMiddleware {
  /** Always `"v4"`. */
  readonly specificationVersion: "v4";
  /** Serves a generate call (`LanguageModelV4Middleware["wrapGenerate"]`). */
  // deno-lint-ignore no-explicit-any
  wrapGenerate(options: any): PromiseLike<any>;
  /** Serves a stream call (`LanguageModelV4Middleware["wrapStream"]`). */
  // deno-lint-ignore no-explicit-any
  wrapStream(options: any): PromiseLike<any>;
}

/**
 * A middleware that serves `generateText` (and `streamText`) calls of the
 * model it wraps from a cache store, with this library's semantics: by
 * default the n-th identical call of a run gets the n-th sample of that call
 * in the store (drawn from the model on a miss, stored before it is served),
 * so that repeated calls are independent draws and a rerun replays them in
 * order; in `repeat` mode every identical call gets the same sample.
 *
 * A call's identity is its prompt and tools (a chat's canonical text where
 * a chat says exactly what the call sends, so that a lone user message is
 * the same prompt as its text and shares samples with this library's
 * providers) and every setting that changes the output: the model id (or
 * `alias`), the temperature, and as key options `maxOutputTokens`,
 * `stopSequences`, `topP`, `topK`, penalties, `seed`, `responseFormat`,
 * `toolChoice`, `reasoning` and `providerOptions`. Headers and the abort
 * signal are not part of it; neither is the provider id. A call without a
 * temperature is kept under temperature 1 with the key option
 * `temperature: "provider default"`, apart from an explicit 1.
 *
 * A sample is served as the result of the call, whole, as the model gave
 * it and every store keeps it: its text, tool calls, reasoning, finish
 * reason (the provider's word as `raw`, the AI SDK's own as `unified`; for
 * a word it does not know, or none, `tool-calls` when the reply calls tools
 * and `other` when not) and the model id the provider reported; its
 * usage is unknown (what the run spent and saved is in the caches'
 * figures). A stream call is served one part at a time from the same
 * sample, drawn with `doGenerate` on a miss.
 *
 * @example The second call draws, a rerun replays both without calling the model
 * ```ts
 * import assert from "node:assert/strict";
 * import { generateText, wrapLanguageModel } from "ai";
 * import { MockLanguageModelV4 } from "ai/test";
 * import { cacheMiddleware } from "./mod.ts";
 *
 * let draws = 0;
 * const mock = () =>
 *   new MockLanguageModelV4({
 *     doGenerate: () =>
 *       Promise.resolve({
 *         content: [{ type: "text", text: `draw ${draws++}` }],
 *         finishReason: { unified: "stop", raw: "stop" },
 *         usage: {
 *           inputTokens: { total: 3, noCache: 3, cacheRead: undefined, cacheWrite: undefined },
 *           outputTokens: { total: 2, text: 2, reasoning: undefined },
 *         },
 *         warnings: [],
 *       }),
 *   });
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const run = async () => {
 *   const model = wrapLanguageModel({ model: mock(), middleware: cacheMiddleware({ store: dir }) });
 *   const ask = () => generateText({ model, prompt: "Pick a number.", temperature: 1 });
 *   return [(await ask()).text, (await ask()).text];
 * };
 * assert.deepEqual(await run(), ["draw 0", "draw 1"]);
 * assert.deepEqual(await run(), ["draw 0", "draw 1"]); // replayed
 * assert.equal(draws, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param options The store, the mode, replication.
 * @returns The middleware, for `wrapLanguageModel({ model, middleware })`.
 */
export function cacheMiddleware(options: CacheMiddlewareOptions): AiSdkMiddleware {
  const { store, mode, replication, alias } = checked(options);
  const caches = new Map<string, Cache>();
  const cacheOf = (model: LanguageModelV4, temperature: number, keyOptions: object): Cache => {
    const source = new Calls(model, alias ?? model.modelId, temperature, keyOptions);
    const key = modelKey(source);
    let cache = caches.get(key);
    if (cache === undefined) {
      const persistent = new Persistent(source, store, { replication });
      cache = { source, reader: mode === "repeat" ? persistent : new Independent(persistent) };
      caches.set(key, cache);
    }
    return cache;
  };
  const serve = async (
    params: Parameters<typeof callIdentity>[0],
    model: LanguageModelV4,
    generate: () => PromiseLike<LanguageModelV4GenerateResult>,
  ) => {
    const { prompt, keyOptions } = callIdentity(params);
    const { source, reader } = cacheOf(model, params.temperature ?? 1, keyOptions);
    const release = source.register(prompt, generate);
    try {
      return await next(reader, prompt);
    } finally {
      release();
    }
  };
  const middleware: LanguageModelV4Middleware = {
    specificationVersion: "v4",
    wrapGenerate: async ({ doGenerate, params, model }) =>
      resultOfReply(await serve(params, model, doGenerate)),
    wrapStream: async ({ doGenerate, params, model }) => ({
      stream: streamOfReply(await serve(params, model, doGenerate)),
    }),
  };
  return middleware as AiSdkMiddleware;
}

/** One wrapped model's calls at one temperature and settings: where misses are drawn from. */
interface Cache {
  source: Calls;
  reader: Persistent | Independent;
}

/** The next reply of `prompt` from `reader`: one `next()`, and the stream closed. */
async function next(reader: Persistent | Independent, prompt: string): Promise<Reply> {
  const stream = reader.replies(prompt);
  try {
    const { value, done } = await stream.next();
    if (done) throw new Error(`the cache's stream of ${JSON.stringify(prompt)} ended`);
    return value;
  } finally {
    await stream.return?.();
  }
}

/**
 * The model a cache draws its misses from: each sample is a `doGenerate`
 * call of a call waiting for it (any of the identical calls in flight: they
 * are one and the same request).
 */
class Calls extends BufferedModel {
  readonly keyOptions: Readonly<Record<string, unknown>> | undefined;
  #model: LanguageModelV4;
  #waiting = new Map<string, { generate: Generate; calls: number }>();

  constructor(model: LanguageModelV4, name: string, temperature: number, keyOptions: object) {
    super(name, temperature);
    this.keyOptions = Object.keys(keyOptions).length === 0 ? undefined : keyOptions as never;
    this.#model = model;
  }

  /** Makes `generate` draw samples of `prompt` until the returned function is called. */
  register(prompt: string, generate: Generate): () => void {
    const entry = this.#waiting.get(prompt) ?? { generate, calls: 0 };
    entry.calls++;
    this.#waiting.set(prompt, entry);
    return () => {
      if (--entry.calls === 0) this.#waiting.delete(prompt);
    };
  }

  protected async query(prompt: Prompt, n: number): Promise<QueryResult> {
    const entry = this.#waiting.get(prompt as string);
    if (entry === undefined) {
      throw new Error(`${this.#model.provider} "${this.name}": no call is waiting for this prompt`);
    }
    const results = await Promise.all(Array.from({ length: n }, () => entry.generate()));
    const tokens = results.map((result) => tokensOfUsage(result.usage));
    const known = (field: "input" | "output") =>
      tokens.every((t) => typeof t[field] === "number")
        ? tokens.reduce((sum, t) => sum + (t[field] as number), 0)
        : undefined;
    const [promptTokens, completionTokens] = [known("input"), known("output")];
    return {
      samples: results.map(replyOfResult),
      ...(promptTokens === undefined || completionTokens === undefined
        ? {}
        : { usage: { promptTokens, completionTokens } }),
    };
  }
}

type Generate = () => PromiseLike<LanguageModelV4GenerateResult>;

function checked(options: CacheMiddlewareOptions) {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(
      `cacheMiddleware: options must be an object, got ${describe(options)}; pass e.g. ` +
        `{ store: "llm_cache" }`,
    );
  }
  const { store, mode = "independent", replication = false, alias } = options;
  if (mode !== "independent" && mode !== "repeat") {
    throw new TypeError(
      `cacheMiddleware: mode must be "independent" or "repeat", got ${describe(mode)}`,
    );
  }
  if (typeof replication !== "boolean") {
    throw new TypeError(
      `cacheMiddleware: replication must be a boolean, got ${describe(replication)}`,
    );
  }
  if (alias !== undefined && (typeof alias !== "string" || alias === "")) {
    throw new TypeError(
      `cacheMiddleware: alias must be a non-empty string, got ${describe(alias)}`,
    );
  }
  const isStore = typeof (store as Partial<Store> | null)?.append === "function";
  if (typeof store !== "string" && !(store instanceof URL) && !isStore) {
    throw new TypeError(
      `cacheMiddleware: store must be a Store or a spec (a folder, kv:<path>, sqlite:<path>, ` +
        `redis://…), got ${describe(store)}`,
    );
  }
  // One store for every model the middleware wraps, opened on first use.
  const opened = typeof store === "string" || store instanceof URL ? storeOf(store) : store;
  return { store: opened, mode, replication, alias };
}
