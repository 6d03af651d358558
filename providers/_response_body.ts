// A response body read under a byte cap. Every reader of a provider's
// responses (error bodies, JSON, NDJSON streams) goes through it, so that a
// server that answers without end, or a gzip bomb, cannot fill the memory.

/**
 * A response body, read within a byte cap: past it, reading stops, the
 * connection is closed and the cap's error is thrown.
 */
export interface ResponseBody {
  /** The whole body, decoded as UTF-8. */
  text(): Promise<string>;
  /** The body's bytes as they arrive (after decompression). */
  chunks(): AsyncIterable<Uint8Array>;
}

/**
 * The body of `response`, read under `max` bytes counted after
 * decompression. Past the cap, `tooLarge()` is thrown; leaving the read loop
 * cancels the body, which closes the connection.
 *
 * @param response A response whose body has not been read.
 * @param max The most bytes, or `Infinity`.
 * @param tooLarge The error to throw past the cap.
 */
export function cappedBody(
  response: Response,
  max: number,
  tooLarge: () => Error,
): ResponseBody {
  async function* chunks(): AsyncGenerator<Uint8Array> {
    if (response.body === null) return;
    let total = 0;
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > max) throw tooLarge();
      yield chunk;
    }
  }
  return {
    chunks,
    async text() {
      // The fast native read, where the network's framing bounds the body.
      const length = framedLength(response);
      if (length !== undefined && length <= max) return await response.text();
      if (length !== undefined) throw tooLarge();
      const decoder = new TextDecoder();
      let text = "";
      for await (const chunk of chunks()) text += decoder.decode(chunk, { stream: true });
      return text + decoder.decode();
    },
  };
}

/**
 * The body size a network response declares, when the connection enforces
 * it: a `Content-Length` of the bytes as read, i.e. without a
 * `Content-Encoding`, on a response from `fetch` itself (a response made in
 * JavaScript, e.g. by a custom `fetch`, may carry any header).
 */
function framedLength(response: Response): number | undefined {
  if (response.type === "default") return undefined;
  const encoding = response.headers.get("content-encoding")?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== "identity") return undefined;
  const length = response.headers.get("content-length")?.trim();
  return length !== undefined && /^\d{1,15}$/.test(length) ? Number(length) : undefined;
}
