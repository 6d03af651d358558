/**
 * The cache overview: what a store holds, model by model and prompt by prompt.
 *
 * @module
 */

import { join } from "node:path";
import { storeOf } from "../cache/open_store.ts";
import { formatBytes } from "../internal/format_bytes.ts";
import type { Store } from "../cache/store.ts";
import { walkStore } from "../cache/walk.ts";
import type { ToolCall } from "../core/prompt.ts";
import { callText, chatOf } from "../core/prompt_preview.ts";
import {
  CAPTION,
  container,
  escapeHtml,
  type MimeBundle,
  MONO,
  MUTED,
  preview,
  table,
  textTable,
  View,
} from "./html.ts";
import { promptLine, promptTitle } from "./_turns.ts";

/** One stored sequence in a {@linkcode CacheOverview}. */
export interface CachedSequence {
  /** The model key, e.g. `gpt-4o_1`. */
  readonly model: string;
  /** The prompt's SHA-256 hex digest. */
  readonly hash: string;
  /** The prompt text, when the store recorded it (a chat's canonical text). */
  readonly prompt: string | undefined;
  /** How many samples are stored (up to the first gap). */
  readonly samples: number;
  /** UTF-8 bytes of the stored samples. */
  readonly bytes: number;
  /**
   * Bytes on disk of the prompt's folder (its samples, their usage, the
   * prompt text), for a folder store; `undefined` otherwise.
   * @default {undefined}
   */
  readonly diskBytes?: number | undefined;
  /** The first sample, if any. */
  readonly first: string | undefined;
  /**
   * The tools the first sample's reply calls, when its text is empty (a
   * reply that only calls tools) and the store keeps replies.
   * @default {undefined}
   */
  readonly firstCalls?: readonly ToolCall[] | undefined;
}

/**
 * Lists what a store holds: model keys × prompts × samples, the size on disk
 * (for a folder) and a preview of each prompt (a chat by what it holds and
 * its first and last turns) and its first sample (a reply that only calls
 * tools by its calls). A string
 * or a URL is a store spec, read as `openStore` reads it (a cache folder in
 * the mnimi layout, `kv:<path>`, `sqlite:<path>`, `redis://…`), opened and
 * closed here; a store passed in stays open. A folder or file that does not
 * exist is an error (most often a typo in the path), not an empty cache, and
 * is not created.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "../cache/fs_store.ts";
 * import { promptHash } from "../mod.ts";
 * import { cacheOverview } from "./mod.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * const store = new FsStore(dir);
 * const prompt = "Choose a number between 1 and 1000.";
 * await store.append({ model: "gpt-4o_1", hash: promptHash(prompt) }, { from: 0, samples: ["42", "737"], prompt });
 * const overview = await cacheOverview(store);
 * assert.equal(overview.sequences[0]!.samples, 2);
 * assert(String(overview).includes("gpt-4o_1"));
 * await store.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @param storeOrDir A store, or a store spec (the path or `file:` URL of a
 * cache folder, `kv:<path>`, `sqlite:<path>`, `redis://…`).
 * @returns The overview.
 * @throws {Deno.errors.NotFound} When the cache folder or file does not exist.
 * @throws {TypeError} For a spec `openStore` refuses (an unknown scheme).
 */
export async function cacheOverview(storeOrDir: Store | string | URL): Promise<CacheOverview> {
  const store = typeof storeOrDir === "string" || storeOrDir instanceof URL
    ? storeOf(storeOrDir)
    : storeOrDir;
  try {
    await store.checkAccess?.("read");
    const disk = await diskUsage(store.location);
    const sequences: CachedSequence[] = [];
    for await (const { samples, ...sequence } of walkStore(store)) {
      const folder = join(store.location, sequence.model, sequence.hash);
      const firstCalls = samples[0] === "" ? await callsOf(store, sequence) : undefined;
      sequences.push({
        ...sequence,
        samples: samples.length,
        first: samples[0],
        ...(disk === undefined ? {} : { diskBytes: disk.folders.get(folder) ?? 0 }),
        ...(firstCalls === undefined || firstCalls.length === 0 ? {} : { firstCalls }),
      });
    }
    return new CacheOverview(store.location, sequences, disk?.total);
  } finally {
    if (store !== storeOrDir) await store.close();
  }
}

/**
 * What a store holds; see {@linkcode cacheOverview}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CacheOverview } from "./mod.ts";
 *
 * const hash = "ab".repeat(32);
 * const view = new CacheOverview("memory", [
 *   { model: "gpt-4o_1", hash, prompt: "p", samples: 2, bytes: 2_048, first: "42" },
 * ]);
 * assert.equal(view.summary, "1 model · 1 prompt · 2 samples · 2.0 KiB of samples");
 * ```
 */
export class CacheOverview extends View {
  /** The store's location. */
  readonly location: string;
  /** Every stored sequence, by model key and prompt. */
  readonly sequences: readonly CachedSequence[];
  /** Bytes on disk for a folder store, else `undefined`. */
  readonly diskBytes: number | undefined;

  /**
   * Makes the view from figures already gathered.
   *
   * @param location The store's location.
   * @param sequences Every stored sequence.
   * @param diskBytes Bytes on disk, if the store is a folder.
   */
  constructor(location: string, sequences: readonly CachedSequence[], diskBytes?: number) {
    super();
    this.location = location;
    this.sequences = sequences;
    this.diskBytes = diskBytes;
  }

  /**
   * The model keys, each once, in the order of the sequences.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { cacheOverview } from "./mod.ts";
   *
   * const overview = await cacheOverview("tests/fixtures/mnimi-cache");
   * assert.equal(overview.models.length, 5);
   * assert.equal(overview.models[0], "accounts/fireworks/models/llama-v3p1-8b-instruct_0.7");
   * ```
   */
  get models(): string[] {
    return [...new Set(this.sequences.map((s) => s.model))];
  }

