// A local OpenAI-compatible (and Ollama-native) server for tests: `n`
// choices, usage, latency, injected faults, recorded exchanges, and a log of
// every request. Listens on 127.0.0.1 with a free port; close() it.

/** A recorded exchange as stored in ../shared/fixtures/providers. */
export interface RecordedExchange {
  request: { method?: string; host?: string; path?: string; body?: unknown };
  response: {
    status: number;
    /** Names as recorded (any case); a header sent several times is a list. */
    headers: Record<string, string | string[]>;
    body?: unknown;
    body_text?: string;
    sse_lines?: string[];
    /** How the SSE lines were separated: "\n" unless said. */
    sse_line_terminator?: string;
  };
}

/** A misbehaviour for the next request (faults are used up in order). */
export type Fault =
  | { kind: "rate_limit"; retryAfter?: string; retryAfterMs?: number }
  | { kind: "server_error"; status?: number }
  | { kind: "html"; status?: number }
  | { kind: "drop" }
  | { kind: "hang" }
  | { kind: "fewer"; choices: number }
  | { kind: "padding" }
  | { kind: "echo_key" }
  /** A 401 quoting the key in `param`, `code`, `x-request-id` and, JSON-escaped, the body. */
  | { kind: "echo_key_everywhere" }
  /** A gzip body (about 1/1000 of `bytes` on the wire) inflating to a completion of `bytes`. */
  | { kind: "gzip_bomb"; bytes: number; status?: number }
  /** A plain completion of `bytes` letters, with its Content-Length. */
  | { kind: "large"; bytes: number }
  /**
   * An Ollama chat stream whose lines keep coming: the server gives up (no
   * final line) only after 256 MiB, so that a client without a cap fails
   * instead of hanging.
   */
  | { kind: "endless" }
  | { kind: "bad_request"; message?: string }
  | { kind: "stream_error" }
  | { kind: "truncated" };

/** Server behaviour for every request. */
export interface OpenAIServerOptions {
  /** Milliseconds before each answer. */
  latency?: number;
  /** Answer with at most this many choices whatever `n` is (OpenRouter). */
  maxChoices?: number;
  /** Refuse `n > 1` the way this server does. */
  refuseN?: "deepseek" | "groq" | "llamacpp";
  /** Report token usage. */
  usage?: boolean;
  /**
   * Answer a request that offers tools, and whose last message is not a
   * tool's result, with a call of its first tool, `{"a":<k>,"b":1}` (`k`
   * the draw's number for the prompt, so that draws differ: `"distinct"`;
   * or always 2: `"same"`), `content: null` and finish reason `tool_calls`.
   * After a tool's result, the text is `<the result>#<k>`.
   */
  tools?: "distinct" | "same";
}

/** One request as the server saw it. */
export interface LoggedRequest {
  path: string;
  body: Record<string, unknown>;
  authorization: string | null;
  /** Every header of the request. */
  headers: Headers;
  /** The `n` asked for (1 when absent). */
  n: number;
  /** When it arrived (performance.now()). */
  at: number;
}

const REFUSALS = {
  deepseek: {
    status: 400,
    error: {
      message: "Invalid n value (currently only n = 1 is supported)",
      type: "invalid_request_error",
      param: null,
      code: "invalid_request_error",
    },
  },
  groq: {
    status: 400,
    error: { message: "'n' : number must be at most 1", type: "invalid_request_error" },
  },
  llamacpp: {
    status: 500,
    error: { code: 500, message: "Only one completion choice is allowed", type: "server_error" },
  },
} as const;

/** Response headers a replay must not copy: they described the original bytes. */
const HOP_HEADERS = [
  "content-length",
  "content-encoding",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "set-cookie",
];

/** The test server. */
export class OpenAIServer {
  /** Every request received, in order. */
  readonly requests: LoggedRequest[] = [];
  /** Requests being answered right now. */
  inFlight = 0;
  /** The most requests ever answered at once. */
  maxInFlight = 0;
  /** Bytes of `endless` streams made so far (they are made as the client reads). */
  streamedBytes = 0;
  /** Milliseconds before each answer. */
  latency: number;
  /** When set, every request is answered with this recorded exchange. */
  recorded: RecordedExchange | undefined;
  /** Server behaviour, changeable between requests. */
  options: OpenAIServerOptions;
  #server: Deno.HttpServer<Deno.NetAddr>;
  #faults: Fault[] = [];
  #counters = new Map<string, number>();
  #closing = new AbortController();

