// `copy <from> <to> [--model M]… [--hash H]… [--manifest F]…`: copyStore on
// the command line.

import { CopyConflictError, type CopyResult, copyStore } from "../cache/copy.ts";
import { type Manifest, readManifest } from "../cache/manifest.ts";
import { ShortSourceError, slicesOf } from "../cache/copy_selection.ts";
import type { Store } from "../cache/store.ts";
import { Exit, expectModelKey, expectPositionals, UsageError } from "./_args.ts";
import type { Command } from "./_command.ts";
import { count, json, preview, visibleLine } from "./_format.ts";
import { type Io, Progress } from "./_io.ts";
import { openExisting, openOrCreate, STORE_HELP } from "./_stores.ts";

/**
 * `copy`: sequences from one store into another, index for index.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parse } from "./_args.ts";
 * import { copy } from "./_copy.ts";
 *
 * const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
 * let out = "";
 * const io = { out: (t: string) => out += t, err: () => {}, progress: false };
 * const args = parse(["tests/fixtures/mnimi-cache", dir, "--model", "gpt-4o_1"], copy.flags);
 * assert.equal(await copy.run(args, io), 0);
 * assert(out.startsWith("copied 24 samples"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export const copy: Command = {
  name: "copy",
  summary: "copy sequences into another store, index for index",
  help: `Usage: cache copy <from> <to> [--model M]... [--hash H]... [--manifest F]... [--json]

Copies every sequence of <from> (or those of the given model keys and prompt
hashes, or the slice a run manifest names) into <to>, each sample at the same
index, with the prompt text. <to> is created when missing. Running it again
copies only what is new. An index of
<to> that already holds a different value (also one hidden past a gap) is never
overwritten: the sequence is not touched, the conflicts are listed, and the exit
code is 1. A sample that cannot be read (not valid UTF-8, a symbolic link)
stops the copy with exit code 3; what was copied before it stays.

${STORE_HELP}

Options:
  --model M     only model key M (repeat for several)
  --hash H      only prompt hash H (repeat for several)
  --manifest F  only the slice the run manifest F names (writeManifest): of each
                sequence, the samples up to the last index served; a source
                that holds fewer is a usage error (exit code 2) and nothing is
                copied; repeat for several
  --json        print {from, to, sequences, copied, present, conflicts: [...]}
  -h, --help    show this help
`,
  flags: {
    model: { type: "string", multiple: true },
    hash: { type: "string", multiple: true },
    manifest: { type: "string", multiple: true },
  },
  async run(parsed, io) {
    expectPositionals(parsed, 2, 2);
    const [fromSpec, toSpec] = parsed.positionals as [string, string];
    const models = parsed.values.model as string[] | undefined;
    models?.forEach(expectModelKey);
    const manifests = await Promise.all(
      (parsed.values.manifest as string[] | undefined ?? []).map(readManifestArgument),
    );
    const from = await openExisting(fromSpec);
    let to: Store | undefined;
    const progress = new Progress(io);
    try {
      to = await openOrCreate(toSpec);
      const hashes = parsed.values.hash as string[] | undefined;
      const result = await copyStore(from, to, {
        ...(models === undefined ? {} : { models }),
        ...(hashes === undefined ? {} : { hashes }),
        ...(manifests.length === 0 ? {} : { manifest: manifests }),
        onProgress: (p) =>
          progress.update(`copying: ${p.done}/${p.total} sequences, ${p.copied} samples`),
      }).catch((error) => {
        if (error instanceof CopyConflictError) return error.result;
        // The manifest does not fit the source: the command line names the wrong one.
        if (error instanceof ShortSourceError) throw new UsageError(error.message);
        throw error;
      });
      progress.done();
      report(io, result, {
        from: from.location,
        to: to.location,
        json: parsed.values.json === true,
      });
      return result.conflicts.length > 0 ? Exit.problems : Exit.ok;
    } finally {
      progress.done();
      await from.close();
      await to?.close();
    }
  },
};

/** A manifest file named on the command line; a missing or bad one is a usage error. */
async function readManifestArgument(path: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = await readManifest(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new UsageError(`no manifest at ${JSON.stringify(path)}: the file does not exist`);
    }
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  try {
    slicesOf([manifest]); // a manifest of caches in memory names no store's samples
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
  return manifest;
}

function report(
  io: Io,
  result: CopyResult,
  { from, to, json: asJson }: { from: string; to: string; json: boolean },
): void {
  if (asJson) {
    io.out(json({ from, to, ...result }));
    return;
  }
  io.out(
    `copied ${count(result.copied)} samples from ${visibleLine(from)} to ${visibleLine(to)} ` +
      `(${count(result.sequences)} sequences; ${
        count(result.present)
      } samples were already there)\n`,
  );
  if (result.conflicts.length === 0) return;
  io.out(
    `${count(result.conflicts.length)} conflicts: these indices of ${visibleLine(to)} hold other ` +
      `values, so their sequences were not copied:\n`,
  );
  for (const c of result.conflicts) {
    io.out(
      `  ${visibleLine(c.model)} ${c.hash} index ${c.index}: ` +
        `source ${preview(c.source, 30)}, target ${preview(c.target, 30)}\n`,
    );
  }
}
