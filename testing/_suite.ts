// What the conformance suites (`_store_suite.ts`, `_slice_suite.ts`,
// `_crash_suite.ts`) are given by `storeConformance`: a way to register a
// test on a fresh store, more stores of the kind, and child processes that
// open them.

import type { Store } from "../cache/store.ts";
import type { ChildCommand } from "./_children.ts";

/** A store under test, fresh and empty, as `StoreConformanceOptions.open` makes it. */
export interface ConformanceStore {
  /** The store, with nothing in it. */
  readonly store: Store;
  /**
   * The spec that opens the same store again with `openStore`: a second
   * store object over the same data in this process (another writer), and
   * the store in child processes.
   */
  readonly spec: string;
  /**
   * Removes the store and what it holds; called after `store.close()`.
   * @default {nothing to remove}
   */
  readonly cleanup?: (() => Promise<void>) | undefined;
}

/** How a suite registers its tests and gets stores and child processes. */
export interface Suite {
  /**
   * Registers a test on a fresh store, closed and removed after it; one
   * that starts child processes says so (it is ignored for a store that
   * processes cannot share).
   */
  test(
    title: string,
    fn: (opened: ConformanceStore) => Promise<void>,
    options?: { readonly processes: true },
  ): void;
  /** Another fresh, empty store of the kind under test; the caller closes and removes it. */
  open(): Promise<ConformanceStore>;
  /** The child process script of the suites, with the flags to open and write `specs`. */
  child(...specs: string[]): ChildCommand;
}

/** `fn` with another fresh store of the kind, closed and removed after it. */
export async function withAnother<T>(
  suite: Suite,
  fn: (other: ConformanceStore) => Promise<T>,
): Promise<T> {
  const other = await suite.open();
  try {
    return await fn(other);
  } finally {
    await other.store.close();
    await other.cleanup?.();
  }
}
