// Checks shared by the spec builders.

import { describe } from "../internal/validate.ts";
import type { ReplySpec, Spec } from "./spec.ts";

/** Throws a TypeError unless `spec` looks like a {@linkcode Spec}. */
export function assertSpec(spec: unknown, where: string): asserts spec is Spec<unknown> {
  if (isSpec(spec)) return;
  if (isReplySpec(spec)) {
    throw new TypeError(
      `${where} expects a spec of a part of the text, got a reply spec (${spec.expected}): it ` +
        "reads a whole reply, not a part of its text; parse it on its own, parse(spec, reply)",
    );
  }
  const schema = typeof spec === "object" && spec !== null && "~standard" in spec;
  throw new TypeError(
    `${where} expects a spec (tag(), code(), json(), repeat(), sequence() or an object with ` +
      `match() and expected), got ${schema ? "a Standard Schema" : describe(spec)}; ` +
      (schema
        ? "wrap it as json(schema) to check JSON in the text"
        : `build one, e.g. tag("answer")`),
  );
}

/** Whether `spec` has a spec's members (`match` and `expected`). */
function isSpec(spec: unknown): spec is Spec<unknown> {
  return typeof spec === "object" && spec !== null &&
    typeof (spec as Spec<unknown>).match === "function" &&
    typeof (spec as Spec<unknown>).expected === "string";
}

/** Whether `spec` is a {@linkcode ReplySpec}: `read` and `expected`, and no `match`. */
export function isReplySpec(spec: unknown): spec is ReplySpec<unknown> {
  return typeof spec === "object" && spec !== null && !isSpec(spec) &&
    typeof (spec as ReplySpec<unknown>).read === "function" &&
    typeof (spec as ReplySpec<unknown>).expected === "string";
}
