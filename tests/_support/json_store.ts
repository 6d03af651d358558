// A store written the way a store of your own is (the change task of issue
// 18): sequences kept as JSON objects in an object store, here simulated by a
// folder whose objects are created only when absent (like S3's
// `If-None-Match: *`): one object per sample, holding its text and its
// usage record, so that an index is claimed, and its usage kept, by one put.
// Its kind is registered with one entry (`json:<folder>`), so `openStore`,
// `Persistent`, `llmFixture` and the command line take it; this module is
// also what the conformance kit's child processes preload.

import { asRecord, recordsOf, type UsageRecord } from "../../core/accounting.ts";
import {
  assertSequenceKey,
  type PromptEntry,
  registerStoreKind,
  type SequenceKey,
  type Store,
  type StoreWrite,
} from "../../cache/stores.ts";

/** One object: a sample, and what it cost when the writer knew it. */
interface SampleObject {
  readonly text: string;
  readonly usage?: UsageRecord | undefined;
}

/** Sequences as JSON objects under `<root>/samples/<model>/<hash>/<index>.json`. */
export class JsonObjectStore implements Store {
  readonly location: string;
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    this.location = `json:${root}`;
  }

  async load(key: SequenceKey, from: number): Promise<string[]> {
    const out: string[] = [];
    for (let i = from;; i++) {
      const object = await this.#get(this.#sample(key, i));
      if (object === undefined) return out;
      out.push(object.text);
    }
  }

  async append(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    await this.#putPrompt(key, write.prompt);
    const found: string[] = [];
    let i = write.from;
    for (const [k, text] of write.samples.entries()) {
      // A lost put moves the sample on: the winner's object is read instead.
      while (!(await this.#put(key, i, text, write, k))) {
        found.push((await this.#get(this.#sample(key, i++)))!.text);
      }
      found.push(text);
      i++;
    }
    return found;
  }

  async place(key: SequenceKey, write: StoreWrite): Promise<string[]> {
    await this.#putPrompt(key, write.prompt);
    const held: string[] = [];
    for (const [k, text] of write.samples.entries()) {
      const i = write.from + k;
      const won = await this.#put(key, i, text, write, k);
      held.push(won ? text : (await this.#get(this.#sample(key, i)))!.text);
    }
    return held;
  }

  async usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
    const records: UsageRecord[] = [];
    for (const index of await this.indices(key)) {
      const usage = asRecord((await this.#get(this.#sample(key, index)))?.usage);
      if (usage !== undefined && usage.from + usage.count > from) records.push(usage);
    }
    return records;
  }

  async indices(key: SequenceKey): Promise<number[]> {
    const names = await this.#list(this.#folder(key));
    return names.map((name) => Number(name.replace(/\.json$/, ""))).sort((a, b) => a - b);
  }

  async delete(key: SequenceKey, from = 0): Promise<void> {
    // Highest first, so that readers always see a prefix; each object holds
    // its own sample's usage, so no record needs cutting.
    const indices = (await this.indices(key)).filter((i) => i >= from).reverse();
    for (const i of indices) await Deno.remove(this.#sample(key, i));
    if (from > 0) return;
    await Deno.remove(this.#folder(key), { recursive: true }).catch(ignoreMissing);
    await Deno.remove(this.#promptObject(key)).catch(ignoreMissing);
  }

  async *models(): AsyncIterableIterator<string> {
    for (const model of await this.#list(`${this.#root}/samples`)) {
      if ((await this.#list(`${this.#root}/samples/${model}`)).length > 0) {
        yield decodeURIComponent(model);
      }
    }
  }

  async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
    const folder = `${this.#root}/samples/${encodeURIComponent(model)}`;
    for (const hash of await this.#list(folder)) {
      const key = { model, hash };
      const object = await this.#get(this.#promptObject(key));
      yield { hash, prompt: object?.text };
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  /** Creates the object of index `i` unless it exists; whether this writer created it. */
  async #put(key: SequenceKey, i: number, text: string, write: StoreWrite, k: number) {
    const share = write.usage?.[k];
    const usage = share === undefined ? undefined : recordsOf([i], [share])[0];
    return await createIfAbsent(this.#sample(key, i), { text, usage });
  }

  /** Makes the sequence's folder, and records its prompt unless one is recorded. */
  async #putPrompt(key: SequenceKey, prompt: string | undefined): Promise<void> {
    await Deno.mkdir(this.#folder(key), { recursive: true });
    if (prompt !== undefined) await createIfAbsent(this.#promptObject(key), { text: prompt });
  }

  async #get(path: string): Promise<SampleObject | undefined> {
    try {
      return JSON.parse(await Deno.readTextFile(path));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw error;
    }
  }

  async #list(folder: string): Promise<string[]> {
    try {
      return (await Array.fromAsync(Deno.readDir(folder))).map((e) => e.name)
        .filter((name) => !name.startsWith("."));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw error;
    }
  }

  #folder(key: SequenceKey): string {
    assertSequenceKey(key);
    return `${this.#root}/samples/${encodeURIComponent(key.model)}/${key.hash}`;
  }

  #sample(key: SequenceKey, i: number): string {
    return `${this.#folder(key)}/${i}.json`;
  }

  #promptObject(key: SequenceKey): string {
    return `${this.#root}/prompts/${encodeURIComponent(key.model)}/${key.hash}.json`;
  }
}

/** Puts `object` at `path` unless an object is there: written aside, then linked (atomic). */
async function createIfAbsent(path: string, object: SampleObject): Promise<boolean> {
  const folder = path.slice(0, path.lastIndexOf("/"));
  await Deno.mkdir(folder, { recursive: true });
  const temp = `${folder}/.put-${crypto.randomUUID()}`;
  await Deno.writeTextFile(temp, JSON.stringify(object));
  try {
    await Deno.link(temp, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(temp);
  }
}

function ignoreMissing(error: unknown): void {
  if (!(error instanceof Deno.errors.NotFound)) throw error;
}

registerStoreKind({
  name: "json",
  schemes: ["json"],
  forms: ["json:<folder>"],
  help: "JSON objects in a folder (the issue 18 example of a store of your own)",
  parse({ rest }) {
    if (rest === "") throw new TypeError('it names no folder: write e.g. "json:cache"');
    return { location: `json:${rest}`, path: rest, target: rest };
  },
  open: (spec) => Promise.resolve(new JsonObjectStore(spec.target)),
  permissions: (spec, mode) => [
    `--allow-read=${spec.target}`,
    ...(mode === "write" ? [`--allow-write=${spec.target}`] : []),
  ],
});
