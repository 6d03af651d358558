// Replays every recorded non-streaming exchange in ../shared/fixtures/providers
// through the local server, and checks what the client yields or throws.
// The recordings are third-party data: they are read in place, never copied.

import assert from "node:assert/strict";
import { collect, type Prompt, type Reply } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { OpenAICompatible } from "../../providers/mod.ts";
import { OpenAIServer, type RecordedExchange } from "../_support/openai_server.ts";
import { providerError } from "../_support/recorded_replay.ts";

/** `query` in reach of a test: the replies, whole, of one request. */
class Probe extends OpenAICompatible {
  ask(prompt: Prompt, n: number): Promise<QueryResult> {
    return this.query(prompt, n);
  }
}

const DIR = "../shared/fixtures/providers";

/** What the client must do with one recording. */
type Outcome =
  | {
    /** Samples, in order; a trailing "…" means "starts with". */
    yields: string[];
    tokens: [number, number];
    n?: number;
    /** What each reply holds beyond its text (`{}`: nothing); its text is the sample's. */
    replies: Omit<Reply, "text">[];
    /** Reasoning and cached tokens the usage details reported, where it reported them. */
    details?: { reasoningTokens?: number; cachedTokens?: number };
  }
  | {
    throws: {
      status: number;
      code?: string | undefined;
      type?: string;
      param?: string;
      requestId?: string;
      message: RegExp;
      retryAfter?: number;
    };
    n?: number;
    requests?: number;
  };

const stop = (model: string) => ({ toolCalls: [], finishReason: "stop", model });
const weather = (id: string, args: string) => ({
  id,
  name: "get_current_weather",
  arguments: args,
});

