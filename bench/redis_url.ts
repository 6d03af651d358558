// The Redis server for benchmarks, from REDIS_URL (`.ci/redis.sh run
// npx deno task bench` starts one); without it the Redis benchmarks skip.

function read(): string | undefined {
  try {
    return Deno.env.get("REDIS_URL") || undefined;
  } catch {
    return undefined; // no --allow-env=REDIS_URL
  }
}

/** The server, or undefined (after a loud message) to skip. */
export const BENCH_REDIS_URL: string | undefined = read();
if (BENCH_REDIS_URL === undefined) {
  console.warn(
    "!!! SKIPPING the Redis benchmarks: REDIS_URL is not set (or not allowed: " +
      "--allow-env=REDIS_URL). Run `.ci/redis.sh run npx deno task bench` !!!",
  );
}
