// majority, passAtK and bootstrapInterval: exact values, stability, ties,
// determinism and bad inputs.

import assert from "node:assert/strict";
import { bootstrapInterval, majority, passAtK } from "../../mod.ts";

Deno.test("majority: winner, counts, share; ties go to the answer voted for first", () => {
  const vote = majority(["7", "5", "7", "5", "3", "5"]);
  assert.equal(vote.key, "5");
  assert.equal(vote.count, 3);
  assert.equal(vote.votes, 6);
  assert.equal(vote.share, 0.5);
  assert.equal(vote.tied, false);
  assert.deepEqual(vote.counts.map((c) => [c.key, c.count, c.firstIndex]), [
    ["5", 3, 1],
    ["7", 2, 0],
    ["3", 1, 4],
  ]);
  const tie = majority(["b", "a", "c", "a", "b", "c", "d"]);
  assert.equal(tie.key, "b");
  assert.ok(tie.tied);
  assert.deepEqual(tie.ties.map((t) => t.key), ["b", "a", "c"]);
  assert.deepEqual(majority(new Set(["x"])).ties.map((t) => t.key), ["x"]);
});

Deno.test("majority: a key normalises answers; undefined abstains; the winner is a real sample", () => {
  const samples = ["<a>12</a>", "garbled", "<a> 12 </a>", "<a>13</a>", "<a>x</a>"];
  const indices: number[] = [];
  const vote = majority(samples, {
    key: (s, i) => {
      indices.push(i);
      const n = Number(s.match(/<a>(.*)<\/a>/)?.[1]);
      return Number.isInteger(n) ? n : undefined;
    },
  });
  assert.deepEqual(indices, [0, 1, 2, 3, 4]);
  assert.equal(vote.key, 12);
  assert.equal(vote.winner, "<a>12</a>");
  assert.equal(vote.abstained, 2);
  assert.equal(vote.votes, 3);
  assert.equal(vote.share, 2 / 3);
  assert.equal(vote.counts[1]?.first, "<a>13</a>");
  // NaN, what Number() makes of an unreadable answer, abstains too.
  const numeric = majority(["7", "seven", "eight", "7", "x"], { key: Number });
  assert.deepEqual([numeric.key, numeric.count, numeric.abstained], [7, 2, 3]);
});

Deno.test("majority: no votes is a result without a winner, so a loop over problems goes on", () => {
  const none = {
    winner: undefined,
    key: undefined,
    count: 0,
    share: 0,
    votes: 0,
    counts: [],
    ties: [],
    tied: false,
  };
  assert.deepEqual(majority(["two", "?"], { key: Number }), { ...none, abstained: 2 });
  assert.deepEqual(majority([]), { ...none, abstained: 0 });
  // Self-consistency over problems, one of which gets no readable answer.
  const problems = [["4", "4", "5"], ["x", "y"], ["7"]];
  const votes = problems.map((samples) => majority(samples, { key: (s) => Number(s) }));
  assert.deepEqual(votes.map((v) => v.key), [4, undefined, 7]);
  assert.deepEqual(votes.map((v) => v.share), [2 / 3, 0, 1]);
  const correct = votes.filter((v, i) => v.key === [4, 8, 7][i]).length;
  assert.equal(correct, 2);
  // A sample may be undefined and still vote through its key: `key`, never `winner`, tells.
  const vote = majority([undefined, undefined, 3], { key: (s) => (s === undefined ? "none" : s) });
  assert.equal(vote.key, "none");
  assert.equal(vote.winner, undefined);
  // With one vote there is a winner and no tie; with no vote, no tie either.
  assert.deepEqual(majority(["a"]).ties.map((t) => t.key), ["a"]);
  assert.equal(majority(["a"]).tied, false);
});

Deno.test("majority: bad arguments are TypeErrors", () => {
  assert.throws(() => majority(42 as never), TypeError);
  assert.throws(() => majority(["a"], { key: "x" as never }), /key must be a function/);
});

/** C(n, k) exactly. */
function binomial(n: number, k: number): bigint {
  let result = 1n;
  for (let i = 0; i < k; i++) result = (result * BigInt(n - i)) / BigInt(i + 1);
  return result;
}

/** 1 - C(n-c, k) / C(n, k), to 1e-30, from exact integers. */
function exactPassAtK(n: number, c: number, k: number): number {
  const scale = 10n ** 30n;
  const allFail = (binomial(n - c, k) * scale) / binomial(n, k);
  return Number(scale - allFail) / 1e30;
}

Deno.test("passAtK: equals the exact binomial formula for every n ≤ 30", () => {
  let worst = 0;
  for (let n = 1; n <= 30; n++) {
    for (let c = 0; c <= n; c++) {
      for (let k = 1; k <= n; k++) {
        const exact = exactPassAtK(n, c, k);
        const got = passAtK(n, c, k);
        const error = exact === 0 ? Math.abs(got) : Math.abs(got - exact) / exact;
        worst = Math.max(worst, error);
      }
    }
  }
  assert.ok(worst < 1e-13, `worst relative error ${worst}`);
  assert.equal(passAtK(5, 0, 3), 0);
  assert.equal(passAtK(5, 5, 1), 1);
  assert.equal(passAtK(5, 3, 3), 1, "n - c < k: some sample of every k-subset passes");
});

