// Cold writes of 1 KB samples into a folder, samples/s: the floor (creating
// one file per sample, O_EXCL, in a folder per prompt, as any writer of the
// mnimi layout must) and FsStore through Persistent at batch 1.

import { collect, promptHash } from "../mod.ts";
import { FsStore } from "../cache/fs_store.ts";
import { Persistent } from "../cache/persistent.ts";
import { KEY, KiloModel, prompt, sample, seconds } from "./_fixture.ts";

/** Samples/s of creating the files directly: a folder per prompt, a file per sample. */
export async function rawCreate(dir: string, prompts: number, samples: number): Promise<number> {
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
      for (let i = 0; i < samples; i++) {
        Deno.writeTextFileSync(`${folders[p]}/${i}.md`, texts[p]![i]!, { createNew: true });
      }
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
export async function rawCrashSafe(dir: string, prompts: number, samples: number): Promise<number> {
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
      const folder = folders[p]!;
      Deno.mkdirSync(folder);
      for (let i = 0; i < samples; i++) {
        const temp = `${folder}/.tmp-${i}`;
        Deno.writeTextFileSync(temp, texts[p]![i]!, { createNew: true });
        Deno.linkSync(temp, `${folder}/${i}.md`);
        Deno.removeSync(temp);
      }
    }
  });
  return prompts * samples / time;
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
      for (let i = 0; i < samples; i++) await store.append(keys[p]!, i, texts[p]![i]!, prompt(p));
    }
  });
  return prompts * samples / time;
}