  private constructor(options: OpenAIServerOptions) {
    this.options = options;
    this.latency = options.latency ?? 0;
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      (request) => this.#handle(request),
    );
  }

  /** Starts a server on a free port of 127.0.0.1. */
  static start(options: OpenAIServerOptions = {}): OpenAIServer {
    return new OpenAIServer(options);
  }

  /** `http://127.0.0.1:<port>`: the Ollama base URL. */
  get origin(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** `http://127.0.0.1:<port>/v1`: the OpenAI-compatible base URL. */
  get url(): string {
    return `${this.origin}/v1`;
  }

  /** Queues faults for the next requests, one each. */
  inject(...faults: Fault[]): void {
    this.#faults.push(...faults);
  }

  /** Faults not used yet. */
  get pendingFaults(): number {
    return this.#faults.length;
  }

  /** Stops listening, ends hanging answers and waits for the server to finish. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const body = await request.json().catch(() => ({})) as Record<string, unknown>;
    const n = typeof body.n === "number" ? body.n : 1;
    this.requests.push({
      path: url.pathname,
      body,
      authorization: request.headers.get("authorization"),
      headers: request.headers,
      n,
      at: performance.now(),
    });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // Waits end when the server closes (request.signal would also abort on success).
    const gone = this.#closing.signal;
    try {
      if (this.latency > 0) await pause(this.latency, gone);
      if (this.recorded !== undefined) return replay(this.recorded);
      const fault = this.#faults.shift();
      if (fault?.kind === "hang") {
        await pause(Infinity, gone);
        return new Response(null, { status: 499 });
      }
      if (fault?.kind === "gzip_bomb") return await gzipBomb(fault.bytes, fault.status ?? 200);
      if (fault?.kind === "large") {
        const bytes = await new Blob(completionOf(fault.bytes)).bytes();
        return new Response(bytes, { headers: { "content-type": "application/json" } });
      }
      if (fault?.kind === "endless") return this.#endless(body);
      const faulty = fault === undefined ? undefined : faultResponse(fault, request);
      if (faulty !== undefined) return faulty;
      if (url.pathname.endsWith("/api/chat")) return this.#ollama(body, fault);
      if (url.pathname.endsWith("/chat/completions")) return this.#completion(body, n, fault);
      return json(404, { error: { message: `no route ${url.pathname}`, code: "not_found" } });
    } catch {
      return new Response(null, { status: 499 });
    } finally {
      this.inFlight--;
    }
  }

  #completion(body: Record<string, unknown>, n: number, fault: Fault | undefined): Response {
    const refusal = this.options.refuseN;
    if (n > 1 && refusal !== undefined) {
      const { status, error } = REFUSALS[refusal];
      return json(status, { error });
    }
    let choices = Math.min(n, this.options.maxChoices ?? Infinity);
    if (fault?.kind === "fewer") choices = Math.min(choices, fault.choices);
    const prompt = promptOf(body, this.options.tools !== undefined);
    const texts = Array.from({ length: choices }, () => this.#next(prompt));
    const completion = {
      id: `chatcmpl-${this.requests.length}`,
      object: "chat.completion",
      created: 0,
      model: body.model,
      choices: texts.map((content, index) => ({
        index,
        ...(this.#calls(body) ? this.#call(body, content) : {
          message: { role: "assistant", content },
          finish_reason: "stop",
        }),
      })),
      ...(this.options.usage === false ? {} : {
        usage: {
          prompt_tokens: prompt.length,
          completion_tokens: choices,
          total_tokens: prompt.length + choices,
        },
      }),
    };
    const text = JSON.stringify(completion);
    return new Response(fault?.kind === "padding" ? "\n   \n\n   " + text : text, {
      headers: {
        "content-type": "application/json",
        "x-request-id": `req_${this.requests.length}`,
      },
    });
  }

  #ollama(body: Record<string, unknown>, fault: Fault | undefined): Response {
    const prompt = promptOf(body);
    const content = this.#next(prompt);
    const half = Math.ceil(content.length / 2);
    const lines = [
      {
        model: body.model,
        message: { role: "assistant", content: content.slice(0, half) },
        done: false,
      },
      {
        model: body.model,
        message: { role: "assistant", content: content.slice(half) },
        done: false,
      },
    ];
    if (fault?.kind === "stream_error") {
      lines.push({ error: "model runner has unexpectedly stopped" } as never);
    } else if (fault?.kind !== "truncated") {
      lines.push({
        model: body.model,
        message: { role: "assistant", content: "" },
        done: true,
        done_reason: "stop",
        prompt_eval_count: prompt.length,
        eval_count: 1,
      } as never);
    }
    // Sent in small pieces that cut lines (and UTF-8 characters) in two.
    const bytes = new TextEncoder().encode(lines.map((l) => JSON.stringify(l) + "\n").join(""));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 7) controller.enqueue(bytes.slice(at, at + 7));
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
  }

  /** Chat chunks (256 MiB of them), made as the client reads them. */
  #endless(body: Record<string, unknown>): Response {
    const line = new TextEncoder().encode(
      JSON.stringify({ model: body.model, message: { role: "assistant", content: "la " } }) + "\n",
    );
    const chunk = new Uint8Array(line.length * 1000);
    for (let at = 0; at < chunk.length; at += line.length) chunk.set(line, at);
    let left = 256 * 1024 * 1024;
    const stream = new ReadableStream<Uint8Array>({
      pull: (controller) => {
        if (left <= 0) return controller.close();
        left -= chunk.length;
        this.streamedBytes += chunk.length;
        controller.enqueue(chunk);
      },
    });
    return new Response(stream, { headers: { "content-type": "application/x-ndjson" } });
  }

  /** Whether to answer `body` with a tool call (see {@linkcode OpenAIServerOptions.tools}). */
  #calls(body: Record<string, unknown>): boolean {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    return this.options.tools !== undefined && Array.isArray(body.tools) &&
      messages.at(-1)?.role !== "tool";
  }

  /** A choice calling the first tool of `body`; `drawn` is `<prompt>#<k>`. */
  #call(body: Record<string, unknown>, drawn: string) {
    const k = Number(drawn.slice(drawn.lastIndexOf("#") + 1));
    const tool = (body.tools as { function: { name: string } }[])[0]!.function.name;
    const a = this.options.tools === "same" ? 2 : k;
    return {
      message: {
        role: "assistant",
        content: null,
        tool_calls: [{
          id: `call_${this.requests.length}_${k}`,
          type: "function",
          function: { name: tool, arguments: JSON.stringify({ a, b: 1 }) },
        }],
      },
      finish_reason: "tool_calls",
    };
  }

  #next(prompt: string): string {
    const k = this.#counters.get(prompt) ?? 0;
    this.#counters.set(prompt, k + 1);
    return `${prompt}#${k}`;
  }
}

