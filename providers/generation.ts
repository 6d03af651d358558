/**
 * `GenerationOptions`: what a request asks for besides the prompt. Every one
 * of them can change the output, so all of them join the cache key.
 *
 * @module
 */

/**
 * Request options that change what the model generates; all join the cache
 * key, so two configurations never share a sequence. The names in brackets
 * are OpenAI's; every provider sends each option under its own API's name
 * (Anthropic's `stop_sequences`, Gemini's `generationConfig.maxOutputTokens`,
 * …), and says which options its API has none for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type GenerationOptions, OpenAI } from "../mod.ts";
 * import { modelKey } from "../cache/stores.ts";
 *
 * const terse: GenerationOptions = { system: "Answer in one word.", maxTokens: 5, stop: "\n" };
 * const plain = new OpenAI("gpt-4o", 1);
 * const short = new OpenAI("gpt-4o", 1, terse);
 * assert.equal(modelKey(plain), "gpt-4o_1");
 * assert.notEqual(modelKey(short), modelKey(plain));
 * ```
 */
export interface GenerationOptions {
  /**
   * A system message sent before the prompt.
   * @default {none}
   */
  system?: string;
  /**
   * The most tokens to generate (`max_tokens`).
   * @default {the server's default}
   */
  maxTokens?: number;
  /**
   * Sequences that end generation (`stop`).
   * @default {none}
   */
  stop?: string | string[];
  /**
   * A sampling seed, for providers that honour it (`seed`).
   * @default {none}
   */
  seed?: number;
  /**
   * Nucleus sampling mass (`top_p`).
   * @default {the server's default}
   */
  topP?: number;
  /**
   * A response format, e.g. `{ type: "json_object" }` (`response_format`).
   * @default {none}
   */
  responseFormat?: Record<string, unknown>;
  /**
   * More request body fields, sent as given (e.g. `{ presence_penalty: 0.5 }`).
   * They join the cache key too, so leave out fields that do not change the
   * output.
   * @default {{}}
   */
  params?: Record<string, unknown>;
}
