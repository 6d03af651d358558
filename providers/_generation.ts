// Generation options read for a request: checked once for every provider,
// then named as each API names them (OpenAI's names here, the others in
// their own files), and turned into the cache-key options.

import { assertFinite, assertInteger, describe } from "../internal/validate.ts";
import type { GenerationOptions } from "./generation.ts";
import { defined, isRecord } from "./_options.ts";

/**
 * Checks the generation options of `options` and returns them alone (no
 * connection or batch options), `params` defaulting to `{}`.
 *
 * @param options The model's options.
 * @param reserved Body fields the API sets itself, which `params` may not set.
 * @param who The model, for messages, e.g. `CloseAI "gpt-4o"`.
 */
export function checkedGeneration(
  options: GenerationOptions,
  reserved: readonly string[],
  who: string,
): GenerationOptions & { params: Record<string, unknown> } {
  const { system, maxTokens, stop, seed, topP, responseFormat, params = {} } = options;
  if (system !== undefined && typeof system !== "string") {
    throw new TypeError(
      `${who}: system must be a string, got ${describe(system)}; pass the system message text`,
    );
  }
  if (!isRecord(params)) {
    throw new TypeError(
      `${who}: params must be an object of body fields, got ${describe(params)}; ` +
        "pass e.g. { presence_penalty: 0.5 }",
    );
  }
  const clash = Object.keys(params).find((k) => reserved.includes(k));
  if (clash !== undefined) {
    throw new TypeError(
      `${who}: params may not set ${JSON.stringify(clash)}: the model sets ` +
        `${reserved.join(", ")} itself; leave it out of params`,
    );
  }
  if (maxTokens !== undefined) assertInteger("maxTokens", maxTokens, who);
  if (seed !== undefined) assertInteger("seed", seed, who);
  if (topP !== undefined) assertFinite("topP", topP, who);
  if (stop !== undefined && typeof stop !== "string" && !isStrings(stop)) {
    throw new TypeError(
      `${who}: stop must be a string or an array of strings, got ${describe(stop)}; ` +
        `pass e.g. ["\\n\\n"]`,
    );
  }
  if (responseFormat !== undefined && !isRecord(responseFormat)) {
    throw new TypeError(
      `${who}: responseFormat must be an object, got ${describe(responseFormat)}; ` +
        `pass e.g. { type: "json_object" }`,
    );
  }
  const checked = defined({ system, maxTokens, stop, seed, topP, responseFormat });
  return { ...checked, params };
}

/** The generation options as OpenAI's chat-completions fields (`params` as given). */
export function openAIFields(options: GenerationOptions): Record<string, unknown> {
  const { maxTokens, stop, seed, topP, responseFormat, params = {} } = options;
  const named = { max_tokens: maxTokens, stop, seed, top_p: topP, response_format: responseFormat };
  return defined({ ...params, ...defined(named) });
}

/**
 * The cache-key options of a request: its body fields plus the system
 * message; undefined when there are none, so the key stays mnimi's.
 */
export function keyOptionsOf(
  fields: Record<string, unknown>,
  system: string | undefined,
): Readonly<Record<string, unknown>> | undefined {
  const options = system === undefined ? fields : { ...fields, system };
  return Object.keys(options).length === 0 ? undefined : Object.freeze(structuredClone(options));
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === "string");
}
