// The report's measures of issue 21: warm reads per store (folder, SQLite,
// Deno KV, Redis) against the floor of each layout, the whole process of a
// replay's cold start to its first cached sample against an empty `deno run`,
// and memory per cached sample against the least an in-memory cache keeps.
// Each runs in a child process, for this checkout and for any other given
// (`--baseline=<folder>`, e.g. a worktree of an older commit), each version
// driven through its public API, and the versions take turns in every round.

import { promptHash } from "../core/model_key.ts";
import { KEY, median, prompt, sample } from "./_library.ts";
import type { Job, Rates } from "./_warm_read_child.ts";

/** A checkout measured: its name in the report and its folder. */
export interface Version {
  readonly name: string;
  readonly root: string;
}

/** The warm reads measured: the folder store at three shapes, the others at one. */
export const READS: readonly { kind: Job["kind"]; shape: readonly [number, number] }[] = [
  { kind: "fs", shape: [1000, 10] },
  { kind: "fs", shape: [100, 100] },
  { kind: "fs", shape: [10, 1000] },
  { kind: "sqlite", shape: [100, 100] },
  { kind: "kv", shape: [100, 100] },
  { kind: "redis", shape: [100, 100] },
];

/** The memory measured: prompts × samples, in requests of 10. */
export const MEMORY: readonly (readonly [number, number])[] = [[1000, 1000], [100_000, 10]];

const COLD = { prompts: 1000, samples: 100, runs: 5 };

/** Records a value measured in this round under `name`. */
export type Record = (name: string, value: number) => void;

const shapeName = ([p, s]: readonly [number, number]) =>
  `${p.toLocaleString("en")}×${s.toLocaleString("en")}`;

/** The name of a warm read's figure: `reads fs 1,000×10 <version>` (or `floor`). */
export const readName = (read: (typeof READS)[number], who: string) =>
  `reads ${read.kind} ${shapeName(read.shape)} ${who}`;
/** The name of a memory figure. */
export const memoryName = (shape: readonly [number, number], who: string) =>
  `memory ${shapeName(shape)} ${who}`;

/** The measures of issue 21 in `dir`, for `versions` (the first is this checkout). */
export class FloorRounds {
  #dir: string;
  #versions: readonly Version[];
  #redis: string | undefined;
  // Per version and read: where its store is, once built (absent: no such store).
  #stores = new Map<string, string>();
  #cold = "";

  constructor(dir: string, versions: readonly Version[], redis: string | undefined) {
    this.#dir = dir;
    this.#versions = versions;
    this.#redis = redis;
  }

  /** Builds the stores each version reads, and the folder cache of the cold start. */
  async prepare(): Promise<string[]> {
    const notes: string[] = [];
    const [self] = this.#versions;
    for (const read of READS) {
      if (read.kind === "redis" && this.#redis === undefined) continue;
      // Every version reads the same folder, built once; other stores have a layout of each version's.
      const builders = read.kind === "fs" ? [self!] : this.#versions;
      for (const version of builders) {
        const [prompts, samples] = read.shape;
        const location = read.kind === "redis"
          ? `bench-${crypto.randomUUID()}:`
          : `${this.#dir}/${read.kind}-${prompts}x${samples}-${this.#versions.indexOf(version)}`;
        const built = await this.#child(version, { mode: "build", ...this.#job(read, location) });
        if (built === undefined) {
          notes.push(`${version.name} has no ${read.kind} store: not measured`);
          continue;
        }
        for (const reader of read.kind === "fs" ? this.#versions : [version]) {
          this.#stores.set(`${reader.name} ${readName(read, "")}`, location);
        }
      }
    }
    this.#cold = `${this.#dir}/cold`;
    writeColdCache(this.#cold);
    return notes;
  }

  /** One round of every measure, the versions in turn (reversed every other round). */
  async round(round: number, record: Record): Promise<void> {
    const order = round % 2 === 0 ? this.#versions : [...this.#versions].reverse();
    for (const read of READS) {
      for (const version of order) {
        const location = this.#stores.get(`${version.name} ${readName(read, "")}`);
        if (location === undefined) continue;
        const self = version === this.#versions[0];
        const rates = await this.#child(version, {
          mode: "read",
          ...this.#job(read, location),
          floor: self,
          cacheFirst: round % 2 === 0,
        });
        if (rates === undefined) throw new Error(`${version.name}: ${read.kind} read failed`);
        record(readName(read, version.name), rates.cache);
        if (self && rates.floor !== undefined) record(readName(read, "floor"), rates.floor);
      }
    }
    for (const version of order) {
      const [first, empty] = await this.#coldStart(version);
      record(`cold ${version.name}`, first);
      record(`cold ${version.name} empty`, empty);
    }
    for (const shape of MEMORY) {
      for (const who of [...order, undefined]) {
        record(memoryName(shape, who?.name ?? "floor"), await memory(who, shape));
      }
    }
  }

