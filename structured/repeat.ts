/**
 * `repeat(spec)`: zero or more matches, one after another.
 *
 * @module
 */

import { assertSpec } from "./_spec.ts";
import { ParseError } from "./parse_error.ts";
import type { Match, Spec } from "./spec.ts";

/**
 * A spec for as many matches of `spec` as there are, one after another
 * (zero or more, like a Kleene star). It is greedy: it stops only when
 * `spec` fails or makes no progress, and never gives back a match, so
 * `sequence([repeat(tag("a")), tag("a")])` cannot succeed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { code, parse, repeat } from "../mod.ts";
 *
 * const fence = "`".repeat(3);
 * const reply = `Two files:\n${fence}js\na()\n${fence}\n${fence}js\nb()\n${fence}\n`;
 * assert.deepEqual(parse(repeat(code()), reply), ["a()", "b()"]);
 * assert.deepEqual(parse(repeat(code()), "no code"), []);
 * ```
 *
 * @param spec The spec to repeat.
 * @returns The spec; it parses to an array of `spec`'s values.
 */
export function repeat<T>(spec: Spec<T>): Spec<T[]> {
  assertSpec(spec, "repeat()");
  return new Repeat(spec);
}

class Repeat<T> implements Spec<T[]> {
  readonly expected: string;
  #inner: Spec<T>;

  constructor(inner: Spec<T>) {
    this.#inner = inner;
    this.expected = `zero or more of ${inner.expected}`;
  }

  match(text: string, from: number): Match<T[]> {
    const values: T[] = [];
    let start: number | undefined;
    let at = from;
    while (true) {
      let match: Match<T>;
      try {
        match = this.#inner.match(text, at);
      } catch (error) {
        if (error instanceof ParseError) break;
        throw error;
      }
      if (match.end <= at) break;
      start ??= match.start;
      values.push(match.value);
      at = match.end;
    }
    return { start: start ?? from, end: at, value: values };
  }
}