/** The answer to a fault, or undefined when the fault shapes a normal answer. */
function faultResponse(fault: Fault, request: Request): Response | undefined {
  switch (fault.kind) {
    case "rate_limit": {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (fault.retryAfter !== undefined) headers["retry-after"] = fault.retryAfter;
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return json(429, {
        error: {
          message: "Rate limit reached for requests",
          type: "requests",
          code: "rate_limit_exceeded",
        },
      }, headers);
    }
    case "server_error":
      return json(fault.status ?? 500, {
        error: {
          message: "The server had an error while processing your request.",
          type: "server_error",
          code: null,
        },
      });
    case "html":
      return new Response(
        "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
        { status: fault.status ?? 502, headers: { "content-type": "text/html" } },
      );
    case "drop":
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"id": "chatcmpl-dropped", "choi'));
            // A plain string keeps the server's log of the broken stream to one line.
            controller.error("test server: connection dropped on purpose");
          },
        }),
        { headers: { "content-type": "application/json" } },
      );
    case "echo_key":
      return json(401, {
        error: {
          message: `Incorrect API key provided: ${request.headers.get("authorization")}`,
          type: "invalid_request_error",
          code: "invalid_api_key",
        },
      });
    case "echo_key_everywhere": {
      const key = request.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
      const escaped = JSON.stringify(key);
      // Some servers escape "/" (PHP) or every character (\uXXXX): both must be caught.
      const php = escaped.replaceAll("/", "\\/");
      const unicode = `"${
        Array.from(key, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")
      }"`;
      // The padding puts one copy across the 300 characters an error keeps of the body.
      const head = `{"error":{"message":"Incorrect API key provided","param":${escaped},` +
        `"code":${escaped},"php":${php},"unicode":${unicode},"padding":"`;
      const padding = "x".repeat(Math.max(0, 285 - head.length));
      const text = `${head}${padding}","echo":${escaped}}}`;
      return new Response(text, {
        status: 401,
        headers: { "content-type": "application/json", "x-request-id": key },
      });
    }
    case "bad_request":
      return json(400, {
        error: {
          message: fault.message ?? "Invalid request",
          type: "invalid_request_error",
          code: "bad_request",
        },
      });
    default:
      return undefined;
  }
}

