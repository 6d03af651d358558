/**
 * The unbiased pass@k estimator of Chen et al. (2021), accurate for any
 * number of samples.
 *
 * @module
 */

import { assertCount, assertLength } from "../internal/validate.ts";

/**
 * The unbiased estimator of pass@k (Chen et al., 2021): the chance that at
 * least one of `k` samples drawn without replacement from `n`, of which `c`
 * are correct, is correct: `1 - C(n - c, k) / C(n, k)`. It is computed as a
 * sum of logarithms over `min(c, k)` terms, so it stays accurate (to about
 * 1e-15 relative) for any n, even when the result is tiny.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { passAtK } from "../mod.ts";
 *
 * assert.ok(Math.abs(passAtK(10, 3, 1) - 0.3) < 1e-12); // c / n for k = 1
 * assert.ok(Math.abs(passAtK(10, 3, 5) - 11 / 12) < 1e-12); // 1 - C(7,5)/C(10,5)
 * assert.equal(passAtK(10, 8, 3), 1); // fewer than k wrong samples
 * assert.ok(Math.abs(passAtK(1e9, 1, 1) - 1e-9) < 1e-22); // exact for large n
 * ```
 *
 * @param n Samples drawn, an integer ≥ 1.
 * @param c Correct samples among them, an integer from 0 to n.
 * @param k The k of pass@k, an integer from 1 to n.
 * @returns The estimate, between 0 and 1.
 */
export function passAtK(n: number, c: number, k: number): number {
  assertCount("n", n, "passAtK()");
  assertLength("c", c, "passAtK()");
  assertCount("k", k, "passAtK()");
  if (c > n) {
    throw new RangeError(
      `passAtK(): c (correct samples) must be at most n = ${n}, got ${c}; ` +
        "count the correct samples among the n drawn",
    );
  }
  if (k > n) {
    throw new RangeError(
      `passAtK(): k must be at most n = ${n} (pass@k needs k samples), got ${k}; ` +
        "draw at least k samples per problem",
    );
  }
  if (n - c < k) return 1;
  if (c === 0) return 0; // not -0
  // C(n-c, k) / C(n, k) = Π_{i=n-c+1..n} (1 - k/i) = Π_{j=0..k-1} (1 - c/(n-j)).
  let logAllFail = 0;
  if (c <= k) {
    for (let i = n - c + 1; i <= n; i++) logAllFail += Math.log1p(-k / i);
  } else {
    for (let j = 0; j < k; j++) logAllFail += Math.log1p(-c / (n - j));
  }
  return -Math.expm1(logAllFail);
}
