// `show <store> <model> <prompt-hash | text>`: the samples of one sequence.

import type { Store } from "../cache/store.ts";
import { redactSpec } from "../cache/store_spec.ts";
import { promptHash } from "../core/model_key.ts";
import { Exit, expectModelKey, expectPositionals, UsageError } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, preview, visible, visibleLine } from "./_format.ts";
import { openExisting, STORE_HELP } from "./_stores.ts";

/**
 * `show`: every sample of one sequence.
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
Control characters in samples are shown escaped (\\x1b); --json prints them exact.
Exits with 1 when nothing is stored for the sequence.

${STORE_HELP}

Options:
  --text      take the last argument as prompt text even if it looks like a hash
  --json      print {model, hash, prompt, samples: [...]}
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
      if (parsed.values.json) {
        io.out(json({ model, hash, prompt: prompt ?? null, samples }));
      } else {
        io.out(
          `model    ${visibleLine(model)}\nhash     ${hash}\nprompt   ${preview(prompt, 200)}\n`,
        );
        io.out(`samples  ${count(samples.length)}\n`);
        samples.forEach((s, i) => io.out(`\n[${i}]\n${visible(s)}${s.endsWith("\n") ? "" : "\n"}`));
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
