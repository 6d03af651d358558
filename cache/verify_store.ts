/**
 * What `cache verify` asks of a store: its own `verify` (see `Store.verify`),
 * or, for a store without one, the checks any store allows through the Store
 * interface: every sequence is read (the store walk, `walk.ts`), keys no
 * store accepts and samples that are not valid UTF-8 are problems instead
 * of errors, prompt texts are checked against their hashes, prompts without
 * samples are noted, and where the store lists its indices, samples hidden
 * behind a gap are found.
 *
 * @module
 */

import { promptHash } from "../core/model_key.ts";
import type {
  SequenceKey,
  Store,
  StoreProblem,
  StoreVerification,
  VerifyOptions,
} from "./store.ts";
import { type Refusal, walkStore } from "./walk.ts";

/**
 * What `store` finds wrong in itself: its own `verify`, else
 * {@linkcode verifyByWalk}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { verifyStore } from "./verify_store.ts";
 *
 * const found = await verifyStore(new FsStore("tests/fixtures/mnimi-cache"));
 * assert.deepEqual([found.samples, found.problems.length], [124, 0]);
 * ```
 */
export async function verifyStore(
  store: Store,
  options: VerifyOptions = {},
): Promise<StoreVerification> {
  return store.verify !== undefined
    ? await store.verify(options)
    : await verifyByWalk(store, options);
}

/**
 * The checks any store allows through the Store interface (see the module
 * documentation); nothing is ever fixed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { FsStore } from "./fs_store.ts";
 * import { verifyByWalk } from "./verify_store.ts";
 *
 * const found = await verifyByWalk(new FsStore("tests/fixtures/mnimi-cache"));
 * assert.deepEqual([found.sequences, found.samples, found.problems.length], [30, 124, 0]);
 * ```
 */
export async function verifyByWalk(
  store: Store,
  options: VerifyOptions = {},
): Promise<StoreVerification> {
  let sequences = 0;
  let samples = 0;
  const problems: StoreProblem[] = [];
  const problem = (
    kind: string,
    key: { model: string; hash?: string | undefined },
    detail: string,
  ) => problems.push({ kind, path: [key.model, key.hash].join(" ").trim(), detail, fixed: false });
  // Every sequence with an accepted key counts, whether its samples can be read or not.
  const counted = (s: { model: string; hash: string; prompt: string | undefined }) => {
    sequences++;
    options.onProgress?.(sequences);
    if (s.prompt !== undefined && promptHash(s.prompt) !== s.hash) {
      problem("prompt", s, "the prompt text does not hash to its key");
    }
  };
  const onRefused = (refusal: Refusal) => {
    if (refusal.kind === "unreadable") counted({ ...refusal, hash: refusal.hash! });
    problem(refusal.kind, refusal, refusal.error.message);
  };
  for await (const s of walkStore(store, { onRefused })) {
    counted(s);
    samples += s.samples.length;
    if (s.samples.length === 0) {
      problem("empty", s, "a prompt without samples (an interrupted write?)");
    }
    const gap = await hiddenBehindGap(store, s, s.samples.length);
    if (gap !== undefined) problem("gap", s, gap);
  }
  return { sequences, samples, problems, notes: [] };
}

/** What a gap at `visible` hides, said for a person; undefined without one. */
async function hiddenBehindGap(
  store: Store,
  key: SequenceKey,
  visible: number,
): Promise<string | undefined> {
  const hidden = (await store.indices?.(key))?.filter((i) => i > visible) ?? [];
  if (hidden.length === 0) return undefined;
  return `index ${visible} is missing: ${hidden.length} sample(s) after it (up to index ` +
    `${hidden.at(-1)}) are hidden from readers`;
}
