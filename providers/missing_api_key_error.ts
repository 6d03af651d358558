/**
 * `MissingApiKeyError`: a provider needs an API key and its environment
 * variable is not set.
 *
 * @module
 */

/**
 * The environment variable that should hold a provider's API key is not set
 * (or is blank). Thrown at the first request that needs the key, before
 * anything is sent.
 *
 * @example Telling the user which variable to set
 * ```ts
 * import assert from "node:assert/strict";
 * import { MissingApiKeyError } from "../mod.ts";
 *
 * const error = new MissingApiKeyError("CLOSEAI_API_KEY");
 * assert.equal(error.name, "MissingApiKeyError");
 * assert.equal(error.variable, "CLOSEAI_API_KEY");
 * assert.match(error.message, /export CLOSEAI_API_KEY=/);
 * ```
 */
export class MissingApiKeyError extends Error {
  /** Always `"MissingApiKeyError"`. */
  override readonly name: string = "MissingApiKeyError";
  /** The environment variable that was read, e.g. `CLOSEAI_API_KEY`. */
  readonly variable: string;

  /**
   * Says that `variable` is not set and how to give the key.
   *
   * @param variable The environment variable holding the key.
   */
  constructor(variable: string) {
    super(
      `no API key to send: ${variable} is not set; export ${variable}=<your key>, ` +
        `or pass { apiKey } to the constructor`,
    );
    this.variable = variable;
  }
}
