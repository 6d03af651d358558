/**
 * The conformance kit for stores: {@linkcode storeConformance} registers the
 * tests every built-in store passes, for a store of your own. Like keyv's
 * `keyvTestSuite(test, Keyv, store)`, it takes the test runner's function
 * (`Deno.test`) and a way to make fresh stores.
 *
 * @module
 */

import { storeKind } from "../cache/store_kinds.ts";
import { parseStoreSpec } from "../cache/store_spec.ts";
import { type ChildCommand, mergeFlags } from "./_children.ts";
import { crashTests } from "./_crash_suite.ts";
import { replyTests } from "./_reply_suite.ts";
import { sliceTests } from "./_slice_suite.ts";
import { storeTests } from "./_store_suite.ts";
import type { ConformanceStore, Suite } from "./_suite.ts";

export type { ConformanceStore } from "./_suite.ts";

/** One test, as {@linkcode storeConformance} registers it: `Deno.test` takes it. */
export interface ConformanceTestDefinition {
  /** `<StoreConformanceOptions.name>: <what it checks>`. */
  readonly name: string;
  /** Whether to skip it: every test when asked to, and those of several processes for a store they cannot share. */
  readonly ignore: boolean;
  /** The test. */
  readonly fn: () => Promise<void>;
}

/** Registers one test: `Deno.test`, or your runner's `test` adapted to this shape. */
export type ConformanceTest = (definition: ConformanceTestDefinition) => void;

/** What {@linkcode storeConformance} tests, and how. */
export interface StoreConformanceOptions {
  /** What the tests are named after, e.g. the store's class: `MapStore: <what is tested>`. */
  readonly name: string;
  /**
   * A fresh, empty store for one test (some tests ask for a second one, to
   * slice into), and the spec that opens it again with `openStore`: the
   * store's kind must be in the table of store kinds (built in, or added
   * with `registerStoreKind` before the tests run).
   */
  readonly open: () => Promise<ConformanceStore>;
  /**
   * A module, by path or URL, that each child process loads before anything
   * else (`deno run --preload`) and that registers the store's kind
   * (`registerStoreKind`), so that `openStore(spec)` opens the store in the
   * child too: the tests of several processes need it for a kind of your own.
   * @default {none: the store is of a built-in kind}
   */
  readonly preload?: string | URL;
  /**
   * Whether several processes can share the store. A store that lives in
   * one process's memory cannot: its tests of several processes at once (and
   * of writers killed mid-write) are then ignored.
   * @default {true}
   */
  readonly processes?: boolean;
  /**
   * The permission flags of a child process that opens `spec` and writes it.
   * @default {what its kind names (`StoreKind.permissions(spec, "write")`)}
   */
  readonly childFlags?: (spec: string) => string[];
  /**
   * Ignore every test, e.g. when the store's server is not there (say so
   * with a `console.warn`).
   * @default {false}
   */
  readonly ignore?: boolean;
}

const CHILD = new URL("./_conformance_child.ts", import.meta.url).href;