const bombs = new Map<number, Promise<Uint8Array<ArrayBuffer>>>();

/**
 * A gzip-encoded completion whose one sample is `bytes` letters: made once
 * per size (compressing is the slow part), sent as a few hundred KB.
 */
async function gzipBomb(bytes: number, status: number): Promise<Response> {
  let bomb = bombs.get(bytes);
  if (bomb === undefined) bombs.set(bytes, bomb = compress(bytes));
  return new Response(await bomb, {
    status,
    headers: { "content-type": "application/json", "content-encoding": "gzip" },
  });
}

async function compress(bytes: number): Promise<Uint8Array<ArrayBuffer>> {
  const gzip = ReadableStream.from(completionOf(bytes)).pipeThrough(new CompressionStream("gzip"));
  return await new Response(gzip).bytes();
}

/** The pieces of a completion whose one sample is `bytes` letters. */
function completionOf(bytes: number): Uint8Array<ArrayBuffer>[] {
  const encoder = new TextEncoder();
  const parts = [encoder.encode('{"choices":[{"index":0,"message":{"content":"')];
  const letters = new Uint8Array(1 << 20).fill(0x61);
  for (let left = bytes; left > 0; left -= letters.length) {
    parts.push(left >= letters.length ? letters : letters.subarray(0, left));
  }
  parts.push(encoder.encode('"},"finish_reason":"stop"}]}'));
  return parts;
}

/** The recorded response, replayed byte for byte where the recording allows. */
export function replay(exchange: RecordedExchange): Response {
  const { status, headers, body, body_text, sse_lines, sse_line_terminator } = exchange.response;
  const kept = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (HOP_HEADERS.includes(name.toLowerCase())) continue;
    for (const one of [value].flat()) kept.append(name, one);
  }
  // A recording without its body (body: null) is served without one.
  const text = body_text ??
    (sse_lines !== undefined
      ? sse_lines.join(sse_line_terminator ?? "\n")
      : (body === null ? "" : JSON.stringify(body)));
  return new Response(text, { status, headers: kept });
}

/** The last user message's text; with `tools`, a tool's result after it counts too. */
function promptOf(body: Record<string, unknown>, tools = false): string {
  const messages = Array.isArray(body.messages) ? body.messages : [];
  const last = messages.findLast((m) => m?.role === "user" || (tools && m?.role === "tool"));
  return typeof last?.content === "string" ? last.content : "";
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done() {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }
    function onAbort() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Runs `fn` with a fresh server and always closes it. */
export async function withServer(
  options: OpenAIServerOptions,
  fn: (server: OpenAIServer) => Promise<void>,
): Promise<void> {
  const server = OpenAIServer.start(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/**
 * `fetch` that counts the body bytes its caller reads (after decompression):
 * how far a client read before it stopped.
 */
export function countingFetch(): { fetch: typeof fetch; read: () => number } {
  let read = 0;
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    if (response.body === null) return response;
    const count = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        read += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(count), response);
  };
  return { fetch: counting, read: () => read };
}

/** The error `fn` rejects with; fails unless it is an instance of `type`. */
export async function failure<E>(
  fn: () => Promise<unknown>,
  type: abstract new (...args: never[]) => E,
): Promise<E> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof type) return error;
    throw new Error(`expected a ${type.name}, got ${error}`, { cause: error });
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}
