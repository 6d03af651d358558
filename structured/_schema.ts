// Running a Standard Schema on a model's output: at once where the caller
// cannot wait (parse is synchronous), awaited where it can (queryRetry), and
// its result as a value or a ParseError.
//
// A schema that answers with a promise is not always asynchronous: zod answers
// with one whenever its synchronous check throws, to run the check again
// asynchronously, as when a recursive schema overflows the stack on deeply
// nested JSON. parse() cannot wait to tell which; parseAwaiting() awaits the
// promise and parses again with its outcome, so that the parse goes exactly as
// if the schema had answered at once.

import { ParseError } from "./parse_error.ts";
import type { StandardSchemaResult, StandardSchemaV1 } from "./standard_schema.ts";

/** Outcomes of validations that answered with a promise: by schema, then by the text checked. */
type Outcomes = Map<StandardSchemaV1, Map<string, StandardSchemaResult<unknown>>>;

/** The outcomes the parse running now may use (set only while it runs, synchronously). */
let awaited: Outcomes | undefined;

/**
 * Validates `value`, parsed from `source`, with `schema`. A stack overflow is
 * an issue of the value (it is nested too deeply for the schema); another
 * error propagates; a promise throws a {@linkcode PendingValidation}.
 */
export function validateNow<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  where: string,
  source: string,
): StandardSchemaResult<T> {
  const known = awaited?.get(schema)?.get(source);
  if (known !== undefined) return known as StandardSchemaResult<T>;
  let result;
  try {
    result = schema["~standard"].validate(value);
  } catch (error) {
    return overflowIssue(schema, value, error);
  }
  if (isPromiseLike(result)) throw new PendingValidation(schema, value, where, source, result);
  return result;
}

/** Validates `value` with `schema`, awaited; a stack overflow is an issue of the value. */
export async function validateAwaited<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
): Promise<StandardSchemaResult<T>> {
  try {
    return await schema["~standard"].validate(value);
  } catch (error) {
    return overflowIssue(schema, value, error);
  }
}

/**
 * Runs `parse`; when a schema answers with a promise, awaits it and runs
 * `parse` again with its outcome, until no schema is left waiting. A schema
 * that is asynchronous (its promise fulfils) is a TypeError.
 */
export async function parseAwaiting<T>(parse: () => T): Promise<T> {
  const outcomes: Outcomes = new Map();
  while (true) {
    try {
      return withOutcomes(outcomes, parse);
    } catch (error) {
      if (!(error instanceof PendingValidation)) throw error;
      const bySource = outcomes.get(error.schema) ?? new Map();
      outcomes.set(error.schema, bySource);
      bySource.set(error.source, await error.outcome());
    }
  }
}

function withOutcomes<T>(outcomes: Outcomes, parse: () => T): T {
  const outer = awaited;
  awaited = outcomes;
  try {
    return parse();
  } finally {
    awaited = outer;
  }
}

/** A schema answered with a promise where parsing, which is synchronous, could not wait. */
class PendingValidation extends TypeError {
  readonly schema: StandardSchemaV1;
  readonly source: string;
  #value: unknown;
  #where: string;
  #promise: PromiseLike<StandardSchemaResult<unknown>>;

  constructor(
    schema: StandardSchemaV1,
    value: unknown,
    where: string,
    source: string,
    promise: PromiseLike<StandardSchemaResult<unknown>>,
  ) {
    const vendor = schema["~standard"].vendor;
    super(
      `the ${vendor} schema in ${where} answered with a promise, and parsing is synchronous: ` +
        `either it validates asynchronously (an async refinement? pass the schema as ` +
        `queryRetry's validate option instead, which awaits it), or its synchronous check threw ` +
        `and it checks again asynchronously, as zod does (e.g. a recursive schema that overflows ` +
        `the stack on deeply nested JSON); queryRetry awaits the promise and tells which`,
    );
    this.name = "TypeError";
    this.schema = schema;
    this.source = source;
    this.#value = value;
    this.#where = where;
    this.#promise = promise;
    promise.then(undefined, () => {}); // parse() never waits for it
  }

  /** The validation's result when it failed on a stack overflow; an error otherwise. */
  async outcome(): Promise<StandardSchemaResult<unknown>> {
    try {
      await this.#promise;
    } catch (error) {
      return overflowIssue(this.schema, this.#value, error);
    }
    throw new TypeError(
      `the ${this.schema["~standard"].vendor} schema in ${this.#where} validates ` +
        `asynchronously (an async refinement?), and parsing is synchronous: pass the schema as ` +
        `queryRetry's validate option instead, which awaits it`,
    );
  }
}

/** A stack overflow as an issue of `value`; any other error is rethrown. */
function overflowIssue(schema: StandardSchemaV1, value: unknown, error: unknown) {
  if (!(error instanceof RangeError && /call stack/i.test(error.message))) throw error;
  const depth = nesting(value);
  const what = depth > 1 ? `a value nested ${depth} levels deep` : "the value";
  return {
    issues: [{
      message: `the ${schema["~standard"].vendor} schema ran out of stack on ${what} ` +
        `(${error.message})`,
    }],
  };
}

/** How many arrays or objects deep `value` nests, counted without recursion. */
function nesting(value: unknown): number {
  let deepest = 0;
  const seen = new Set<object>();
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null || seen.has(node)) continue;
    seen.add(node);
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
  return deepest;
}

/** Whether `value` is a promise or another thenable. */
function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
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
