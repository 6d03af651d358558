// Cold writes of 1 KB samples into a folder, samples/s: the floors (creating
// one file per sample, O_EXCL, in a folder per prompt, as any writer of the
// mnimi layout must; then the crash-safe way, without and with the usage
// line), FsStore alone, and FsStore through Persistent at batch 1.

import { collect, promptHash } from "../mod.ts";
import { FsStore } from "../cache/fs_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { KEY, KiloModel, prompt, sample, seconds } from "./_fixture.ts";

/** Samples/s of creating the files directly: a folder per prompt, a file per sample. */
export function rawCreate(dir: string, prompts: number, samples: number): Promise<number> {
  return layoutWrite(dir, prompts, samples, (folder, i, text) => {
    Deno.writeTextFileSync(`${folder}/${i}.md`, text, { createNew: true });
  });
}

/**
 * Samples/s of writing the mnimi layout by hand with `write(folder, index,
 * text)`: a folder per prompt, then each of its samples in order.
 */
async function layoutWrite(
  dir: string,
  prompts: number,
  samples: number,
  write: (folder: string, index: number, text: string) => void,
): Promise<number> {
  const folders = Array.from(
    { length: prompts },
    (_, p) => `${dir}/${KEY}/${promptHash(prompt(p))}`,
  );
  const texts = Array.from(
    { length: prompts },
    (_, p) => Array.from({ length: samples }, (_, i) => sample(p, i)),
  );
  const time = await seconds(() => {
    Deno.mkdirSync(`${dir}/${KEY}`, { recursive: true });
    for (let p = 0; p < prompts; p++) {
      Deno.mkdirSync(folders[p]!);
      for (let i = 0; i < samples; i++) write(folders[p]!, i, texts[p]![i]!);
    }
  });
  return prompts * samples / time;
}

/** Samples/s of drawing and storing each sample through Persistent over FsStore. */
export async function persistentWrite(
  dir: string,
  prompts: number,
  samples: number,
  batch = 1,
): Promise<number> {
  const model = new Persistent(new KiloModel(batch), new FsStore(dir));
  const time = await seconds(async () => {
    for (let p = 0; p < prompts; p++) await collect(model.sample(prompt(p), batch), samples);
  });
  return prompts * samples / time;
}

/** Samples/s of the crash-safe minimum: a temporary file, a link to `<i>.md`, an unlink. */
export function rawCrashSafe(dir: string, prompts: number, samples: number): Promise<number> {
  return layoutWrite(dir, prompts, samples, crashSafe);
}

/**
 * Samples/s of the crash-safe minimum plus what FsStore adds for the usage
 * sidecar: one line appended to `usage.jsonl` per sample drawn.
 */
export function rawCrashSafeUsage(dir: string, prompts: number, samples: number): Promise<number> {
  return layoutWrite(dir, prompts, samples, (folder, i, text) => {
    crashSafe(folder, i, text);
    Deno.writeTextFileSync(`${folder}/usage.jsonl`, USAGE_LINE, { append: true });
  });
}

const USAGE_LINE = `${JSON.stringify({ from: 0, count: 1, requests: 1, latencyMs: 1 })}\n`;

function crashSafe(folder: string, i: number, text: string): void {
  const temp = `${folder}/.tmp-${i}`;
  Deno.writeTextFileSync(temp, text, { createNew: true });
  Deno.linkSync(temp, `${folder}/${i}.md`);
  Deno.removeSync(temp);
}

/** Samples/s of FsStore.append, one sample per call, without the sampling engine. */
export async function storeAppend(dir: string, prompts: number, samples: number): Promise<number> {
  const store = new FsStore(dir);
  const keys = Array.from(
    { length: prompts },
    (_, p) => ({ model: KEY, hash: promptHash(prompt(p)) }),
  );
  const texts = Array.from(
    { length: prompts },
    (_, p) => Array.from({ length: samples }, (_, i) => [sample(p, i)]),
  );
  const time = await seconds(async () => {
    for (let p = 0; p < prompts; p++) {
      for (let i = 0; i < samples; i++) {
        await store.append(keys[p]!, { from: i, samples: texts[p]![i]!, prompt: prompt(p) });
      }
    }
  });
  return prompts * samples / time;
}

/**
 * The cold-write measures of the report, by name: the floors (raw creation,
 * crash-safe, crash-safe with the usage line), FsStore alone, and through
 * Persistent (what a run pays).
 */
export const FS_MEASURES = {
  "raw": rawCreate,
  "crash-safe": rawCrashSafe,
  "crash-safe+usage": rawCrashSafeUsage,
  "store": storeAppend,
  "fs": persistentWrite,
} as const;
