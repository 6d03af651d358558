// Running a Standard Schema on a model's output: at once where the caller
// cannot wait (parse is synchronous), and its result as a value or a
// ParseError.

import { ParseError } from "./parse_error.ts";
import type { StandardSchemaResult, StandardSchemaV1 } from "./standard_schema.ts";

/** Validates `value` with `schema`; a TypeError when the schema answers asynchronously. */
export function validateNow<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  where: string,
): StandardSchemaResult<T> {
  const result = schema["~standard"].validate(value);
  if (isPromiseLike(result)) {
    result.then(undefined, () => {}); // nobody waits for it
    throw new TypeError(
      `the ${schema["~standard"].vendor} schema in ${where} validates asynchronously ` +
        `(an async refinement?), and parsing is synchronous: pass the schema as ` +
        `queryRetry's validate option instead, which awaits it`,
    );
  }
  return result;
}

/** Whether `value` is a promise or another thenable. */
export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === "function";
}

/** The value a schema validated, or a ParseError listing its issues with `text`. */
export function schemaValue<T>(
  schema: StandardSchemaV1<string, T>,
  text: string,
  result: StandardSchemaResult<T>,
): T {
  if (result.issues !== undefined) {
    throw new ParseError(text, {
      expected: `text the ${schema["~standard"].vendor} schema accepts`,
      offset: 0,
      issues: result.issues,
    });
  }
  return result.value;
}
