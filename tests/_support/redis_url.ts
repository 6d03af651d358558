// Where the Redis tests find their server. Without REDIS_URL they are skipped
// loudly on a developer's machine; under CI=true a missing URL fails the run.

/** The server for tests, from REDIS_URL; undefined means skip. */
export const REDIS_URL: string | undefined = Deno.env.get("REDIS_URL") || undefined;

const CI = Deno.env.get("CI") === "true";
let warned = false;

/**
 * Whether Redis tests must be skipped. The first call says so loudly, or,
 * under CI=true, registers a failing test instead.
 */
export function skipRedis(): boolean {
  if (REDIS_URL !== undefined || warned) return REDIS_URL === undefined;
  warned = true;
  if (CI) {
    Deno.test("REDIS_URL is set (required under CI=true)", () => {
      throw new Error(
        "CI=true but REDIS_URL is not set: run the tests with `.ci/redis.sh run npx deno task test`",
      );
    });
  } else {
    console.warn(
      "\n%c!!! SKIPPING the Redis tests: REDIS_URL is not set. Run them with " +
        "`.ci/redis.sh run npx deno task test` (starts a throwaway redis-server) !!!\n",
      "color: red; font-weight: bold",
    );
  }
  return true;
}

/** Registers a test that needs a Redis server (see {@linkcode skipRedis}). */
export function redisTest(name: string, fn: (url: string) => Promise<void>): void {
  Deno.test({ name, ignore: skipRedis(), fn: () => fn(REDIS_URL!) });
}

/** A prefix no other test run uses, so parallel runs never meet. */
export function freshPrefix(label: string): string {
  return `test-${label}-${crypto.randomUUID()}:`;
}

/** A Redis store spec (URL with its prefix) no other test uses. */
export function freshRedisSpec(label: string): string {
  const url = new URL(REDIS_URL!);
  url.searchParams.set("prefix", freshPrefix(label));
  return url.href;
}
