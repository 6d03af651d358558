// Reading what a provider says went wrong: the error envelopes servers use,
// and the excerpt of a body an error keeps.

import { isRecord } from "./_options.ts";

/** How much of a response body an error keeps. */
const BODY_EXCERPT = 300;

/** The first {@linkcode BODY_EXCERPT} characters of `text`, whitespace-trimmed. */
export function excerpt(text: string): string {
  const trimmed = text.trim();
  return trimmed.length > BODY_EXCERPT ? trimmed.slice(0, BODY_EXCERPT) + "…" : trimmed;
}

/** The fields of the many error envelopes servers use. */
export interface ErrorFields {
  message: string | undefined;
  code: string | undefined;
  type: string | undefined;
  /** A status written inside the body (Azure's 200-with-error). */
  status: number | undefined;
  param: string | undefined;
}

/**
 * Reads an error body: OpenAI `{error: {message, type, param, code}}`,
 * OpenRouter (numeric `code`, `metadata.raw`), Azure (`innererror`, `status`),
 * Fireworks, Ollama `{error: "text"}`, FastAPI `{detail}` and plain
 * `{message}`. Returns undefined when `body` holds no error.
 */
export function errorFields(body: unknown): ErrorFields | undefined {
  if (!isRecord(body)) return undefined;
  const error = body.error ?? body.detail;
  if (typeof error === "string") return fields(error, undefined);
  if (isRecord(error)) return fields(joinMessages(text(error.message), rawMessage(error)), error);
  if (typeof body.message === "string" && body.choices === undefined) {
    return fields(body.message, body);
  }
  return undefined;
}

function fields(message: string | undefined, from: Record<string, unknown> | undefined) {
  return {
    message,
    code: text(from?.code),
    type: text(from?.type),
    status: typeof from?.status === "number" ? from.status : undefined,
    param: text(from?.param),
  };
}

function joinMessages(a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return `${a}: ${b}`;
}

function rawMessage(error: Record<string, unknown>): string | undefined {
  const metadata = error.metadata;
  return isRecord(metadata) ? text(metadata.raw) : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number") return String(value);
  return undefined;
}
