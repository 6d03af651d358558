// Checks shared by the spec builders.

import { describe } from "../internal/validate.ts";
import type { Spec } from "./spec.ts";

/** Throws a TypeError unless `spec` looks like a {@linkcode Spec}. */
export function assertSpec(spec: unknown, where: string): asserts spec is Spec<unknown> {
  if (
    typeof spec !== "object" || spec === null ||
    typeof (spec as Spec<unknown>).match !== "function" ||
    typeof (spec as Spec<unknown>).expected !== "string"
  ) {
    const schema = typeof spec === "object" && spec !== null && "~standard" in spec;
    throw new TypeError(
      `${where} expects a spec (tag(), code(), json(), repeat(), sequence() or an object with ` +
        `match() and expected), got ${schema ? "a Standard Schema" : describe(spec)}; ` +
        (schema
          ? "wrap it as json(schema) to check JSON in the text"
          : `build one, e.g. tag("answer")`),
    );
  }
}
