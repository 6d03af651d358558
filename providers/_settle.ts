// Several single-sample requests that together make one batch.

import type { QueryResult } from "../core/buffered_model.ts";
import { type TokenCounts, tokensOf } from "./_token_counts.ts";

/**
 * The samples of every request that succeeded, in order, and their tokens
 * summed: split when every one of them reported its split, a total when
 * every one reported at least a total, else unknown. A sample that was paid
 * for is kept even when its siblings fail; only when all fail does the first
 * failure propagate.
 */
export async function settleSamples(requests: Promise<QueryResult>[]): Promise<QueryResult> {
  const results = await Promise.allSettled(requests);
  const answered = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
  const samples = answered.flatMap((r) => r.samples);
  if (samples.length === 0) throw results.find((r) => r.status === "rejected")?.reason;
  return { samples, ...summed(answered) };
}

function summed(answers: readonly TokenCounts[]): TokenCounts {
  if (answers.every((r) => r.usage !== undefined)) {
    const sum = (field: "promptTokens" | "completionTokens") =>
      answers.reduce((n, r) => n + r.usage![field], 0);
    return {
      usage: { promptTokens: sum("promptTokens"), completionTokens: sum("completionTokens") },
    };
  }
  const totals = answers.map(tokensOf);
  if (totals.some((t) => t === undefined)) return {};
  return { totalTokens: totals.reduce((n: number, t) => n + t!, 0) };
}
