/**
 * `json(schema?)`: JSON in a fenced block or as the whole text.
 *
 * @module
 */

import type { ToolCall } from "../core/prompt.ts";
import type { Reply } from "../core/reply.ts";
import { describe } from "../internal/validate.ts";
import { fencedBlock } from "./_fence.ts";
import { validateNow } from "./_schema.ts";
import { ParseError } from "./parse_error.ts";
import type { Match, ReplySpec, Spec } from "./spec.ts";
import { type InferOutput, isStandardSchema, type StandardSchemaV1 } from "./standard_schema.ts";

const EXPECTED = "JSON (in a ```json block or as the whole text)";

/**
 * Where {@linkcode json} reads JSON from.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json, type JsonOptions, parse } from "../mod.ts";
 *
 * const options = { from: "toolCall", name: "add" } satisfies JsonOptions;
 * const reply = { text: "", toolCalls: [{ id: "c1", name: "add", arguments: '{"a":2}' }] };
 * assert.deepEqual(parse(json(undefined, options), reply), { a: 2 });
 * ```
 */
export interface JsonOptions {
  /**
   * `"text"`: the reply's text (a fenced block, or the whole text);
   * `"toolCall"`: the arguments of a tool call of the reply (the spec is
   * then a {@linkcode ReplySpec}, which reads a whole reply).
   * @default {"text"}
   */
  from?: "text" | "toolCall";
  /**
   * With `from: "toolCall"`: the tool whose first call is read; a reply
   * that calls only other tools fails to parse.
   * @default {undefined, the reply's first call, whatever its tool}
   */
  name?: string;
}

/**
 * A spec for the JSON arguments of a reply's tool call, which must pass
 * `schema` when there is one: the first call of the tool `name` (of any
 * tool without a name). Arguments that are not JSON, or that the schema
 * rejects, and a reply that makes no such call, fail to parse; under
 * `queryRetry`, the next attempt is drawn (or, with `repair`, the model is
 * told what was wrong in the tool's result).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { json, parse, ParseError, type Reply } from "../mod.ts";
 *
 * const reply: Reply = {
 *   text: "",
 *   toolCalls: [{ id: "call_1", name: "record", arguments: '{"year": 2017}' }],
 *   finishReason: "tool_calls",
 * };
 * assert.deepEqual(parse(json(undefined, { from: "toolCall", name: "record" }), reply), { year: 2017 });
 * assert.throws(
 *   () => parse(json(undefined, { from: "toolCall", name: "search" }), reply),
 *   (e) => e instanceof ParseError && /a call of the tool "search"/.test(e.message),
 * );
 * ```
 *
 * @param schema A Standard Schema the arguments must pass, or `undefined`.
 * @param options `from: "toolCall"`, and the tool's `name`.
 * @returns A reply spec; it reads the arguments, or the schema's output.
 */
export function json<S extends StandardSchemaV1>(
  schema: S,
  options: JsonOptions & { from: "toolCall" },
): ReplySpec<InferOutput<S>>;
/**
 * A spec for the JSON arguments of a reply's tool call (see the overload
 * above, with a schema).
 *
 * @param schema `undefined`: any JSON.
 * @param options `from: "toolCall"`, and the tool's `name`.
 * @returns A reply spec; it reads the arguments.
 */
export function json(
  schema: undefined,
  options: JsonOptions & { from: "toolCall" },
): ReplySpec<unknown>;
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
 * A spec for a JSON value that must pass `schema` (see the overload
 * without one).
 *
 * @param schema A Standard Schema the value must pass.
 * @returns The spec; it parses to the schema's output.
 */
export function json<S extends StandardSchemaV1>(schema: S): Spec<InferOutput<S>>;
export function json(
  schema?: StandardSchemaV1,
  options: JsonOptions = {},
): Spec<unknown> | ReplySpec<unknown> {
  if (schema !== undefined && !isStandardSchema(schema)) {
    const options = typeof schema === "object" && schema !== null && "from" in schema;
    throw new TypeError(
      "json() takes a Standard Schema (a zod, valibot or arktype schema, or an object with a " +
        `"~standard" property), got ${typeof schema}; ` +
        (options
          ? "options go second: json(undefined, { from: ... }) without a schema"
          : "for a plain check, use queryRetry's validate option instead"),
    );
  }
  const { from = "text", name } = assertOptions(options);
  return from === "toolCall" ? new ToolCallJson(schema, name) : new Json(schema);
}

function assertOptions(options: JsonOptions): JsonOptions {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`json(): options must be an object, got ${describe(options)}`);
  }
  const { from, name } = options;
  if (from !== undefined && from !== "text" && from !== "toolCall") {
    throw new TypeError(
      `json(): from must be "text" or "toolCall", got ${describe(from)}`,
    );
  }
  if (name !== undefined) {
    if (typeof name !== "string" || name === "") {
      throw new TypeError(`json(): name must be a tool's name, got ${describe(name)}`);
    }
    if (from !== "toolCall") {
      throw new TypeError(
        `json(): name ${JSON.stringify(name)} names a tool, so it needs from: "toolCall"; ` +
          `pass json(schema, { from: "toolCall", name: ${JSON.stringify(name)} })`,
      );
    }
  }
  return options;
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

/** The JSON arguments of a reply's (first, or first named) tool call. */
class ToolCallJson implements ReplySpec<unknown> {
  readonly expected: string;
  #schema: StandardSchemaV1 | undefined;
  #name: string | undefined;

  constructor(schema: StandardSchemaV1 | undefined, name: string | undefined) {
    this.#schema = schema;
    this.#name = name;
    this.expected = name === undefined
      ? "a tool call"
      : `a call of the tool ${JSON.stringify(name)}`;
  }

  read(reply: Reply): unknown {
    const call = this.#call(reply);
    const what = `JSON arguments of ${call.name} (${call.id})`;
    let value: unknown;
    try {
      value = JSON.parse(call.arguments);
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw new ParseError(call.arguments, { expected: what, offset: 0, detail: error.message });
    }
    if (this.#schema === undefined) return value;
    const result = validateNow(this.#schema, value, "json()", call.arguments);
    if (result.issues !== undefined) {
      throw new ParseError(call.arguments, {
        expected: `${what} the ${this.#schema["~standard"].vendor} schema accepts`,
        offset: 0,
        issues: result.issues,
      });
    }
    return result.value;
  }

  #call(reply: Reply): ToolCall {
    const calls = reply.toolCalls;
    const call = this.#name === undefined ? calls[0] : calls.find((c) => c.name === this.#name);
    if (call !== undefined) return call;
    const names = [...new Set(calls.map((c) => c.name))].map((n) => JSON.stringify(n));
    throw new ParseError(reply.text, {
      expected: this.expected,
      offset: 0,
      detail: names.length === 0
        ? "the reply calls no tool"
        : `the reply calls ${names.join(", ")} only`,
    });
  }
}