Deno.test("passAtK: stays accurate for large n and tiny results", () => {
  // The textbook 1 - Π(1 - k/i) loses half its digits here; the estimate must not.
  const cases: [number, number, number][] = [
    [1e9, 1, 1],
    [1e6, 3, 2],
    [200_000, 100_000, 50],
    [10_000_000, 20, 100],
    [5000, 4000, 3],
  ];
  for (const [n, c, k] of cases) {
    const exact = exactProduct(n, c, k);
    const got = passAtK(n, c, k);
    assert.ok(
      Math.abs(got - exact) / exact < 1e-12,
      `passAtK(${n}, ${c}, ${k}) = ${got}, exact ${exact}`,
    );
  }
});

/** 1 - Π_{j<k} (n-c-j)/(n-j), from exact big-integer products. */
function exactProduct(n: number, c: number, k: number): number {
  let num = 1n;
  let den = 1n;
  for (let j = 0; j < k; j++) {
    num *= BigInt(n - c - j);
    den *= BigInt(n - j);
  }
  const scale = 10n ** 40n;
  const allFail = (num * scale) / den;
  const pass = scale - allFail;
  // Keep 17 significant digits of the difference.
  const digits = pass.toString().length;
  const shift = Math.max(0, digits - 17);
  return Number(pass / 10n ** BigInt(shift)) * 10 ** (shift - 40);
}

Deno.test("passAtK: rejects impossible arguments with the reason", () => {
  assert.throws(() => passAtK(10, 11, 1), /c \(correct samples\) must be at most n = 10/);
  assert.throws(() => passAtK(10, 3, 11), /k must be at most n = 10/);
  assert.throws(() => passAtK(10, 3, 0), RangeError);
  assert.throws(() => passAtK(0, 0, 1), RangeError);
  assert.throws(() => passAtK(10, -1, 1), RangeError);
  assert.throws(() => passAtK(10.5, 3, 1), RangeError);
  assert.throws(() => passAtK("10" as never, 3, 1), TypeError);
});

Deno.test("bootstrapInterval: is seeded, brackets the estimate, and narrows with more data", () => {
  const values = [0.9, 0.4, 0, 0.7, 1, 0.55, 0.3, 0.8];
  const ci = bootstrapInterval(values);
  assert.deepEqual(bootstrapInterval(values), ci);
  assert.deepEqual(bootstrapInterval(values, { seed: 0 }), ci);
  assert.notDeepEqual(bootstrapInterval(values, { seed: 1 }), ci);
  assert.ok(ci.low < ci.estimate && ci.estimate < ci.high);
  assert.equal(ci.confidence, 0.95);
  assert.equal(ci.resamples, 10_000);
  const wide = bootstrapInterval(values, { confidence: 0.99 });
  assert.ok(wide.low <= ci.low && wide.high >= ci.high);
  const more = bootstrapInterval([...values, ...values, ...values, ...values]);
  assert.ok(more.high - more.low < ci.high - ci.low);
  assert.deepEqual(bootstrapInterval([3, 3, 3]), {
    estimate: 3,
    low: 3,
    high: 3,
    confidence: 0.95,
    resamples: 10_000,
  });
});

Deno.test("bootstrapInterval: 95 % intervals of a mean cover the truth about 95 % of the time", () => {
  // Deterministic: the data come from a seeded generator too.
  let state = 12345;
  const uniform = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
  let covered = 0;
  const trials = 200;
  for (let t = 0; t < trials; t++) {
    const data = Array.from({ length: 40 }, () => (uniform() < 0.3 ? 1 : 0)); // mean 0.3
    const ci = bootstrapInterval(data, { resamples: 1000, seed: t });
    if (ci.low <= 0.3 && 0.3 <= ci.high) covered++;
  }
  assert.ok(covered / trials > 0.88 && covered / trials < 0.99, `coverage ${covered / trials}`);
});

Deno.test("bootstrapInterval: any statistic over any values; bad inputs say what to do", () => {
  const problems = [{ n: 10, c: 3 }, { n: 10, c: 9 }, { n: 10, c: 0 }];
  const meanPassAt5 = (ps: readonly { n: number; c: number }[]) =>
    ps.reduce((sum, p) => sum + passAtK(p.n, p.c, 5), 0) / ps.length;
  const ci = bootstrapInterval(problems, { statistic: meanPassAt5, resamples: 500 });
  assert.equal(ci.estimate, meanPassAt5(problems));
  assert.throws(() => bootstrapInterval([]), /non-empty array/);
  assert.throws(() => bootstrapInterval([1], { confidence: 1 }), /between 0 and 1/);
  assert.throws(() => bootstrapInterval([1], { confidence: 95 }), RangeError);
  assert.throws(() => bootstrapInterval([1], { resamples: 0 }), RangeError);
  assert.throws(() => bootstrapInterval([1], { seed: 0.5 }), /seed must be an integer/);
  assert.throws(
    () => bootstrapInterval(["a"] as never),
    /needs numbers, got "a"; pass a statistic/,
  );
  assert.throws(
    () => bootstrapInterval([1, 2], { statistic: (xs) => (xs[0] === xs[1] ? NaN : 1) }),
    /measure resample \d+: the statistic returned NaN/,
  );
});