  /**
   * The number of samples in the store (in each sequence, up to its first gap).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { cacheOverview } from "./mod.ts";
   *
   * assert.equal((await cacheOverview("tests/fixtures/mnimi-cache")).samples, 124);
   * ```
   */
  get samples(): number {
    return this.sequences.reduce((n, s) => n + s.samples, 0);
  }

  /**
   * One line: models, prompts, samples and size (on disk for a folder, else
   * of the samples' text).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { cacheOverview } from "./mod.ts";
   *
   * const { summary } = await cacheOverview("tests/fixtures/mnimi-cache");
   * assert.match(summary, /^5 models · 30 prompts · 124 samples · [\d.]+ KiB on disk$/);
   * ```
   */
  get summary(): string {
    const size = this.diskBytes === undefined
      ? `${formatBytes(this.sequences.reduce((n, s) => n + s.bytes, 0))} of samples`
      : `${formatBytes(this.diskBytes)} on disk`;
    return `${plural(this.models.length, "model")} · ${
      plural(this.sequences.length, "prompt")
    } · ` +
      `${plural(this.samples, "sample")} · ${size}`;
  }

  /**
   * The view as `text/html` and `text/plain`: the summary, then one row per
   * sequence with a preview of its prompt (whole in the tooltip) and first
   * sample, and its samples and size in right-aligned columns. For a folder
   * the sizes are on disk and a last row holds the files outside the prompt
   * folders, so that the rows add up to the total.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { CacheOverview } from "./mod.ts";
   *
   * const hash = "cd".repeat(32);
   * const view = new CacheOverview("memory", [
   *   { model: "m_1", hash, prompt: undefined, samples: 1, bytes: 3, first: "<b>" },
   *   { model: "m_1", hash, prompt: "Say <hi>", samples: 12, bytes: 30, first: "hi" },
   * ]);
   * const { "text/html": html, "text/plain": text } = view.bundle();
   * assert(html.includes(`title="${hash}"`) && html.includes("&lt;b&gt;"));
   * assert(html.includes(`title="Say &lt;hi&gt;`));
   * assert(text.includes("(prompt not recorded) cdcdcdcdcdcd…"));
   * assert.match(text, /^m_1 +Say <hi> +12 +30 B  hi$/m);
   * ```
   */
  bundle(): MimeBundle {
    const onDisk = this.diskBytes !== undefined;
    const rows = this.sequences.map((s) => [
      s.model,
      s.prompt === undefined
        ? `(prompt not recorded) ${s.hash.slice(0, 12)}…`
        : promptLine(s.prompt, chatOf(s.prompt) === undefined ? 60 : 80),
      String(s.samples),
      formatBytes(onDisk ? s.diskBytes ?? 0 : s.bytes),
      s.first === undefined ? "" : firstLine(s.first, s.firstCalls),
    ]);
    const listed = this.sequences.reduce((n, s) => n + (s.diskBytes ?? 0), 0);
    const rest = onDisk ? this.diskBytes! - listed : 0;
    if (rest > 0) rows.push(["", "(other files: locks, metadata)", "", formatBytes(rest), ""]);
    const headers = ["model key", "prompt", "samples", onDisk ? "on disk" : "size", "first sample"];
    const numeric = [false, false, true, true, false];
    const tooltips = this.sequences.map((s) =>
      s.prompt === undefined ? s.hash : `${promptTitle(s.prompt)}\n\nsha256 ${s.hash}`
    );
    const html = `<div style="${CAPTION}">Cache ${escapeHtml(this.location)}</div>` +
      `<div style="${MUTED}">${escapeHtml(this.summary)}</div>` +
      table(
        headers,
        rows.map((r, i) =>
          r.map((c, j) =>
            j === 1 && i < tooltips.length
              ? `<span title="${escapeHtml(tooltips[i]!)}">${escapeHtml(c)}</span>`
              : j === 4
              ? `<code style="${MONO}">${escapeHtml(c)}</code>`
              : escapeHtml(c)
          )
        ),
        { numeric },
      );
    return {
      "text/html": container(html),
      "text/plain": `Cache ${this.location}\n${this.summary}\n${
        textTable(headers, rows, { numeric })
      }`,
    };
  }
}

/**
 * The tools the first reply of a sequence calls; none when the store keeps
 * no replies, or cannot read this one (`cache verify` says why: an overview
 * shows the rest).
 */
async function callsOf(store: Store, key: { model: string; hash: string }) {
  if (store.replies === undefined) return undefined;
  try {
    return (await store.replies(key, 0))[0]?.toolCalls;
  } catch {
    return undefined;
  }
}

/** The first sample on one line: its text, or the calls of a reply that only calls tools. */
function firstLine(text: string, calls: readonly ToolCall[] | undefined): string {
  if (text !== "" || calls === undefined) return preview(text, 40);
  return preview(calls.map((call) => `→ ${callText(call)}`).join(" "), 40);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// The size of every file under a folder, in all and per folder (every folder
// counts the files below it); undefined when the location is not a folder.
async function diskUsage(
  location: string,
): Promise<{ total: number; folders: Map<string, number> } | undefined> {
  try {
    if (!(await Deno.stat(location)).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  const folders = new Map<string, number>();
  const walk = async (dir: string): Promise<number> => {
    let size = 0;
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) size += await walk(path);
      else if (entry.isFile) size += (await Deno.stat(path)).size;
    }
    folders.set(dir, size);
    return size;
  };
  const total = await walk(location);
  return { total, folders };
}
