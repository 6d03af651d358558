// Generation options: what a request asks for besides the prompt. Every one
// of them can change the output, so all of them join the cache key.

import { describe } from "../core/_validate.ts";
import { defined, isRecord } from "./_options.ts";

/** Request options that change what the model generates; all join the cache key. */
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

/** Body fields (wire names) and the system message of a request. */
export interface Generation {
  /** Fields to merge into the request body. */
  fields: Record<string, unknown>;
  /** The system message, if any. */
  system: string | undefined;
}

/** Checks the options and names them as the OpenAI API does. */
export function generation(
  options: GenerationOptions,
  reserved: readonly string[],
): Generation {
  const { system, maxTokens, stop, seed, topP, responseFormat, params = {} } = options;
  if (system !== undefined && typeof system !== "string") {
    throw new TypeError(`system must be a string, got ${describe(system)}`);
  }
  if (!isRecord(params)) {
    throw new TypeError(`params must be an object of body fields, got ${describe(params)}`);
  }
  const clash = Object.keys(params).find((k) => reserved.includes(k));
  if (clash !== undefined) {
    throw new TypeError(
      `params may not set ${JSON.stringify(clash)}: the model sets ${reserved.join(", ")} itself`,
    );
  }
  checkNumber("maxTokens", maxTokens, true);
  checkNumber("seed", seed, true);
  checkNumber("topP", topP, false);
  if (stop !== undefined && typeof stop !== "string" && !isStrings(stop)) {
    throw new TypeError(`stop must be a string or an array of strings, got ${describe(stop)}`);
  }
  if (responseFormat !== undefined && !isRecord(responseFormat)) {
    throw new TypeError(
      `responseFormat must be an object such as { type: "json_object" }, got ${
        describe(responseFormat)
      }`,
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

function checkNumber(name: string, value: unknown, integer: boolean): void {
  if (value === undefined) return;
  if (
    typeof value !== "number" || !Number.isFinite(value) || (integer && !Number.isInteger(value))
  ) {
    throw new TypeError(
      `${name} must be a finite ${integer ? "integer" : "number"}, got ${describe(value)}`,
    );
  }
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((s) => typeof s === "string");
}