const OUTCOMES: Record<string, Outcome> = {
  "azure-404-deployment.json": {
    throws: {
      status: 404,
      code: "DeploymentNotFound",
      requestId: "a9022d64-309b-4b6b-a425-a797f00b6cff",
      message: /API deployment for this resource does not exist.*check the model name and baseUrl/,
    },
  },
  "azure-content-filter.json": {
    // The only choice has no message: a typed error, never "null".
    throws: { status: 200, code: "no_content", message: /finish_reason: content_filter/ },
  },
  "azure-n2.json": {
    n: 2,
    yields: ["Atlantic Ocean", "Atlantic Ocean"],
    tokens: [24, 4],
    // The deployment decides the model: not the one asked for.
    replies: [stop("gpt-4-32k"), stop("gpt-4-32k")],
  },
  "azure-prompt-filter-400.json": {
    // HTTP 200 whose body is an error with "status": 400: not retried.
    throws: {
      status: 400,
      code: "content_filter",
      param: "prompt",
      requestId: "cc6ffd40-d056-43b3-9813-19c43abd66d6",
      message: /filtered due to the prompt/,
    },
  },
  "deepseek-400-context-length.json": {
    throws: { status: 400, code: "invalid_request_error", message: /maximum context length/ },
  },
  "deepseek-reasoning.json": {
    yields: ["Crossing the street safely involves careful observation…"],
    tokens: [12, 789],
    replies: [{
      ...stop("deepseek-reasoner"),
      reasoning: "Okay, the user is asking how to cross the street.…",
    }],
    details: { reasoningTokens: 415, cachedTokens: 0 },
  },
  "fireworks-400-extra-inputs.json": {
    throws: {
      status: 400,
      code: undefined,
      type: "invalid_request_error",
      message: /Extra inputs are not permitted/,
    },
  },
  "fireworks-404-model-needs-completions.json": {
    throws: { status: 404, message: /missing conversation_config/ },
  },
  "groq-400-tool-use-failed.json": {
    throws: { status: 400, code: "tool_use_failed", message: /Tool call validation failed/ },
  },
  "ollama-v1-404.json": {
    throws: { status: 404, code: undefined, type: "api_error", message: /try pulling it first/ },
  },
  "ollama-v1-basic.json": {
    yields: ["The Atlantic Ocean."],
    tokens: [46, 5],
    replies: [stop("qwen2.5:0.5b")],
  },
  "openai-400-context-length.json": {
    throws: {
      status: 400,
      code: "context_length_exceeded",
      param: "messages",
      message: /maximum context length is 4097/,
    },
  },
  "openai-400-invalid-n.json": {
    // param "n": the client falls back to two single requests, which the
    // replay refuses again, so the 400 surfaces after three requests.
    n: 2,
    requests: 3,
    throws: {
      status: 400,
      code: "integer_above_max_value",
      param: "n",
      message: /Expected a value <= 128/,
    },
  },
  "openai-400-unsupported-param.json": {
    throws: {
      status: 400,
      code: "unsupported_parameter",
      param: "stop",
      requestId: "req_7be4715c3ee32aa406eacb68c7cc966e",
      message: /'stop' is not supported/,
    },
  },
  "openai-401-invalid-key.json": {
    throws: {
      status: 401,
      code: "invalid_api_key",
      requestId: "55f4f12fef392b7fbc0c647e97a8e6b2",
      message: /Incorrect API key provided.*check the API key/,
    },
  },
  "openai-404-model-not-found.json": {
    throws: {
      status: 404,
      code: "model_not_found",
      requestId: "req_c3e0f92d7b5426d1a4a17bb3d39953ea",
      message: /does not exist/,
    },
  },
  "openai-429-rate-limit.json": {
    // No Retry-After header: the hint is read from the message.
    throws: {
      status: 429,
      code: "rate_limit_exceeded",
      message: /Rate limit reached/,
      retryAfter: 26604,
    },
  },
  "openai-500-server-error.json": {
    throws: {
      status: 500,
      code: undefined,
      requestId: "e5c949c8ec2c86be225544e5eefcbe4d",
      message: /server had an error/,
    },
  },
  "openai-length.json": {
    yields: ['{"'],
    tokens: [79, 1],
    replies: [{ toolCalls: [], finishReason: "length", model: "gpt-4o-2024-08-06" }],
    details: { reasoningTokens: 0 },
  },
  "openai-n2-basic.json": {
    n: 2,
    yields: [
      "This is a test. How can I assist you further?",
      "This is a test. How can I assist you further?",
    ],
    tokens: [12, 24],
    replies: [stop("gpt-4o-mini-2024-07-18"), stop("gpt-4o-mini-2024-07-18")],
    details: { reasoningTokens: 0, cachedTokens: 0 },
  },
  "openai-n2-tool-calls.json": {
    // Every choice only calls a tool: two replies with the text "".
    n: 2,
    yields: ["", ""],
    tokens: [85, 38],
    replies: [
      weather("call_QBWKP8I5koNc0ROM5661dcSs", '{"location":"San Francisco, CA"}'),
      weather("call_QI8NbipZ0Yi6ViWlT1WeaLLL", '{"location":"San Francisco, CA"}'),
    ].map((call) => ({
      toolCalls: [call],
      finishReason: "tool_calls",
      model: "gpt-3.5-turbo-0125",
    })),
    details: { reasoningTokens: 0, cachedTokens: 0 },
  },
  "openai-n3-structured-output.json": {
    n: 3,
    yields: [
      '{"city":"San Francisco","temperature":64,"units":"f"}',
      '{"city":"San Francisco","temperature":65,"units":"f"}',
      '{"city":"San Francisco","temperature":63.0,"units":"f"}',
    ],
    tokens: [79, 44],
    replies: Array(3).fill(stop("gpt-4o-2024-08-06")),
    details: { reasoningTokens: 0 },
  },
  "openai-refusal.json": {
    // content null with a refusal: the refusal text is the sample, and the refusal.
    yields: ["I'm very sorry, but I can't assist with that."],
    tokens: [79, 12],
    replies: [{
      ...stop("gpt-4o-2024-08-06"),
      refusal: "I'm very sorry, but I can't assist with that.",
    }],
    details: { reasoningTokens: 0 },
  },
  "openai-tool-calls-content-null.json": {
    // Two parallel calls in one reply, in order, their arguments exactly as received.
    yields: [""],
    tokens: [75, 51],
    replies: [{
      toolCalls: [
        weather("call_eqbDFUdPqay2WjsSzZEiAn0U", '{"location": "Seattle, WA"}'),
        weather("call_tn3sgasg6GaftTdancBYJNJN", '{"location": "San Francisco, CA"}'),
      ],
      finishReason: "tool_calls",
      model: "gpt-4o-mini-2024-07-18",
    }],
    details: { reasoningTokens: 0, cachedTokens: 0 },
  },
  "openrouter-401.json": {
    throws: { status: 401, code: "401", message: /No cookie auth credentials found/ },
  },
  "openrouter-429-upstream.json": {
    throws: {
      status: 429,
      code: "429",
      message: /Provider returned error: .*temporarily rate-limited upstream/,
    },
  },
  "openrouter-keepalive-no-finish-reason.json": {
    // ~3 KB of blank lines before the JSON.
    yields: ["The capital of France is **Paris**.…"],
    tokens: [10, 261],
    // No finish_reason in the choice: the reply has none.
    replies: [{ toolCalls: [], model: "deepseek/deepseek-r1" }],
  },
  "openrouter-length-native-finish-reason.json": {
    yields: ["The CAP theorem is a fundamental principle in distributed systems…"],
    tokens: [2168, 100],
    // reasoning: null is no reasoning.
    replies: [{ toolCalls: [], finishReason: "length", model: "google/gemini-2.5-flash" }],
    details: { reasoningTokens: 0, cachedTokens: 2161 },
  },
  "together-finish-eos.json": {
    yields: [" Why don't we ever hear secrets at a OpenTelemetry convention?…"],
    tokens: [18, 35],
    replies: [{
      toolCalls: [],
      finishReason: "eos",
      model: "mistralai/Mixtral-8x7B-Instruct-v0.1",
    }],
  },
  "vllm-basic.json": {
    yields: ["Why did the OpenTelemetry metric go to therapy?…"],
    tokens: [43, 36],
    // tool_calls: [] is no tool call.
    replies: [stop("meta-llama/Llama-3.2-1B-Instruct")],
  },
};

