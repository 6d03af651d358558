// Generation options read for a request: checked, named as the OpenAI API
// names them, and turned into the cache-key options and the chat messages.

import { assertFinite, assertInteger, describe } from "../core/_validate.ts";
import type { GenerationOptions } from "./generation.ts";
import { defined, isRecord } from "./_options.ts";

/** Body fields (wire names) and the system message of a request. */
export interface Generation {
  /** Fields to merge into the request body. */
  fields: Record<string, unknown>;
  /** The system message, if any. */
  system: string | undefined;
}

/**
 * Checks the options and names them as the OpenAI API does.
 *
 * @param options The model's options.
 * @param reserved Body fields the model sets itself, which `params` may not set.
 * @param who The model, for messages, e.g. `CloseAI "gpt-4o"`.
 */
export function generation(
  options: GenerationOptions,
  reserved: readonly string[],
  who: string,
): Generation {
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
  const named = {
    max_tokens: maxTokens,
    stop,
    seed,
    top_p: topP,
    response_format: responseFormat,
  };
  return { fields: defined({ ...params, ...defined(named) }), system };
}

/**
 * The cache-key options of a request: its body fields plus the system
 * message; undefined when there are none, so the key stays mnimi's.
 */
export function keyOptionsOf(
  { fields, system }: Generation,
): Readonly<Record<string, unknown>> | undefined {
  const options = system === undefined ? fields : { ...fields, system };
  return Object.keys(options).length === 0 ? undefined : Object.freeze(structuredClone(options));
}

/** The chat messages for `prompt`. */
export function messages(prompt: string, system: string | undefined) {
  const user = { role: "user", content: prompt };
  return system === undefined ? [user] : [{ role: "system", content: system }, user];
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === "string");
}
