// Parsing against a plain linear scan of the same text (issue 17, item 5): adversarial texts of
// 100 KiB and 1 MiB, each spec next to `indexOf` of a string the text does not hold and a loop
// that reads every character. Linear parsing keeps the ratio to the scan the same at both sizes
// (quadratic parsing took 0.5 s at 100 KB and 50 s at 1 MB).
//
//   deno bench bench/parse_bench.ts

import { code, json, parse, repeat, sequence, tag } from "../mod.ts";

/** `unit` repeated to `bytes`. */
function adversarial(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

/** The parse's value, or the message of its error: the bench checks it is what it should be. */
function outcome(run: () => unknown): unknown {
  try {
    return run();
  } catch (error) {
    return (error as Error).message;
  }
}

function check(name: string, actual: unknown, expected: (value: unknown) => boolean): void {
  if (!expected(actual)) {
    throw new Error(`${name}: unexpected result ${String(actual).slice(0, 80)}`);
  }
}

for (const [size, bytes] of [["100 KiB", 100 << 10], ["1 MiB", 1 << 20]] as const) {
  const glued = adversarial("```a\nx```", bytes);
  const fenceLines = adversarial("````a\n```\nx````", bytes);
  const inline = adversarial("```a`\n", bytes);
  const tags = adversarial("<a>x</a><b>", bytes);
  const blocks = glued.length / 9;
  const group = `parse ${size}`;

  Deno.bench(`${size}: floor: indexOf of an absent string`, { group, baseline: true }, () => {
    check("indexOf", glued.indexOf("```b"), (i) => i === -1);
  });
  Deno.bench(`${size}: floor: read every character`, { group }, () => {
    let fences = 0;
    for (let i = 0; i < glued.length; i++) if (glued.charCodeAt(i) === 0x60) fences++;
    check("read", fences, (n) => n === blocks * 6);
  });
  Deno.bench(`${size}: repeat(code()), fences glued to the next block`, { group }, () => {
    check("repeat", parse(repeat(code()), glued), (v) => (v as string[]).length === blocks);
  });
  Deno.bench(`${size}: code("b"): every block passed over`, { group }, () => {
    check("code", outcome(() => parse(code("b"), glued)), (m) => /```b code block/.test(`${m}`));
  });
  Deno.bench(`${size}: json(): no JSON block, the whole text tried`, { group }, () => {
    check("json", outcome(() => parse(json(), glued)), (m) => /expected JSON/.test(`${m}`));
  });
  Deno.bench(`${size}: repeat(code()), long fences holding short fence lines`, { group }, () => {
    check("long", parse(repeat(code()), fenceLines), (v) => (v as string[]).length > 0);
  });
  Deno.bench(`${size}: repeat(code()), inline code on every line`, { group }, () => {
    check("inline", parse(repeat(code()), inline), (v) => (v as string[]).length === 0);
  });
  Deno.bench(`${size}: repeat(sequence([tag, tag])), never closed`, { group }, () => {
    check("tags", parse(repeat(sequence([tag("a"), tag("b")])), tags), (v) => Array.isArray(v));
  });
}
