// Detects the Deno Jupyter kernel. Outside it, even reading `Deno.jupyter`
// throws, so the only safe probe is a guarded property access.

/**
 * The kernel's API, or `undefined` when not running in the Deno Jupyter kernel.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { jupyter } from "./mod.ts";
 *
 * // `deno test` is no kernel: no API, and no error either.
 * assert.equal(jupyter(), undefined);
 * ```
 */
export function jupyter(): typeof Deno.jupyter | undefined {
  try {
    const api = Deno.jupyter;
    return typeof api?.display === "function" ? api : undefined;
  } catch {
    return undefined;
  }
}
