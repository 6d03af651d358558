// Replays recorded exchanges of ../shared/fixtures/providers through the
// local server, for the providers whose API is not OpenAI's (Anthropic,
// Gemini): each recording's expected outcome is a table entry of the test
// that includes this. The recordings are read in place, never copied.

import assert from "node:assert/strict";
import type { Prompt, Reply } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { type HttpProviderStats, ProviderError } from "../../providers/mod.ts";
import { OpenAIServer, type RecordedExchange } from "./openai_server.ts";

/** Where the recordings are. */
export const DIR = "../shared/fixtures/providers";

/** A provider with `query` in reach of a test. */
export interface Probe {
  ask(prompt: Prompt, n: number): Promise<QueryResult>;
  readonly stats: Readonly<HttpProviderStats>;
}

/** What the provider must make of one recording. */
export type Outcome =
  | {
    /** The replies, whole; a text or reasoning ending in "…" means "starts with". */
    replies: Reply[];
    /** `[prompt, completion]` tokens. */
    tokens: [number, number];
    /** Reasoning and cached tokens, where the usage reported them. */
    details?: { reasoningTokens?: number; cachedTokens?: number };
  }
  | {
    throws: {
      status: number;
      code?: string | undefined;
      type?: string | undefined;
      requestId?: string | undefined;
      retryable: boolean;
      retryAfter?: number | undefined;
      message: RegExp;
    };
    /** Requests sent, retries included (with `maxRetries: 1`). */
    requests: number;
  };

/** The recordings whose names start with `prefix`, or undefined when the folder is absent. */
export function recordings(prefix: string): string[] | undefined {
  try {
    return [...Deno.readDirSync(DIR)]
      .map((entry) => entry.name)
      .filter((name) => name.startsWith(prefix) && name.endsWith(".json"))
      .sort();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
}

/** One recording. */
export function load(file: string): RecordedExchange {
  return JSON.parse(Deno.readTextFileSync(`${DIR}/${file}`));
}

/**
 * The value at `path` in the response body of recording `file` (for the
 * expected outcomes: a signature too long to copy), or `""` when the
 * recordings are absent (their tests are skipped then).
 */
export function recorded(file: string, path: readonly (string | number)[]): string {
  if (recordings(file) === undefined) return "";
  let value: unknown = load(file).response.body;
  for (const part of path) value = (value as Record<string | number, unknown>)[part];
  if (typeof value !== "string") throw new TypeError(`no string at ${path.join(".")} of ${file}`);
  return value;
}

function matches(actual: string | undefined, expected: string | undefined): boolean {
  if (actual === undefined || expected === undefined) return actual === expected;
  return expected.endsWith("…") ? actual.startsWith(expected.slice(0, -1)) : actual === expected;
}

/**
 * Serves `file` for every request and checks what `make` (a provider at
 * the given base URL, retrying once at once) makes of it.
 */
export async function replay(
  server: OpenAIServer,
  file: string,
  outcome: Outcome,
  make: (retries: { maxRetries: number; retryDelay: number; maxRetryDelay: number }) => Probe,
): Promise<void> {
  server.recorded = load(file);
  server.requests.length = 0;
  const model = make({ maxRetries: 1, retryDelay: 1, maxRetryDelay: 1 });
  const asked = model.ask("a recorded prompt", 1);
  if ("replies" in outcome) {
    const { samples, usage } = await asked;
    assert.equal(samples.length, outcome.replies.length);
    samples.forEach((sample, i) => {
      assert.ok(typeof sample !== "string", "a reply, not a string");
      const { text, reasoning, ...rest } = sample;
      const expected = outcome.replies[i]!;
      assert.ok(matches(text, expected.text), `reply ${i}'s text: ${JSON.stringify(text)}`);
      assert.ok(matches(reasoning, expected.reasoning), `reply ${i}'s reasoning: ${reasoning}`);
      const { text: _t, reasoning: _r, ...fields } = expected;
      assert.deepEqual(rest, fields, `reply ${i}`);
    });
    assert.deepEqual([usage?.promptTokens, usage?.completionTokens], outcome.tokens);
    const { reasoningTokens, cachedTokens } = model.stats;
    assert.deepEqual(
      { reasoningTokens, cachedTokens },
      { reasoningTokens: undefined, cachedTokens: undefined, ...outcome.details },
    );
    assert.equal(server.requests.length, 1);
    return;
  }
  const error = await providerError(asked, outcome.throws, file);
  assert.ok(!/\bnull\b|undefined/.test(error.providerMessage), error.providerMessage);
  assert.ok(!error.message.includes("sk-replay"), "no key in the message");
  assert.equal(server.requests.length, outcome.requests, `requests sent for ${file}`);
}

/**
 * The `ProviderError` that `asked` fails with: its message matches
 * `expected.message`, and each other field of `expected` is the error's.
 */
export async function providerError(
  asked: Promise<unknown>,
  expected: { message: RegExp } & Partial<Record<keyof ProviderError, unknown>>,
  file: string,
): Promise<ProviderError> {
  const error = await asked.then(
    () => assert.fail("expected a ProviderError"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ProviderError, `expected a ProviderError, got ${error}`);
  const { message, ...fields } = expected;
  assert.match(error.message, message);
  for (const [name, value] of Object.entries(fields)) {
    assert.deepEqual(error[name as keyof ProviderError], value, `${name} of ${file}`);
  }
  return error;
}

/**
 * Runs the table: one step per recording of `prefix`, and a check that the
 * table has an entry for each, named after `provider`, the class under test.
 * Without the folder: skipped, except in CI.
 */
export function replayTests(
  provider: string,
  prefix: string,
  outcomes: Record<string, Outcome | "stream">,
  make: (server: OpenAIServer) => (retries: {
    maxRetries: number;
    retryDelay: number;
    maxRetryDelay: number;
  }) => Probe,
  streamed: (server: OpenAIServer, file: string) => Promise<void>,
): void {
  const files = recordings(prefix);
  if (files === undefined) {
    Deno.test({
      name: `${provider}: recorded ${prefix}* exchanges replay as expected`,
      ignore: Deno.env.get("CI") !== "true",
      fn() {
        throw new Error(`${DIR} is absent, and CI=true: the fixtures are required in CI`);
      },
    });
    return;
  }
  Deno.test(`${provider}: every ${prefix}* recording has an expected outcome`, () => {
    assert.ok(files.length >= 14, `only ${files.length} recordings found`);
    assert.deepEqual(files, Object.keys(outcomes).sort());
  });
  Deno.test(`${provider}: recorded ${prefix}* exchanges replay as expected`, async (t) => {
    const server = OpenAIServer.start();
    try {
      for (const file of files) {
        const outcome = outcomes[file];
        if (outcome === undefined) continue; // reported by the test above
        await t.step(
          file,
          () =>
            outcome === "stream"
              ? streamed(server, file)
              : replay(server, file, outcome, make(server)),
        );
      }
    } finally {
      await server.close();
    }
  });
}
