// What the conformance tests and their child processes write: the prompts
// they share, and samples that say whether they are whole.

import { createHash } from "node:crypto";
import type { ReplyMeta } from "../core/reply.ts";

/** The prompt every test of one store writes. */
export const PROMPT = "Choose a number between 1 and 1000.";
/** The prompt the appending child processes share. */
export const SHARED_PROMPT = "the shared prompt";
/** The prompts the writers killed mid-write append to. */
export const CRASH_PROMPTS: readonly string[] = ["crash a", "crash b"];

/**
 * A sample that says whether it is whole: `<id>:<uuid>:` and some text of
 * random length (up to 300 KB), then `\n#` and the first 16 hex digits of
 * its SHA-256.
 */
export function selfValidating(id: string): string {
  const size = Math.floor(Math.random() ** 2 * 300_000);
  const text = `${id}:${crypto.randomUUID()}:` + "é🌍x".repeat(size / 4);
  return `${text}\n#${digest(text)}`;
}

/** Whether a {@linkcode selfValidating} sample came back whole. */
export function isWhole(sample: string): boolean {
  const at = sample.lastIndexOf("\n#");
  return at >= 0 && digest(sample.slice(0, at)) === sample.slice(at + 2);
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The metadata a crashing writer stores with `sample`: its own start, so that it says whose it is. */
export function crashMeta(sample: string): ReplyMeta {
  return { reasoning: sample.slice(0, 60), finishReason: "stop" };
}
