// Text helpers the structured-output errors share.

import type { StandardSchemaIssue } from "./standard_schema.ts";

const EXCERPT = 40;

/** Up to 40 characters (code points) of `text` from `offset`, with `…` when cut. */
export function excerptAt(text: string, offset: number): string {
  // 2 × 40 + 2 UTF-16 units always hold more than 40 code points when the text goes on.
  const chars = [...text.slice(offset, offset + 2 * EXCERPT + 2)];
  return chars.length > EXCERPT ? chars.slice(0, EXCERPT).join("") + "…" : chars.join("");
}

/** Schema issues on one line: `year: expected a number; title: required`. */
export function formatIssues(issues: readonly StandardSchemaIssue[]): string {
  if (issues.length === 0) return "the schema reported a failure without issues";
  return issues.map((issue) => {
    const path = (issue.path ?? [])
      .map((segment) => String(typeof segment === "object" ? segment.key : segment))
      .join(".");
    return path === "" ? issue.message : `${path}: ${issue.message}`;
  }).join("; ");
}
