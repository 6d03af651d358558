/**
 * `sequence(parts)`: specs matched one after another.
 *
 * @module
 */

import { describe } from "../internal/validate.ts";
import { assertSpec } from "./_spec.ts";
import type { Match, Parsed, Spec } from "./spec.ts";

/**
 * The values of a sequence's parts: a tuple for an array of specs, an
 * object with the same keys for an object of specs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, type SequenceValues, tag } from "../mod.ts";
 *
 * const parts = { plan: tag("plan"), program: code() };
 * const values: SequenceValues<typeof parts> = { plan: "loop", program: "for (;;);" };
 * assert.equal(values.plan, "loop");
 * ```
 *
 * @typeParam P The parts.
 */
export type SequenceValues<P> = { -readonly [K in keyof P]: Parsed<P[K]> };

/**
 * A spec for its parts matched one after another, each from where the
 * previous one ended (text between them is skipped). Given an array it
 * parses to a tuple; given an object, to an object with the same keys, the
 * parts matched in the order of the keys (as JavaScript orders them: keys
 * that look like integers come first).
 *
 * @example A tuple, as in the Python original
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse, repeat, sequence, tag } from "../mod.ts";
 *
 * const fence = "`".repeat(3);
 * const reply = `<plan>two steps</plan>\n${fence}py\nstep1()\n${fence}\n${fence}py\nstep2()\n${fence}`;
 * const [plan, steps] = parse(sequence([tag("plan"), repeat(code())]), reply);
 * assert.equal(plan, "two steps");
 * assert.deepEqual(steps, ["step1()", "step2()"]);
 * ```
 *
 * @example Named parts
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse, sequence, tag } from "../mod.ts";
 *
 * const spec = sequence({ reasoning: tag("reasoning"), answer: tag("answer") });
 * const { answer } = parse(spec, "<reasoning>6 × 7</reasoning> <answer>42</answer>");
 * assert.equal(answer, "42");
 * ```
 *
 * @param parts The specs, in order: an array, or an object of named specs.
 * @returns The spec; it parses to the parts' values.
 */
export function sequence<const P extends readonly Spec<unknown>[]>(
  parts: P,
): Spec<SequenceValues<P>>;
/**
 * A spec for named parts matched one after another, in the order of the
 * keys (see the first overload).
 *
 * @param parts An object of named specs.
 * @returns The spec; it parses to an object with the same keys.
 */
export function sequence<const P extends Readonly<Record<string, Spec<unknown>>>>(
  parts: P,
): Spec<SequenceValues<P>>;
export function sequence(
  parts: readonly Spec<unknown>[] | Readonly<Record<string, Spec<unknown>>>,
): Spec<unknown> {
  if (typeof parts !== "object" || parts === null) {
    throw new TypeError(
      `sequence() expects an array or an object of specs, got ${describe(parts)}; ` +
        `pass e.g. [tag("analysis"), code()] or { answer: tag("answer") }`,
    );
  }
  const entries = Array.isArray(parts)
    ? parts.map((p, i) => [i, p] as const)
    : Object.entries(parts);
  for (const [key, part] of entries) assertSpec(part, `sequence() part ${JSON.stringify(key)}`);
  return Array.isArray(parts) ? new Sequence(parts, (values) => values) : new Sequence(
    entries.map(([, part]) => part),
    (values) => Object.fromEntries(entries.map(([key], i) => [key, values[i]])),
  );
}

class Sequence<T> implements Spec<T> {
  readonly expected: string;
  #parts: readonly Spec<unknown>[];
  #shape: (values: unknown[]) => T;

  constructor(parts: readonly Spec<unknown>[], shape: (values: unknown[]) => T) {
    this.#parts = parts;
    this.#shape = shape;
    this.expected = parts.map((p) => p.expected).join(", then ") || "nothing";
  }

  match(text: string, from: number): Match<T> {
    const values: unknown[] = [];
    let start: number | undefined;
    let at = from;
    for (const part of this.#parts) {
      const match = part.match(text, at);
      start ??= match.start;
      values.push(match.value);
      at = match.end;
    }
    return { start: start ?? from, end: at, value: this.#shape(values) };
  }
}
