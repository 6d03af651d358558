// Hiding the API key in every text that may reach an error. Servers echo a
// key in many spellings (inside JSON strings, URLs, headers), so each of its
// characters is matched as written, JSON-escaped or percent-encoded.

/** Returns `text` with every spelling of a secret replaced. */
export type Redact = (text: string) => string;

/** What stands in for a hidden secret. */
export const REDACTED = "<redacted>";

/**
 * Secrets shorter than this are left alone: placeholder keys such as "x"
 * would mangle ordinary words, and real keys are far longer.
 */
const MIN_SECRET = 4;

/** A {@linkcode Redact} for `secret`; without one, texts pass unchanged. */
export function redactor(secret: string | undefined): Redact {
  if (secret === undefined || secret.length < MIN_SECRET) return (text) => text;
  const pattern = new RegExp(Array.from(secret, spellings).join(""), "gu");
  return (text) => text.replace(pattern, REDACTED);
}

/**
 * `cause` without the secret: kept as is when nothing Deno would print of it
 * (message, stack, fields, nested causes) holds the secret, otherwise
 * replaced by a plain `Error` with the same name and redacted texts.
 */
export function redactCause(cause: unknown, redact: Redact): unknown {
  if (typeof cause === "string") return redact(cause);
  if (typeof cause !== "object" || cause === null) return cause;
  const shown = Deno.inspect(cause, { depth: 10 });
  if (redact(shown) === shown) return cause;
  if (!(cause instanceof Error)) return redact(shown);
  const inner = cause.cause === undefined ? undefined : redactCause(cause.cause, redact);
  const copy = new Error(redact(cause.message), inner === undefined ? {} : { cause: inner });
  copy.name = cause.name;
  if (cause.stack !== undefined) copy.stack = redact(cause.stack);
  return copy;
}

/** A regular expression source matching `char` in any spelling a server may use. */
function spellings(char: string): string {
  const code = char.codePointAt(0)!;
  const forms = [`\\u{${code.toString(16)}}`];
  if (code <= 0xffff) forms.push(`\\\\u${hex(code, 4)}`);
  if (char === '"' || char === "\\" || char === "/") forms.push(`\\\\\\u{${code.toString(16)}}`);
  if (code < 0x80) forms.push(`%${hex(code, 2)}`);
  return `(?:${forms.join("|")})`;
}

/** `code` as hex digits of either case, e.g. `[0][0][4][fF]`. */
function hex(code: number, width: number): string {
  return Array.from(
    code.toString(16).padStart(width, "0"),
    (d) => /[a-f]/.test(d) ? `[${d}${d.toUpperCase()}]` : d,
  ).join("");
}
