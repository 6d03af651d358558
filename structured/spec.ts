/**
 * What an output spec is: a parser for one part of a model's response.
 *
 * @module
 */

import type { Reply } from "../core/reply.ts";
import type { InferOutput, StandardSchemaV1 } from "./standard_schema.ts";

/**
 * Where a spec matched, and the value it parsed there.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { tag } from "../mod.ts";
 *
 * const match = tag("a").match("x <a>1</a>", 0);
 * assert.deepEqual(match, { start: 2, end: 10, value: "1" });
 * ```
 *
 * @typeParam T The parsed value.
 */
export interface Match<T> {
  /** Offset of the first character matched. */
  readonly start: number;
  /** Offset just past the last character matched. */
  readonly end: number;
  /** The parsed value. */
  readonly value: T;
}

/**
 * A declarative description of (part of) a model's output, which parses to
 * a value of type `T`: {@linkcode tag}, {@linkcode code}, {@linkcode json},
 * {@linkcode repeat} and {@linkcode sequence} make them, and any object with
 * these two members is one too.
 *
 * @example A spec of one's own: a number on a line of its own
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, ParseError, sequence, type Spec, tag } from "../mod.ts";
 *
 * const number: Spec<number> = {
 *   expected: "a number on its own line",
 *   match(text, from) {
 *     const found = /^-?\d+(?:\.\d+)?$/m.exec(text.slice(from));
 *     if (found === null) throw new ParseError(text, { expected: this.expected, offset: from });
 *     const start = from + found.index;
 *     return { start, end: start + found[0].length, value: Number(found[0]) };
 *   },
 * };
 *
 * const [label, value] = parse(sequence([tag("label"), number]), "<label>pi</label>\n3.14\n");
 * assert.equal(label, "pi");
 * assert.equal(value, 3.14);
 * ```
 *
 * @typeParam T The parsed value.
 */
export interface Spec<T> {
  /** What the spec looks for, as error messages name it, e.g. `<answer>…</answer>`. */
  readonly expected: string;
  /**
   * The spec's first match in `text` at or after offset `from`.
   *
   * @throws {ParseError} When there is none; any other error is a bug, not bad output.
   */
  match(text: string, from: number): Match<T>;
}

/**
 * A spec that reads a whole reply rather than a part of its text: what a
 * model answered through a tool call (`json(schema, { from: "toolCall" })`
 * makes one), or anything else a `Reply` holds. {@linkcode parse} and
 * {@linkcode queryRetry} take it; `sequence` and `repeat` do not, since it
 * matches no part of a text.
 *
 * @example A spec of one's own: a reply that was not cut short
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, ParseError, type ReplySpec } from "../mod.ts";
 *
 * const complete: ReplySpec<string> = {
 *   expected: "a reply that ended on its own",
 *   read(reply) {
 *     if (reply.finishReason === "length") {
 *       throw new ParseError(reply.text, {
 *         expected: this.expected,
 *         offset: reply.text.length,
 *         detail: "the reply reached its token limit",
 *       });
 *     }
 *     return reply.text;
 *   },
 * };
 * assert.equal(parse(complete, { text: "Done.", toolCalls: [], finishReason: "stop" }), "Done.");
 * assert.throws(
 *   () => parse(complete, { text: "It was the best", toolCalls: [], finishReason: "length" }),
 *   /reached its token limit/,
 * );
 * ```
 *
 * @typeParam T The value read.
 */
export interface ReplySpec<T> {
  /** What the spec looks for, as error messages name it, e.g. `a call of the tool "add"`. */
  readonly expected: string;
  /**
   * The value `reply` holds.
   *
   * @throws {ParseError} When it holds none; any other error is a bug, not bad output.
   */
  read(reply: Reply): T;
}

/**
 * What {@linkcode parse} and {@linkcode queryRetry} accept as a spec: a
 * {@linkcode Spec}, or a Standard Schema that validates the whole text (a
 * string) and yields `T`. To check JSON with a schema, use `json(schema)`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OutputSpec, parse, tag } from "../mod.ts";
 *
 * const spec: OutputSpec<string> = tag("answer");
 * assert.equal(parse(spec, "<answer>yes</answer>"), "yes");
 * ```
 *
 * @typeParam T The parsed value.
 */
export type OutputSpec<T> = Spec<T> | StandardSchemaV1<string, T>;

/**
 * The value a spec (or a Standard Schema) parses to.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, type Parsed, repeat, sequence, tag } from "../mod.ts";
 *
 * const spec = sequence([tag("plan"), repeat(code())]);
 * const value: Parsed<typeof spec> = ["step 1", ["print(1)"]];
 * assert.equal(value[1].length, 1);
 * ```
 *
 * @typeParam S A spec, a reply spec or a Standard Schema.
 */
export type Parsed<S> = S extends Spec<infer T> ? T
  : S extends ReplySpec<infer T> ? T
  : S extends StandardSchemaV1 ? InferOutput<S>
  : never;
