/**
 * Statistics over samples that research code otherwise writes by hand:
 * self-consistency voting (`majority`), the unbiased pass@k estimator
 * (`passAtK`) and bootstrap confidence intervals (`bootstrapInterval`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { majority, passAtK } from "./mod.ts";
 *
 * assert.equal(majority(["42", "41", "42"]).winner, "42");
 * assert.equal(passAtK(10, 10, 3), 1);
 * ```
 *
 * @module
 */

export { majority, type MajorityOptions, type MajorityResult, type VoteCount } from "./majority.ts";
export { passAtK } from "./pass_at_k.ts";
export { bootstrapInterval, type BootstrapOptions, type Interval } from "./bootstrap.ts";
