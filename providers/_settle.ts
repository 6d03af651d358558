// Several single-sample requests that together make one batch.

/**
 * The samples of every request that succeeded, in order. A sample that was
 * paid for is kept even when its siblings fail; only when all fail does the
 * first failure propagate.
 */
export async function settleSamples(requests: Promise<string[]>[]): Promise<string[]> {
  const results = await Promise.allSettled(requests);
  const samples = results.flatMap((r) => r.status === "fulfilled" ? r.value : []);
  if (samples.length > 0) return samples;
  const failed = results.find((r) => r.status === "rejected");
  throw failed?.reason;
}