  #job(read: (typeof READS)[number], location: string) {
    const [prompts, samples] = read.shape;
    return { kind: read.kind, location, prompts, samples };
  }

  /** Runs the warm-read child for `version`: its rates, or undefined when it failed. */
  async #child(version: Version, job: Omit<Job, "root">): Promise<Rates | undefined> {
    const full: Job = { root: version.root, ...job };
    const { success, stdout } = await new Deno.Command("deno", {
      args: [
        "run",
        "--unstable-kv",
        `--allow-read=.,${version.root},${this.#dir}`,
        `--allow-write=${this.#dir}`,
        "--allow-env=REDIS_URL",
        "--allow-net=127.0.0.1",
        "bench/_warm_read_child.ts",
        JSON.stringify(full),
      ],
      stdout: "piped",
      stderr: "null",
      env: this.#redis === undefined ? {} : { REDIS_URL: this.#redis },
    }).output();
    if (!success) return undefined;
    return job.mode === "read" ? JSON.parse(new TextDecoder().decode(stdout)) : { cache: 0 };
  }

  /**
   * Seconds of a whole `deno run` from its start to the first cached sample of
   * a folder cache, and of an empty one run just after it: medians of a few.
   */
  async #coldStart(version: Version): Promise<[number, number]> {
    const firsts: number[] = [];
    const empties: number[] = [];
    const reader = [
      "run",
      `--allow-read=${version.root},${this.#cold}`,
      "bench/_first_sample.ts",
      version.root,
      this.#cold,
      "bench",
      prompt(COLD.prompts / 2),
    ];
    for (let k = 0; k < COLD.runs; k++) {
      firsts.push(await wholeRun(reader));
      empties.push(await wholeRun(["run", "bench/empty.ts"]));
    }
    return [median(firsts), median(empties)];
  }
}

/** Seconds a `deno` process takes from its start to its exit. */
async function wholeRun(args: string[]): Promise<number> {
  const start = performance.now();
  const { success, stderr } = await new Deno.Command("deno", {
    args,
    stdout: "null",
    stderr: "piped",
  }).output();
  const time = (performance.now() - start) / 1000;
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return time;
}

/** Bytes per sample beyond the strings: of `version`'s cache, or of the floor. */
async function memory(version: Version | undefined, [prompts, samples]: readonly [number, number]) {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      `--allow-read=.${version === undefined ? "" : `,${version.root}`}`,
      "bench/_memory_child.ts",
      version?.root ?? "floor",
      ...[prompts, samples, 10].map(String),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(new TextDecoder().decode(stderr));
  return Number(new TextDecoder().decode(stdout));
}

/**
 * A folder cache of 1,000 prompts × 100 samples of 1 KB, written directly
 * (it is the format). To build it fast, the prompt folders share the sample
 * files of prompt 0 by hard links (a directory entry per sample, as in any
 * cache); the prompt that is read has its own files.
 */
function writeColdCache(dir: string): void {
  const folder = (p: number) => `${dir}/${KEY}/${promptHash(prompt(p))}`;
  const read = COLD.prompts / 2;
  for (let p = 0; p < COLD.prompts; p++) {
    Deno.mkdirSync(folder(p), { recursive: true });
    for (let i = 0; i < COLD.samples; i++) {
      const file = `${folder(p)}/${i}.md`;
      if (p === 0 || p === read) Deno.writeTextFileSync(file, sample(p, i));
      else Deno.linkSync(`${folder(0)}/${i}.md`, file);
    }
  }
}