function present(dir: string): boolean {
  try {
    return Deno.statSync(dir).isDirectory;
  } catch {
    return false;
  }
}

function load(file: string): RecordedExchange {
  return JSON.parse(Deno.readTextFileSync(`${DIR}/${file}`));
}

function isStreaming(exchange: RecordedExchange): boolean {
  return exchange.response.sse_lines !== undefined;
}

function matches(actual: string, expected: string): boolean {
  return expected.endsWith("…") ? actual.startsWith(expected.slice(0, -1)) : actual === expected;
}

async function replayThrough(server: OpenAIServer, file: string, outcome: Outcome) {
  server.recorded = load(file);
  server.requests.length = 0;
  const n = outcome.n ?? 1;
  const model = new OpenAICompatible("recorded-model", 1, {
    baseUrl: server.url,
    apiKey: "sk-replay",
    maxBatch: n,
    maxRetries: 0,
  });
  const drawn = collect(model.sample("a recorded prompt", n), n);
  if ("yields" in outcome) {
    const samples = await drawn;
    assert.equal(samples.length, outcome.yields.length);
    samples.forEach((s, i) => assert.ok(matches(s, outcome.yields[i]!), `sample ${i}: ${s}`));
    assert.deepEqual(model.totalTokenCount(), outcome.tokens);
    assert.equal(server.requests.length, 1);
    await checkReplies(server, outcome, samples);
    return;
  }
  const error = await providerError(drawn, outcome.throws, file);
  if (!("code" in outcome.throws) && error.code !== undefined) {
    assert.ok(typeof error.code === "string");
  }
  assert.ok(!/\bnull\b/.test(error.providerMessage), "no 'null' in the message");
  assert.equal(server.requests.length, outcome.requests ?? 1);
}

/** The whole replies of the same recording, through `query`. */
async function checkReplies(
  server: OpenAIServer,
  outcome: Extract<Outcome, { yields: string[] }>,
  samples: string[],
) {
  const n = outcome.n ?? 1;
  const probe = new Probe("recorded-model", 1, { baseUrl: server.url, maxBatch: n, maxRetries: 0 });
  const { samples: replies } = await probe.ask("a recorded prompt", n);
  assert.equal(replies.length, outcome.replies.length);
  replies.forEach((reply, i) => {
    assert.ok(typeof reply !== "string", "a reply, not a string");
    const { text, reasoning, ...rest } = reply;
    assert.equal(text, samples[i], `reply ${i}'s text is sample ${i}`);
    const { reasoning: expected, ...fields } = outcome.replies[i]!;
    assert.deepEqual(rest, fields, `reply ${i}`);
    assert.equal(reasoning === undefined, expected === undefined, `reply ${i}'s reasoning`);
    if (expected !== undefined) assert.ok(matches(reasoning!, expected), reasoning);
  });
  const { reasoningTokens, cachedTokens } = probe.stats;
  assert.deepEqual(
    { reasoningTokens, cachedTokens },
    { reasoningTokens: undefined, cachedTokens: undefined, ...outcome.details },
  );
}

const inCi = Deno.env.get("CI") === "true";

if (!present(DIR)) {
  if (!inCi) {
    console.warn(
      `\n!!! SKIPPING fixture replay: ${DIR} is absent (the recorded provider exchanges).\n`,
    );
  }
  Deno.test({
    name: "HttpProvider: recorded provider exchanges replay as expected",
    ignore: !inCi,
    fn() {
      throw new Error(`${DIR} is absent, and CI=true: the fixtures are required in CI`);
    },
  });
} else {
  const files = [...Deno.readDirSync(DIR)]
    .map((e) => e.name)
    .filter((name) => name.endsWith(".json"))
    // Anthropic's and Gemini's recordings: anthropic_test.ts and gemini_test.ts replay them.
    .filter((name) => !/^(anthropic|gemini)-/.test(name))
    .sort();
  const replayable = files.filter((file) => !isStreaming(load(file)));

  Deno.test("HttpProvider: every non-streaming recording has an expected outcome", () => {
    assert.ok(replayable.length >= 30, `only ${replayable.length} recordings found`);
    assert.deepEqual(replayable, Object.keys(OUTCOMES).sort());
  });

  Deno.test("HttpProvider: recorded provider exchanges replay as expected", async (t) => {
    const server = OpenAIServer.start();
    try {
      for (const file of replayable) {
        const outcome = OUTCOMES[file];
        if (outcome === undefined) continue; // reported by the test above
        await t.step(file, () => replayThrough(server, file, outcome));
      }
    } finally {
      await server.close();
    }
  });

  Deno.test("HttpProvider: streamed recordings are not replayed: the client never asks for a stream", async () => {
    const server = OpenAIServer.start();
    try {
      const streamed = files.filter((file) => isStreaming(load(file)));
      assert.ok(streamed.length > 0);
      const model = new OpenAICompatible("m", 1, { baseUrl: server.url, maxBatch: 2 });
      await collect(model.sample("p", 2), 2);
      assert.equal(server.requests[0]!.body.stream, undefined);
    } finally {
      await server.close();
    }
  });
}