/**
 * Registers, with `test`, the tests every store passes through the `Store`
 * interface: indices kept and never overwritten by writers racing in one
 * process and in several; listings of models and prompts; samples that come
 * back byte for byte (empty, huge, a BOM, NUL, CR, emoji, U+FFFD), also
 * after a reopen; the keys no store accepts refused (check them with
 * `assertSequenceKey`); usage records stored with the samples at the indices
 * they landed at (see `recordsOf`), or, for a store that keeps no usage, a
 * replay that says the usage is unknown; replies stored whole (tool calls,
 * reasoning, signatures: `StoreWrite.meta`, read back with `Store.replies`)
 * byte for byte after a reopen, through `copyStore` into a folder and back
 * and through a slice, each index keeping its own while writers race,
 * deleted with their samples, and never read to replay texts (or, for a
 * store without `replies`, replayed as texts with nothing more); `place` (cache slicing) by one
 * writer, two stacks and several processes, or, for a store without it,
 * `Persistent` refusing to slice into it before it draws; `delete` when the
 * store has it; what `verify` finds in a healthy store; `Persistent` over
 * the store (replays, batches, replication misses); and writers killed
 * mid-write that leave only whole samples. Each test opens a fresh store,
 * closes it and calls its `cleanup`. Run the test module with the
 * permissions the store needs, and `--allow-run=deno` for the child
 * processes.
 *
 * @example A store in a Map, tested by the kit (here each test is run at once)
 * ```ts
 * import assert from "node:assert/strict";
 * import { recordsOf, type UsageRecord } from "../core/accounting.ts";
 * import { assertSequenceKey, type PromptEntry, registerStoreKind, type SequenceKey, type Store, type StoreWrite } from "../cache/stores.ts";
 * import { type ConformanceTestDefinition, storeConformance } from "./mod.ts";
 *
 * interface Sequence {
 *   prompt: string | undefined;
 *   samples: string[];
 *   usage: UsageRecord[];
 * }
 *
 * class MapStore implements Store {
 *   readonly location: string;
 *   readonly #data: Map<string, Sequence>;
 *   constructor(name: string, data: Map<string, Sequence>) {
 *     this.location = `memory:${name}`;
 *     this.#data = data;
 *   }
 *   // Async methods: a refused key rejects the promise, never throws at the call.
 *   async load(key: SequenceKey, from: number): Promise<string[]> {
 *     return this.#get(key)?.samples.slice(from) ?? [];
 *   }
 *   async append(key: SequenceKey, { from, samples, prompt, usage }: StoreWrite): Promise<string[]> {
 *     const sequence = this.#make(key, prompt);
 *     const at = samples.map((_, k) => sequence.samples.length + k);
 *     sequence.samples.push(...samples);
 *     if (usage !== undefined) sequence.usage.push(...recordsOf(at, usage));
 *     return sequence.samples.slice(from);
 *   }
 *   async place(key: SequenceKey, { from, samples, prompt, usage }: StoreWrite): Promise<string[]> {
 *     const sequence = this.#make(key, prompt);
 *     if (from > sequence.samples.length) throw new RangeError("no gaps here");
 *     const free = Math.max(0, sequence.samples.length - from);
 *     const at = samples.slice(free).map((_, k) => from + free + k);
 *     sequence.samples.push(...samples.slice(free));
 *     if (usage !== undefined) sequence.usage.push(...recordsOf(at, usage.slice(free)));
 *     return sequence.samples.slice(from, from + samples.length);
 *   }
 *   async usage(key: SequenceKey, from = 0): Promise<UsageRecord[]> {
 *     return (this.#get(key)?.usage ?? []).filter((r) => r.from + r.count > from);
 *   }
 *   async *models(): AsyncIterableIterator<string> {
 *     yield* new Set([...this.#data.keys()].map((id) => id.split("\n")[0]!));
 *   }
 *   async *prompts(model: string): AsyncIterableIterator<PromptEntry> {
 *     for (const [id, { prompt }] of this.#data) {
 *       const [m, hash] = id.split("\n");
 *       if (m === model) yield { hash: hash!, prompt };
 *     }
 *   }
 *   async close(): Promise<void> {}
 *   #get(key: SequenceKey): Sequence | undefined {
 *     assertSequenceKey(key);
 *     return this.#data.get(`${key.model}\n${key.hash}`);
 *   }
 *   #make(key: SequenceKey, prompt: string | undefined): Sequence {
 *     const sequence = this.#get(key) ?? { prompt, samples: [], usage: [] };
 *     sequence.prompt ??= prompt;
 *     this.#data.set(`${key.model}\n${key.hash}`, sequence);
 *     return sequence;
 *   }
 * }
 *
 * // `memory:<name>` opens the store of that name again (here, in this process only).
 * const stores = new Map<string, Map<string, Sequence>>();
 * const open = (name: string) => {
 *   if (!stores.has(name)) stores.set(name, new Map());
 *   return new MapStore(name, stores.get(name)!);
 * };
 * const unregister = registerStoreKind({
 *   name: "memory",
 *   schemes: ["memory"],
 *   forms: ["memory:<name>"],
 *   help: "sequences in this process's memory",
 *   parse: ({ rest }) => ({ location: `memory:${rest}`, target: rest }),
 *   open: (spec) => Promise.resolve(open(spec.target)),
 *   permissions: () => [],
 * });
 *
 * const tests: ConformanceTestDefinition[] = [];
 * storeConformance((definition) => tests.push(definition), {
 *   name: "MapStore",
 *   open: () => {
 *     const name = crypto.randomUUID();
 *     return Promise.resolve({ store: open(name), spec: `memory:${name}` });
 *   },
 *   processes: false, // a Map is one process's
 * });
 * for (const { fn } of tests.filter((t) => !t.ignore)) await fn();
 * assert.ok(tests.filter((t) => !t.ignore).length >= 20);
 * unregister();
 * ```
 *
 * @example In a test module: every test of a registered kind, in `deno test`
 * ```ts ignore
 * import { storeConformance } from "jsr:@mnimi/llm-cache/testing";
 * import "./register_s3_store.ts"; // registerStoreKind({ name: "s3", schemes: ["s3"], … })
 *
 * storeConformance(Deno.test, {
 *   name: "S3Store",
 *   async open() {
 *     const spec = `s3://test-bucket/${crypto.randomUUID()}`;
 *     const store = await openStore(spec);
 *     return { store, spec, cleanup: () => emptyBucketPrefix(spec) };
 *   },
 *   preload: new URL("./register_s3_store.ts", import.meta.url),
 * });
 * ```
 *
 * @param test Registers one test; pass `Deno.test`.
 * @param options The store, and how child processes open it.
 */
export function storeConformance(test: ConformanceTest, options: StoreConformanceOptions): void {
  const processes = options.processes ?? true;
  const suite: Suite = {
    test(title, fn, children) {
      test({
        name: `${options.name}: ${title}`,
        ignore: (options.ignore ?? false) || (children?.processes === true && !processes),
        fn: () => withStore(options, fn),
      });
    },
    open: options.open,
    child: (...specs) => childCommand(options, specs),
  };
  storeTests(suite);
  replyTests(suite);
  sliceTests(suite);
  crashTests(suite);
}

/** `fn` on a fresh store, closed and removed after it. */
async function withStore(
  options: StoreConformanceOptions,
  fn: (opened: ConformanceStore) => Promise<void>,
): Promise<void> {
  const opened = await options.open();
  try {
    await fn(opened);
  } finally {
    await opened.store.close();
    await opened.cleanup?.();
  }
}

/** The conformance child, with the flags to open and write `specs` (and the preload). */
function childCommand(options: StoreConformanceOptions, specs: readonly string[]): ChildCommand {
  const flags = specs.map((spec) => options.childFlags?.(spec) ?? kindFlags(spec));
  const preload = options.preload === undefined ? [] : [`--preload=${String(options.preload)}`];
  return { script: CHILD, flags: [...mergeFlags(...flags), ...preload] };
}

/** The flags the kind of `spec` names for writing. */
function kindFlags(spec: string): string[] {
  const parsed = parseStoreSpec(spec);
  return storeKind(parsed.kind).permissions(parsed, "write");
}
