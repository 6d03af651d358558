// The README image records which notebook it shows: the SHA-256 of the
// notebook file (its sources and saved outputs) in a PNG tEXt chunk. File
// times cannot say it (git keeps none); the digest survives any checkout.

/** The tEXt keyword that holds the digest. */
export const KEYWORD = "llm-cache:notebook-sha256";

/** The SHA-256 of a file, as hex. */
export async function notebookDigest(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)).toHex();
}

/** `png` with a tEXt chunk `KEYWORD` = `value` before its IEND chunk (any old one removed). */
export function withTextChunk(png: Uint8Array, value: string): Uint8Array {
  const chunks = readChunks(png).filter((c) =>
    !(c.type === "tEXt" && textOf(c.data)?.[0] === KEYWORD)
  );
  const data = new TextEncoder().encode(`${KEYWORD}\0${value}`);
  const end = chunks.findIndex((c) => c.type === "IEND");
  chunks.splice(end, 0, { type: "tEXt", data });
  const parts = [png.subarray(0, 8), ...chunks.map(encodeChunk)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The value of the tEXt chunk `KEYWORD`, or undefined. */
export function readTextChunk(png: Uint8Array): string | undefined {
  for (const chunk of readChunks(png)) {
    const text = chunk.type === "tEXt" ? textOf(chunk.data) : undefined;
    if (text?.[0] === KEYWORD) return text[1];
  }
  return undefined;
}

interface Chunk {
  type: string;
  data: Uint8Array;
}

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

function readChunks(png: Uint8Array): Chunk[] {
  if (!SIGNATURE.every((b, i) => png[i] === b)) throw new TypeError("not a PNG file");
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= png.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(png.subarray(at + 4, at + 8));
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return chunks;
}

function textOf(data: Uint8Array): [string, string] | undefined {
  const nul = data.indexOf(0);
  if (nul < 0) return undefined;
  const decode = (b: Uint8Array) => new TextDecoder("latin1").decode(b);
  return [decode(data.subarray(0, nul)), decode(data.subarray(nul + 1))];
}

function encodeChunk({ type, data }: Chunk): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
