/**
 * `json(schema?)`: JSON in a fenced block or as the whole text.
 *
 * @module
 */

import { fencedBlock } from "./_fence.ts";
import { validateNow } from "./_schema.ts";
import { ParseError } from "./parse_error.ts";
import type { Match, Spec } from "./spec.ts";
import { type InferOutput, isStandardSchema, type StandardSchemaV1 } from "./standard_schema.ts";

const EXPECTED = "JSON (in a ```json block or as the whole text)";

/**
 * A spec for a JSON value: the content of the first fenced block at or after
 * the position whose info string is `json` or empty (fenced as
 * {@linkcode code} reads fences), or else the whole rest of the text
 * (surrounding whitespace ignored). With a Standard Schema
 * (zod, valibot, arktype, …) the value must also pass it, and parses to the
 * schema's output type; a value the schema rejects fails to parse.
 *
 * The schema runs synchronously while parsing; a schema with asynchronous
 * refinements goes in queryRetry's `validate` option instead. A value nested
 * too deeply for the schema (a recursive schema that runs out of stack) fails
 * to parse. zod answers such a value with a promise, as it does when it is
 * asynchronous: `parse()` cannot wait to tell the two apart and throws a
 * TypeError that says so, while `queryRetry` awaits the promise, so the
 * attempt fails and the next one is drawn.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json, parse, type StandardSchemaV1 } from "../mod.ts";
 *
 * const fence = "`".repeat(3);
 * assert.deepEqual(parse(json(), `Sure:\n${fence}json\n{"year": 2017}\n${fence}`), { year: 2017 });
 * assert.deepEqual(parse(json(), ' [1, 2]\n'), [1, 2]);
 *
 * // Any Standard Schema: zod's z.object({ year: z.number() }) works the same way.
 * const paper: StandardSchemaV1<unknown, { year: number }> = {
 *   "~standard": {
 *     version: 1,
 *     vendor: "example",
 *     validate: (v) =>
 *       typeof (v as { year?: unknown })?.year === "number"
 *         ? { value: v as { year: number } }
 *         : { issues: [{ message: "expected a number", path: ["year"] }] },
 *   },
 * };
 * assert.equal(parse(json(paper), '{"year": 2017}').year, 2017);
 * assert.throws(() => parse(json(paper), '{"year": "2017"}'), /year: expected a number/);
 * ```
 *
 * @param schema A Standard Schema the value must pass.
 * @returns The spec; it parses to the JSON value, or the schema's output.
 */
export function json(): Spec<unknown>;
/**
 * A spec for a JSON value that must pass `schema` (see the first overload).
 *
 * @param schema A Standard Schema the value must pass.
 * @returns The spec; it parses to the schema's output.
 */
export function json<S extends StandardSchemaV1>(schema: S): Spec<InferOutput<S>>;
export function json(schema?: StandardSchemaV1): Spec<unknown> {
  if (schema !== undefined && !isStandardSchema(schema)) {
    throw new TypeError(
      "json() takes a Standard Schema (a zod, valibot or arktype schema, or an object with a " +
        `"~standard" property), got ${typeof schema}; for a plain check, use queryRetry's ` +
        "validate option instead",
    );
  }
  return new Json(schema);
}

class Json implements Spec<unknown> {
  readonly expected: string;
  #schema: StandardSchemaV1 | undefined;

  constructor(schema: StandardSchemaV1 | undefined) {
    this.#schema = schema;
    this.expected = schema === undefined
      ? "JSON"
      : `JSON the ${schema["~standard"].vendor} schema accepts`;
  }

  match(text: string, from: number): Match<unknown> {
    const found = jsonText(text, from);
    let value: unknown;
    try {
      value = JSON.parse(found.content);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new ParseError(text, {
        expected: EXPECTED,
        offset: found.contentStart,
        detail: error.message,
      });
    }
    if (this.#schema !== undefined) {
      const result = validateNow(this.#schema, value, "json()", found.content);
      if (result.issues !== undefined) {
        throw new ParseError(text, {
          expected: this.expected,
          offset: found.contentStart,
          issues: result.issues,
        });
      }
      value = result.value;
    }
    return { start: found.start, end: found.end, value };
  }
}

/** The first ```json (or bare ```) block from `from`, else the rest of the text. */
function jsonText(text: string, from: number) {
  let at = from;
  while (true) {
    let block;
    try {
      block = fencedBlock(text, at, EXPECTED);
    } catch (error) {
      if (error instanceof ParseError) break;
      throw error;
    }
    if (block.language === "json" || block.language === "") return block;
    at = block.end;
  }
  const rest = text.slice(from);
  const content = rest.trim();
  const contentStart = from + rest.length - rest.trimStart().length;
  return { start: contentStart, end: contentStart + content.length, contentStart, content };
}
