// `show <store> <model> <prompt-hash | text>`: the samples of one sequence.

import type { SequenceKey, Store } from "../cache/store.ts";
import { redactSpec } from "../cache/store_spec.ts";
import { promptHash } from "../core/model_key.ts";
import { callText, chatOf, chatSummary, chatTranscript } from "../core/prompt_preview.ts";
import { metaOf, type Reply, type ReplyMeta } from "../core/reply.ts";
import { Exit, expectModelKey, expectPositionals, UsageError } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, preview, visible, visibleLine } from "./_format.ts";
import { openExisting, STORE_HELP } from "./_stores.ts";

/**
 * `show`: every sample of one sequence, with what its reply holds beyond
 * its text (tool calls, reasoning, finish reason, model); a chat prompt as
 * its turns.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 * import { show } from "./_show.ts";
 *
 * let out = "";
 * const io = { out: (t: string) => out += t, err: () => {}, progress: false };
 * const code = await show.run(parse(["tests/fixtures/mnimi-cache", "gpt-4o_1", "b11eebdc"], show.flags), io);
 * assert(code === 0 && out.includes("\n[1]\n418\n"));
 * ```
 */
export const show: Command = {
  name: "show",
  summary: "the samples of one sequence",
  help: `Usage: cache show <store> <model> <prompt-hash | prompt text> [--text] [--json]

Prints the samples of one sequence in index order. The sequence is the model
key (as \`cache ls\` lists it, e.g. gpt-4o_1) and a prompt: its SHA-256 hash, a
unique start of the hash (at least 6 hex digits), or else the prompt text itself.
A chat prompt is shown as its turns; below each sample, what its reply holds
beyond its text: tool calls (→ name(arguments) id), reasoning, finish reason,
model, refusal. Control characters in samples are shown escaped (\\x1b);
--json prints them exact. Exits with 1 when nothing is stored for the sequence.

${STORE_HELP}

Options:
  --text      take the last argument as prompt text even if it looks like a hash
  --json      print {model, hash, prompt, samples: [...]}, and replies: [...]
              when some reply holds more than its text (what each one holds
              beyond its text, or null)
  -h, --help  show this help
`,
  flags: { text: { type: "boolean" } },
  async run(parsed, io) {
    expectPositionals(parsed, 3, 3);
    const [spec, model, which] = parsed.positionals as [string, string, string];
    expectModelKey(model);
    const store = await openExisting(spec);
    try {
      const { hash, prompt } = await resolve(store, {
        model,
        which,
        text: parsed.values.text === true,
      });
      const samples = await store.load({ model, hash }, 0);
      const metas = await metasOf(store, { model, hash }, samples.length, io);
      if (parsed.values.json) {
        const replies = metas.some((meta) => meta !== null) ? { replies: metas } : {};
        io.out(json({ model, hash, prompt: prompt ?? null, samples, ...replies }));
      } else {
        io.out(`model    ${visibleLine(model)}\nhash     ${hash}\n${promptLines(prompt)}`);
        io.out(`samples  ${count(samples.length)}\n`);
        samples.forEach((s, i) => {
          io.out(`\n[${i}]\n${visible(s)}${s.endsWith("\n") ? "" : "\n"}`);
          const meta = metas[i];
          if (meta !== null && meta !== undefined) io.out(metaLines(meta));
        });
      }
      if (samples.length > 0) return Exit.ok;
      io.err(
        visibleLine(
          `nothing stored for ${model} ${hash} in ${store.location}: ` +
            `see \`cache ls ${redactSpec(spec)}\` for what is there`,
        ) + "\n",
      );
      return Exit.problems;
    } finally {
      await store.close();
    }
  },
};

/** The prompt's lines: a string quoted on one line, a chat as its turns. */
function promptLines(prompt: string | undefined): string {
  const chat = prompt === undefined ? undefined : chatOf(prompt);
  if (chat === undefined) return `prompt   ${preview(prompt, 200)}\n`;
  return `prompt   (${chatSummary(chat)})\n  ${indent(visible(chatTranscript(chat)), "  ")}\n`;
}

/**
 * What each of the `count` samples' replies holds beyond its text (`null`
 * for nothing); all `null` when the store keeps no replies. A store that
 * cannot read them says why on stderr, and the samples are shown without.
 */
async function metasOf(
  store: Store,
  key: SequenceKey,
  count: number,
  io: { err: (text: string) => void },
): Promise<(ReplyMeta | null)[]> {
  let replies: Reply[] = [];
  try {
    replies = store.replies === undefined ? [] : await store.replies(key, 0);
  } catch (error) {
    io.err(
      visibleLine(
        `the replies' metadata of ${key.model} ${key.hash} could not be read ` +
          `(${error instanceof Error ? error.message : String(error)}): the samples are shown ` +
          "without it; cache verify says more",
      ) + "\n",
    );
  }
  return Array.from({ length: count }, (_, i) => {
    const reply = replies[i];
    return reply === undefined ? null : metaOf(reply) ?? null;
  });
}

/** A reply's metadata under its sample, each line indented and marked. */
function metaLines(meta: ReplyMeta): string {
  const lines: string[] = [];
  for (const call of meta.toolCalls ?? []) lines.push(`→ ${callText(call)} ${call.id}`);
  if (meta.reasoning !== undefined) lines.push(`reasoning: ${meta.reasoning}`);
  const about = [
    meta.refusal === undefined ? "" : `refusal: ${meta.refusal}`,
    meta.finishReason === undefined ? "" : `finish: ${meta.finishReason}`,
    meta.model === undefined ? "" : `model: ${meta.model}`,
    meta.logprobs === undefined ? "" : "log probabilities kept (--json shows them)",
  ].filter((part) => part !== "");
  if (about.length > 0) lines.push(about.join(" · "));
  return lines.map((line) => `  ${indent(visible(line), "    ")}\n`).join("");
}

/** `text` with every line after the first indented by `by`. */
function indent(text: string, by: string): string {
  return text.split("\n").join(`\n${by}`);
}

/** The prompt `which` names among `model`'s: a hash, the start of one, or (`text`) its text. */
async function resolve(
  store: Store,
  { model, which, text }: { model: string; which: string; text: boolean },
) {
  const entries = await Array.fromAsync(store.prompts(model));
  if (!text && /^[0-9a-f]{6,64}$/.test(which)) {
    const matches = entries.filter((e) => e.hash.startsWith(which));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new UsageError(
        `${which} starts ${matches.length} prompt hashes of ${model}: give more digits`,
      );
    }
    if (which.length === 64) return { hash: which, prompt: undefined };
  }
  const hash = promptHash(which);
  return { hash, prompt: entries.find((e) => e.hash === hash)?.prompt ?? which };
}
