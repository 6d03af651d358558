// Several single-sample requests that together make one batch.

import type { QueryResult } from "../core/buffered_model.ts";

/**
 * The samples of every request that succeeded, in order, and their tokens
 * summed (unknown when one of them did not report its own). A sample that
 * was paid for is kept even when its siblings fail; only when all fail does
 * the first failure propagate.
 */
export async function settleSamples(requests: Promise<QueryResult>[]): Promise<QueryResult> {
  const results = await Promise.allSettled(requests);
  const answered = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  const samples = answered.flatMap((r) => r.samples);
  if (samples.length === 0) throw results.find((r) => r.status === "rejected")?.reason;
  if (answered.some((r) => r.usage === undefined)) return { samples };
  const sum = (field: "promptTokens" | "completionTokens") =>
    answered.reduce((n, r) => n + r.usage![field], 0);
  return {
    samples,
    usage: { promptTokens: sum("promptTokens"), completionTokens: sum("completionTokens") },
  };
}
