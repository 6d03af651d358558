/**
 * The Standard Schema interface (https://standardschema.dev), version 1:
 * what zod, valibot, arktype and other validation libraries implement, so
 * that any of them can check a model's output without this library depending
 * on one.
 *
 * @module
 */

/**
 * A validator in the Standard Schema format: an object whose `~standard`
 * property validates a value. zod (3.24+), valibot (1.0+) and arktype (2.0+)
 * schemas are Standard Schemas as they are; a hand-written one is a few lines.
 *
 * @example A hand-written Standard Schema
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, type StandardSchemaV1 } from "../mod.ts";
 *
 * const integer: StandardSchemaV1<string, number> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (value) =>
 *       typeof value === "string" && /^-?\d+$/.test(value.trim())
 *         ? { value: Number(value) }
 *         : { issues: [{ message: "expected an integer" }] },
 *   },
 * };
 *
 * assert.equal(integer["~standard"].vendor, "example");
 * assert.equal(parse(integer, " 42\n"), 42); // a schema as a spec checks the whole text
 * ```
 *
 * @typeParam Input The values the schema accepts.
 * @typeParam Output The value a successful validation yields.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The standard properties. */
  readonly "~standard": StandardSchemaProps<Input, Output>;
}

/**
 * The `~standard` property of a {@linkcode StandardSchemaV1}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StandardSchemaProps } from "../mod.ts";
 *
 * const props: StandardSchemaProps<unknown, string> = {
 *   version: 1,
 *   vendor: "example",
 *   validate: (value) =>
 *     typeof value === "string" ? { value } : { issues: [{ message: "expected a string" }] },
 * };
 * assert.deepEqual(props.validate("a"), { value: "a" });
 * ```
 *
 * @typeParam Input The values the schema accepts.
 * @typeParam Output The value a successful validation yields.
 */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** The version of the standard: 1. */
  readonly version: 1;
  /** The library that made the schema, e.g. `"zod"`. */
  readonly vendor: string;
  /**
   * Validates `value`: the (possibly transformed) value, or the issues found.
   * Asynchronous validation returns a promise.
   */
  readonly validate: (
    value: unknown,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Type-level only: the input and output types. */
  readonly types?: StandardSchemaTypes<Input, Output> | undefined;
}

/**
 * What a Standard Schema's `validate` returns: the value, or issues.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StandardSchemaResult } from "../mod.ts";
 *
 * const result: StandardSchemaResult<number> = { issues: [{ message: "too small", path: ["n"] }] };
 * assert.ok(result.issues !== undefined);
 * ```
 *
 * @typeParam Output The value of a success.
 */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/**
 * One problem a Standard Schema found.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StandardSchemaIssue } from "../mod.ts";
 *
 * const issue: StandardSchemaIssue = { message: "expected a number", path: ["year"] };
 * assert.equal(issue.path?.[0], "year");
 * ```
 */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where, in the validated value: keys, or objects holding a key. */
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/**
 * The type-level part of a Standard Schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StandardSchemaTypes } from "../mod.ts";
 *
 * const types: StandardSchemaTypes<string, number> = { input: "1", output: 1 };
 * assert.equal(types.output, 1);
 * ```
 *
 * @typeParam Input The values the schema accepts.
 * @typeParam Output The value a successful validation yields.
 */
export interface StandardSchemaTypes<Input = unknown, Output = Input> {
  /** The input type. */
  readonly input: Input;
  /** The output type. */
  readonly output: Output;
}

/**
 * The output type of a Standard Schema.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { InferOutput, StandardSchemaV1 } from "../mod.ts";
 *
 * type Year = InferOutput<StandardSchemaV1<unknown, number>>;
 * const year: Year = 2017;
 * assert.equal(year, 2017);
 * ```
 *
 * @typeParam S A Standard Schema.
 */
export type InferOutput<S extends StandardSchemaV1> = NonNullable<
  S["~standard"]["types"]
>["output"];

/**
 * Whether `value` is a Standard Schema (version 1).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isStandardSchema } from "../mod.ts";
 *
 * const schema = {
 *   "~standard": { version: 1, vendor: "example", validate: (value: unknown) => ({ value }) },
 * };
 * assert.ok(isStandardSchema(schema));
 * assert.ok(!isStandardSchema({ validate: () => true }));
 * ```
 *
 * @param value Anything.
 * @returns `true` when it has a `~standard` property with version 1 and a
 * `validate` function.
 */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  if ((typeof value !== "object" && typeof value !== "function") || value === null) return false;
  const props = (value as { "~standard"?: unknown })["~standard"];
  return typeof props === "object" && props !== null &&
    (props as StandardSchemaProps).version === 1 &&
    typeof (props as StandardSchemaProps).validate === "function";
}
