// Specs and parse: the Python original's test_structured_output.py cases,
// its behaviours one by one, errors, Standard Schemas and inferred types.

import assert from "node:assert/strict";
import fc from "fast-check";
import { z } from "zod";
import {
  code,
  json,
  type Match,
  parse,
  type Parsed,
  ParseError,
  queryRetry,
  repeat,
  sequence,
  type Spec,
  type StandardSchemaV1,
  tag,
} from "../../mod.ts";
import { CountingModel } from "../_support/mock_model.ts";

const FENCE = "```";

/** The ParseError `fn` throws. */
function parseError(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ParseError) return error;
    throw error;
  }
  throw new Error("expected a ParseError, but nothing was thrown");
}

// Ported from test_structured_output.py.
Deno.test("sequence: Python test_simple: Sequence([Tag, Tag, Code]) skips chatter between parts", () => {
  const spec = sequence([tag("analysis"), tag("final"), code()]);
  const out = `Some preface text

<analysis>reasoning...</analysis>

random chatter

<final>answer</final>

more stuff

${FENCE}python
print("hi")
tail text
${FENCE}
`;
  const result = parse(spec, out);
  assert.equal(result[0], "reasoning...");
  assert.equal(result[1], "answer");
  assert.equal(result[2], 'print("hi")\ntail text');
});

Deno.test("tag: content is exact, found from the position on, tags read in order", () => {
  assert.equal(parse(tag("a"), "<a>  two\nlines </a>"), "  two\nlines ");
  assert.equal(parse(tag("a"), "<a></a>"), "");
  assert.deepEqual(parse(sequence([tag("a"), tag("a")]), "<a>1</a> x <a>2</a>"), ["1", "2"]);
  assert.deepEqual(tag("a").match("<a>1</a> <a>2</a>", 1), { start: 9, end: 17, value: "2" });
  // Not nested: the content runs to the first closing tag.
  assert.equal(parse(tag("a"), "<a>x<a>y</a>z</a>"), "x<a>y");
  // A tag before the position is not seen again.
  const error = parseError(() => parse(sequence([tag("b"), tag("a")]), "<a>1</a><b>2</b>"));
  assert.equal(error.expected, "opening tag <a>");
  assert.equal(error.offset, 16);
  assert.match(error.message, /at the end of the text/);
});

Deno.test("tag: errors name the tag, the offset and the text there", () => {
  const open = parseError(() => parse(tag("answer"), "I think it is 42, maybe."));
  assert.equal(open.expected, "opening tag <answer>");
  assert.equal(open.offset, 0);
  assert.equal(open.excerpt, "I think it is 42, maybe.");
  assert.equal(
    open.message,
    'expected opening tag <answer> at offset 0 (text there: "I think it is 42, maybe.")',
  );
  const close = parseError(() => parse(tag("answer"), "ok <answer>42\n"));
  assert.equal(close.expected, "closing tag </answer>");
  assert.equal(close.offset, 11);
  assert.equal(close.excerpt, "42\n");
  assert.match(close.message, /the <answer> at offset 3 is never closed/);
  assert.match(close.message, /text there: "42\\n"/);
});

Deno.test("tag: a name with whitespace, brackets or a slash is a TypeError", () => {
  for (const bad of ["", "a b", "<a>", "/a", "a\n"]) {
    assert.throws(() => tag(bad), TypeError, JSON.stringify(bad));
  }
  assert.throws(() => tag(42 as unknown as string), /got 42/);
});

Deno.test("code: the info string is skipped; without one the content starts on the next line", () => {
  assert.equal(parse(code(), `${FENCE}python title="x.py"\nx = 1\n${FENCE}`), "x = 1");
  assert.equal(parse(code(), `${FENCE}\nx = 1\n${FENCE}\n`), "x = 1");
  assert.equal(parse(code(), `before ${FENCE}js\na\nb\n${FENCE} after`), "a\nb");
  assert.deepEqual(code().match(`ab${FENCE}\nx\n${FENCE}cd`, 0), { start: 2, end: 11, value: "x" });
});

Deno.test("code: a closing fence at the very end without a newline is accepted", () => {
  assert.equal(parse(code(), `${FENCE}python\nprint(1)${FENCE}`), "print(1)");
  // As in the Python original, the fallback takes the next fence anywhere.
  assert.equal(parse(code(), `${FENCE}\nx = 1${FENCE} more`), "x = 1");
});

Deno.test("code: an empty block closes at once instead of swallowing the next block", () => {
  const text = `${FENCE}\n${FENCE}\ntext\n${FENCE}py\nsecond\n${FENCE}`;
  assert.deepEqual(parse(repeat(code()), text), ["", "second"]);
  assert.equal(parse(code(), `${FENCE}sh\n${FENCE}`), "");
});

Deno.test("code: the Python original's error cases", () => {
  const none = parseError(() => parse(code(), "no code here"));
  assert.equal(none.expected, `a ${FENCE} code block`);
  assert.equal(none.offset, 0);
  const noNewline = parseError(() => parse(code(), `text ${FENCE}python`));
  assert.equal(noNewline.expected, "a newline after the opening code fence");
  assert.equal(noNewline.offset, 8);
  assert.match(noNewline.message, /the code block at offset 5 is unterminated/);
  const unclosed = parseError(() => parse(code(), `${FENCE}py\nprint(1)\n`));
  assert.equal(unclosed.expected, `a closing code fence ${FENCE}`);
  assert.equal(unclosed.offset, 6);
  assert.equal(unclosed.excerpt, "print(1)\n");
});

Deno.test("code: with a language, blocks in other languages are passed over, whole", () => {
  const text =
    `${FENCE}sh\nnpm test\n${FENCE}\n${FENCE}Python\nprint(1)\n${FENCE}\n${FENCE}python\n2\n${FENCE}`;
  assert.equal(parse(code("python"), text), "print(1)");
  assert.deepEqual(parse(repeat(code("python")), text), ["print(1)", "2"]);
  assert.deepEqual(parse(repeat(code("PYTHON")), text), ["print(1)", "2"]);
  const missing = parseError(() => parse(code("rust"), text));
  assert.equal(missing.expected, `a ${FENCE}rust code block`);
  assert.equal(missing.offset, text.length);
  assert.throws(() => code("two words"), TypeError);
});

// Fences as CommonMark reads them, where the literal rule would lose content (issue 17, item 6).
Deno.test("code: a closing fence is at least as long as the opening one (CommonMark)", () => {
  const nested = "````md\n```py\nx\n```\n````";
  assert.equal(parse(code(), nested), "```py\nx\n```");
  assert.deepEqual(code().match(nested, 0), {
    start: 0,
    end: nested.length,
    value: "```py\nx\n```",
  });
  assert.deepEqual(parse(repeat(code()), `${nested}\n${FENCE}sh\nls\n${FENCE}`), [
    "```py\nx\n```",
    "ls",
  ]);
  assert.equal(parse(code("md"), `${FENCE}py\n1\n${FENCE}\n${nested}`), "```py\nx\n```");
  // A longer closing fence closes; a shorter run inside is content.
  assert.equal(parse(code(), "```\nx\n`````"), "x");
  assert.equal(parse(code(), "`````\n````\nx\n```\n`````"), "````\nx\n```");
  // Fences of the same length do not nest: an info string makes a line an opening fence, not a
  // closing one, so the block ends at the first bare fence (as CommonMark and the Python original).
  assert.equal(parse(code(), "```md\n```py\nx\n```\n```"), "```py\nx");
  assert.equal(parse(code(), "```sh\n```py\nsecond\n```"), "```py\nsecond");
  const unclosed = parseError(() => parse(code(), "````md\n```py\nx\n```\n"));
  assert.equal(unclosed.expected, "a closing code fence ````");
  assert.equal(unclosed.offset, 7);
  assert.match(unclosed.message, /the code block at offset 0 is unterminated/);
});

Deno.test("code: a clean closing line wins over the literal rule; the literal rule is the fallback", () => {
  // CommonMark: a fence with text after it on its line is content.
  assert.equal(parse(code(), "```\na\n``` after\nb\n```"), "a\n``` after\nb");
  // Without a clean closing line, the first line that starts with a fence closes (Python).
  assert.equal(parse(code(), "```\na```b\n``` after"), "a```b");
  // Without either, the first fence anywhere: a fence glued to the last line or to the next block.
  assert.equal(parse(code(), "```\nx = 1``` more"), "x = 1");
  assert.deepEqual(parse(repeat(code()), "```a\nx``````b\ny```"), ["x", "y"]);
  // Spaces or tabs around a closing fence, and CRLF line ends.
  assert.equal(parse(code(), "```\nx\n```  \t\nmore\n```\n"), "x");
  assert.equal(parse(code(), "```py\r\nx = 1\r\ny = 2\r\n```\r\n"), "x = 1\r\ny = 2");
  assert.equal(parse(code(), "```py\r\n```\r\n"), "");
});

Deno.test("code: tildes fence a block at the start of a line, and each kind closes only itself", () => {
  assert.equal(parse(code(), "~~~md\n```py\nx\n```\n~~~"), "```py\nx\n```");
  assert.equal(parse(code(), "```md\n~~~\nx\n~~~\n```"), "~~~\nx\n~~~");
  assert.equal(parse(code(), "~~~~\nx\n~~~\n~~~~"), "x\n~~~");
  assert.equal(parse(code("python"), "Plan:\n~~~python\nprint(1)\n~~~\n"), "print(1)");
  assert.deepEqual(parse(json(), "~~~json\n[1]\n~~~"), [1]);
  // A tilde run inside a line is text, not a fence.
  assert.equal(parse(code(), "so ~~~ cool\n```\nx\n```"), "x");
  assert.deepEqual(parse(repeat(code()), "~~~\na\n~~~\n```\nb\n```"), ["a", "b"]);
  const unclosed = parseError(() => parse(code(), "~~~\nx\n```\n"));
  assert.equal(unclosed.expected, "a closing code fence ~~~");
});

Deno.test("code: info strings, and backticks inside text", () => {
  assert.equal(parse(code("python"), '```  Python title="a.py" {1}\nx\n```'), "x");
  // A backtick run whose line goes on with a backtick is inline code, not a fence.
  const inline = "Use ```print()``` inline.\n```py\nreal\n```";
  assert.equal(parse(code(), inline), "real");
  assert.equal(code().match(inline, 0).start, inline.indexOf("```py"));
  assert.deepEqual(parse(json(), 'Put it in a ```json``` block:\n```json\n{"a": 1}\n```'), {
    a: 1,
  });
  // Tilde fences may carry backticks in their info string.
  assert.equal(parse(code(), "~~~ `odd` info\nx\n~~~"), "x");
  // Single and double backticks are never fences; inside a block, any backticks are content.
  assert.equal(parse(code(), "`a` ``b``\n```\n`c` ``d`` ```e``` \n```"), "`c` ``d`` ```e``` ");
  const noBlock = parseError(() => parse(code(), "only ```inline``` code"));
  assert.equal(noBlock.expected, "a ``` code block");
  assert.equal(noBlock.offset, 0);
});

Deno.test("code: an indented opening fence takes its indentation off the content (CommonMark)", () => {
  const listed = "1. Install:\n   ```sh\n   npm i\n     --save\n  two\nzero\n   ```\n";
  assert.equal(parse(code(), listed), "npm i\n  --save\ntwo\nzero");
  assert.equal(parse(code(), "\t```\n\tx\n\t```"), "x");
  // A fence after other text on its line is not indented: the content is kept as it is.
  assert.equal(parse(code(), "see ```js\n  a\n  ```"), "  a");
  assert.equal(parse(code(), "   ```\n   ```"), "");
});

/**
 * code()'s rule as its JSDoc states it, read character by character from `from` (quadratic,
 * and plain): what code().match must find, or the ParseError's expected text and offset.
 */
function codeByTheRule(text: string, from: number): Match<string> | [string, number] {
  const blank = (c: string | undefined) => c === " " || c === "\t";
  const runAt = (p: number) => {
    let end = p;
    while (text[end] === text[p]) end++;
    return end - p;
  };
  const onlyBlanksBefore = (p: number) => {
    let i = p;
    while (blank(text[i - 1])) i--;
    return i === 0 || text[i - 1] === "\n" ? i : -1;
  };
  const onlyBlanksAfter = (p: number) => {
    let i = p;
    while (blank(text[i]) || text[i] === "\r") i++;
    return i === text.length || text[i] === "\n";
  };
  let p = from;
  while (p < text.length) {
    const char = text[p]!;
    const length = runAt(p);
    if ((char !== "`" && char !== "~") || length < 3) {
      p += char === "`" || char === "~" ? length : 1;
      continue;
    }
    const lineStart = onlyBlanksBefore(p);
    const newline = text.indexOf("\n", p + length);
    const inline = char === "`" && text.slice(p + length, newline === -1 ? undefined : newline)
      .includes("`");
    if ((char === "~" && lineStart === -1) || inline) {
      if (inline && newline === -1) break;
      p = inline ? newline + 1 : p + length;
      continue;
    }
    if (newline === -1) return ["a newline after the opening code fence", p + length];
    const contentStart = newline + 1;
    for (const kind of ["line only", "line start", "anywhere"]) {
      for (let q = contentStart; q < text.length; q++) {
        if (text[q] !== char || text[q - 1] === char) continue;
        const closing = runAt(q);
        const closingLine = onlyBlanksBefore(q);
        if (
          closing < length || (kind !== "anywhere" && closingLine === -1) ||
          (kind === "line only" && !onlyBlanksAfter(q + closing))
        ) continue;
        let contentEnd = kind === "anywhere" ? q : Math.max(contentStart, closingLine - 1);
        if (kind !== "anywhere" && contentEnd > contentStart && text[contentEnd - 1] === "\r") {
          contentEnd--;
        }
        const indent = lineStart === -1 ? 0 : p - lineStart;
        const value = text.slice(contentStart, contentEnd).split("\n")
          .map((line) => line.replace(new RegExp(`^[ \\t]{0,${indent}}`), "")).join("\n");
        return { start: p, end: q + (kind === "line only" ? closing : length), value };
      }
    }
    const kind = char === "`" ? "backticks" : "tildes";
    const fence = length <= 8 ? char.repeat(length) : `of ${length} ${kind}`;
    return [`a closing code fence ${fence}`, contentStart];
  }
  return ["a ``` code block", from];
}

Deno.test("code: finds what its documented rule says, on random texts", () => {
  const texts = fc.array(fc.constantFrom("`", "```", "~~~", "\n", " ", "\t", "\r\n", "a", "b"), {
    maxLength: 40,
  }).map((parts) => parts.join(""));
  const byTheRule = (text: string, from: number) => {
    const found = codeByTheRule(text, from);
    return Array.isArray(found) ? found : [found.start, found.end, found.value];
  };
  const byCode = (text: string, from: number) => {
    try {
      const found = code().match(text, from);
      return [found.start, found.end, found.value];
    } catch (error) {
      if (!(error instanceof ParseError)) throw error;
      return [error.expected, error.offset];
    }
  };
  fc.assert(
    fc.property(texts, fc.array(fc.nat(), { maxLength: 6 }), (text, seeds) => {
      // Searches from anywhere, in any order, in one text.
      for (const from of seeds.map((seed) => seed % (text.length + 1))) {
        assert.deepEqual(byCode(text, from), byTheRule(text, from), JSON.stringify({ text, from }));
      }
      const blocks: string[] = [];
      for (let at = 0, found; !Array.isArray(found = codeByTheRule(text, at)) && found.end > at;) {
        blocks.push(found.value);
        at = found.end;
      }
      assert.deepEqual(parse(repeat(code()), text), blocks, JSON.stringify(text));
    }),
    { numRuns: 5000 },
  );
});

// Parsing is linear in the text (issue 17, item 5): adversarial texts of 1 MiB parse correctly
// here, and bench/parse_bench.ts times them against a plain scan of the same text.
const MIB = 1 << 20;

/** `unit` repeated to 1 MiB. */
function adversarial(unit: string): string {
  return unit.repeat(Math.ceil(MIB / unit.length));
}

Deno.test("code: large adversarial texts: fences glued to the next block's opening", () => {
  const glued = adversarial("```a\nx```");
  const blocks = parse(repeat(code()), glued);
  assert.equal(blocks.length, glued.length / 9);
  assert.ok(blocks.every((b) => b === "x"));
  assert.equal(parse(code(), glued), "x");
  assert.equal(parseError(() => parse(code("b"), glued)).offset, glued.length);
  // No block is JSON's: the whole text is tried, and is not JSON.
  assert.equal(parseError(() => parse(json(), glued)).offset, 0);
  assert.deepEqual(parse(repeat(json()), glued), []);
  // Long fences whose blocks hold short fence lines, and tildes glued mid-line.
  const long = adversarial("````a\n```\nx````");
  const longBlocks = parse(repeat(code("a")), long);
  assert.equal(longBlocks.length, long.length / 15);
  assert.ok(longBlocks.every((b) => b === "```\nx"));
  assert.deepEqual(parse(repeat(code()), adversarial("~~~a\nx~~~")), ["x"]);
});

Deno.test("code: large adversarial texts: fence lines, inline code, one long run, unclosed tags", () => {
  const bare = adversarial("```\n");
  assert.equal(parse(repeat(code()), bare).length, bare.length / 8);
  const inline = adversarial("```a`\n");
  assert.deepEqual(parse(repeat(code()), inline), []);
  assert.equal(parseError(() => parse(json(), inline)).offset, 0);
  const run = "`".repeat(MIB);
  assert.equal(
    parseError(() => parse(code(), run)).expected,
    "a newline after the opening code fence",
  );
  assert.deepEqual(parse(repeat(code()), run), []);
  const tags = adversarial("<a>x</a><b>");
  assert.deepEqual(parse(repeat(sequence([tag("a"), tag("b")])), tags), []);
  assert.equal(parse(repeat(tag("a")), tags).length, tags.length / 11);
});

Deno.test("repeat: greedy, zero or more, stops when the inner spec fails", () => {
  assert.deepEqual(parse(repeat(tag("a")), "<a>1</a><a>2</a> x <a>3</a> <b>"), ["1", "2", "3"]);
  assert.deepEqual(repeat(tag("a")).match("nothing", 3), { start: 3, end: 3, value: [] });
  const m = repeat(tag("a")).match("xx<a>1</a>yy<a>2</a>zz", 0);
  assert.deepEqual(m, { start: 2, end: 20, value: ["1", "2"] });
  // An unterminated item ends the repetition; what came before is kept.
  assert.deepEqual(parse(repeat(tag("a")), "<a>1</a><a>2"), ["1"]);
  // Greedy: it never gives a match back (the Python original's documented limit).
  const greedy = parseError(() =>
    parse(sequence([repeat(tag("a")), tag("a")]), "<a>1</a><a>2</a>")
  );
  assert.equal(greedy.expected, "opening tag <a>");
});

Deno.test("repeat: stops when the inner spec makes no progress", () => {
  // repeat(repeat(x)) matches empty at the end; it must not loop for ever.
  assert.deepEqual(parse(repeat(repeat(tag("a"))), "<a>1</a><a>2</a>"), [["1", "2"]]);
  const empty: Spec<string> = {
    expected: "nothing",
    match: (_text, from) => ({ start: from, end: from, value: "" }),
  };
  assert.deepEqual(parse(repeat(empty), "abc"), []);
});

Deno.test("repeat: an error other than ParseError is a bug and propagates", () => {
  const broken: Spec<string> = {
    expected: "x",
    match: () => {
      throw new TypeError("bug in a custom spec");
    },
  };
  assert.throws(() => parse(repeat(broken), "abc"), /bug in a custom spec/);
});

Deno.test("sequence: tuples and named parts, spans, and errors at absolute offsets", () => {
  assert.deepEqual(parse(sequence([]), "anything"), []);
  assert.deepEqual(sequence([]).match("abc", 2), { start: 2, end: 2, value: [] });
  const spec = sequence({ plan: tag("plan"), steps: repeat(code()), answer: tag("answer") });
  const text = `<plan>p</plan>\n${FENCE}\na\n${FENCE}\n${FENCE}\nb\n${FENCE}\n<answer>42</answer>`;
  assert.deepEqual(parse(spec, text), { plan: "p", steps: ["a", "b"], answer: "42" });
  const m: Match<unknown> = sequence([tag("a"), tag("b")]).match("..<a>1</a>..<b>2</b>..", 0);
  assert.equal(m.start, 2);
  assert.equal(m.end, 20);
  const error = parseError(() => parse(sequence([tag("a"), tag("b")]), "<a>1</a> then <c>"));
  assert.equal(error.expected, "opening tag <b>");
  assert.equal(error.offset, 8);
  assert.equal(error.excerpt, " then <c>");
});

Deno.test("sequence: specs given bad parts say what a spec is", () => {
  assert.throws(() => repeat("tag" as never), /repeat\(\) expects a spec/);
  assert.throws(() => sequence([tag("a"), 3 as never]), /sequence\(\) part 1 expects a spec/);
  assert.throws(() => sequence(null as never), /array or an object of specs/);
  assert.throws(() => parse({} as never, "x"), /parse\(\) expects a spec/);
  assert.throws(() => parse(tag("a"), 42 as never), /text must be a string, got 42/);
  // A schema where a spec goes: the message points to json().
  assert.throws(() => repeat(z.object({}) as never), /wrap it as json\(schema\)/);
});

Deno.test("ParseError: excerpts are cut at 40 characters, never inside a surrogate pair", () => {
  const long = "x".repeat(39) + "😀" + "tail";
  const error = parseError(() => parse(tag("a"), long));
  assert.equal(error.excerpt, "x".repeat(39) + "😀…");
  assert.ok(error.excerpt.isWellFormed());
});

Deno.test("json: a ```json block, a bare block, or the whole text", () => {
  assert.deepEqual(parse(json(), `Here:\n${FENCE}json\n{"a": [1, 2]}\n${FENCE}\nDone.`), {
    a: [1, 2],
  });
  assert.deepEqual(parse(json(), `${FENCE}\n"text"\n${FENCE}`), "text");
  assert.deepEqual(parse(json(), '\n  {"a": null}  \n'), { a: null });
  assert.deepEqual(parse(json(), "42"), 42);
  // A block in another language is passed over.
  const mixed = `${FENCE}python\nprint({"no": 1})\n${FENCE}\n${FENCE}JSON\n[true]\n${FENCE}`;
  assert.deepEqual(parse(json(), mixed), [true]);
  assert.deepEqual(json().match(mixed, 0).start, mixed.indexOf(`${FENCE}JSON`));
});

Deno.test("json: a syntax error is a ParseError at the JSON's offset", () => {
  const text = `Sure!\n${FENCE}json\n{"a": 1,}\n${FENCE}`;
  const error = parseError(() => parse(json(), text));
  assert.equal(error.offset, text.indexOf("{"));
  assert.match(error.message, /expected JSON \(in a ```json block or as the whole text\)/);
  assert.match(error.message, /text there: "\{\\"a\\": 1,\}\\n```"/);
  const whole = parseError(() => parse(json(), "  The answer is {a: 1}"));
  assert.equal(whole.offset, 2);
  assert.equal(parseError(() => parse(json(), "   ")).offset, 3);
});

Deno.test("json: with a schema, a zod schema types and checks the value", () => {
  const Paper = z.object({ title: z.string(), year: z.number().int() });
  const paper = parse(json(Paper), '{"title": "Attention Is All You Need", "year": 2017}');
  const year: number = paper.year;
  assert.equal(year, 2017);
  const error = parseError(() =>
    parse(json(Paper), `${FENCE}json\n{"title": 1, "year": "2017"}\n${FENCE}`)
  );
  assert.equal(error.offset, 8);
  assert.equal(error.issues?.length, 2);
  assert.match(
    error.message,
    /expected JSON the zod schema accepts at offset 8: title: .*; year: /,
  );
  // A transforming schema's output is the value.
  const Upper = z.object({ name: z.string().transform((s) => s.toUpperCase()) });
  assert.deepEqual(parse(json(Upper), '{"name": "ada"}'), { name: "ADA" });
});

Deno.test("json: with a schema, a hand-written Standard Schema, and a bad or async one", () => {
  const even: StandardSchemaV1<unknown, number> = {
    "~standard": {
      version: 1,
      vendor: "hand",
      validate: (v) =>
        typeof v === "number" && v % 2 === 0
          ? { value: v }
          : { issues: [{ message: "not even", path: [{ key: "n" }] }] },
    },
  };
  assert.equal(parse(json(even), "4"), 4);
  assert.match(parseError(() => parse(json(even), "3")).message, /n: not even/);
  assert.throws(() => json({ validate: () => true } as never), /json\(\) takes a Standard Schema/);
  const slow = z.number().refine(async (n) => await Promise.resolve(n > 0));
  assert.throws(() => parse(json(slow), "1"), /validates asynchronously.*validate option/);
});

Deno.test("json: with a schema, deep JSON that overflows a recursive schema", () => {
  type Tree = { children: Tree[] };
  const isTree = (node: unknown): boolean =>
    typeof node === "object" && node !== null && Array.isArray((node as Tree).children) &&
    (node as Tree).children.every(isTree);
  const hand: StandardSchemaV1<unknown, Tree> = {
    "~standard": {
      version: 1,
      vendor: "hand",
      validate: (v) => (isTree(v) ? { value: v as Tree } : { issues: [{ message: "not a tree" }] }),
    },
  };
  const deep = '{"children":['.repeat(50_000) + "]}".repeat(50_000);
  // A check that overflows synchronously: the value fails to parse, like any value rejected.
  const error = parseError(() => parse(json(hand), `Here:\n${FENCE}json\n${deep}\n${FENCE}`));
  assert.equal(error.offset, 14);
  assert.match(
    error.message,
    /^expected JSON the hand schema accepts at offset 14: the hand schema ran out of stack on a value nested 100000 levels deep \(Maximum call stack size exceeded\)/,
  );
  const blocks = `${FENCE}\n{"children": []}\n${FENCE}\n${FENCE}\n${deep}\n${FENCE}`;
  assert.deepEqual(parse(repeat(json(hand)), blocks), [{ children: [] }]);
  // zod answers with a promise instead, as for an async schema: parse() cannot wait to tell.
  const Tree: z.ZodType<Tree> = z.lazy(() => z.object({ children: z.array(Tree) }));
  assert.throws(
    () => parse(json(Tree), deep),
    (e) =>
      e instanceof TypeError && !(e instanceof ParseError) &&
      /the zod schema in json\(\) answered with a promise.*validates asynchronously.*or its synchronous check threw.*queryRetry awaits the promise and tells which/
        .test(e.message),
  );
});

Deno.test("parse: a Standard Schema as the spec checks the whole text", () => {
  const YesNo = z.string().trim().toLowerCase().pipe(z.enum(["yes", "no"]));
  const answer: "yes" | "no" = parse(YesNo, " Yes\n");
  assert.equal(answer, "yes");
  const error = parseError(() => parse(YesNo, "Maybe"));
  assert.equal(error.offset, 0);
  assert.match(error.message, /expected text the zod schema accepts at offset 0: /);
});

/** Exact type equality, for the inferred-type tests below. */
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends (<X>() => X extends B ? 1 : 2) ? true
  : false;
function expectType<T extends true>(_: T): void {}

Deno.test("parse: result types are inferred; wrong uses are type errors", async () => {
  const text = `<a>x</a>\n${FENCE}\ny\n${FENCE}`;
  const spec = sequence([tag("a"), repeat(code())]);
  const value = parse(spec, text);
  expectType<Equal<typeof value, [string, string[]]>>(true);
  expectType<Equal<Parsed<typeof spec>, [string, string[]]>>(true);
  const named = parse(sequence({ a: tag("a"), b: repeat(code()) }), text);
  expectType<Equal<typeof named, { a: string; b: string[] }>>(true);
  const paper = parse(json(z.object({ year: z.number() })), '{"year": 1}');
  expectType<Equal<typeof paper, { year: number }>>(true);
  expectType<Equal<ReturnType<typeof json>, Spec<unknown>>>(true);
  assert.deepEqual(value, ["x", ["y"]]);

  const model = new CountingModel();
  const n = await queryRetry(model, "p", json(z.number()), {
    validate: z.number().transform(String),
  });
  expectType<Equal<typeof n, string>>(true);
  assert.equal(n, "0");
  const s = await queryRetry(model, "p", z.string(), { validate: (c) => c.length > 0 });
  expectType<Equal<typeof s, string>>(true);
  assert.equal(s, "1");

  // Never run: each line must be a type error, or `deno test` fails to type-check.
  const _wrongUses = () => {
    // @ts-expect-error the second element is a string[], not a string
    const _x: [string, string] = parse(spec, text);
    // @ts-expect-error a tag parses to a string, not a number
    const _y: number = parse(tag("a"), text);
    // @ts-expect-error an object schema checks JSON: it must be wrapped in json()
    parse(z.object({ a: z.string() }), text);
    // @ts-expect-error validate gets the parsed string, not a number
    queryRetry(model, "p", tag("a"), { validate: (v: number) => v > 0 });
    // @ts-expect-error a schema for numbers cannot validate a string
    queryRetry(model, "p", tag("a"), { validate: z.number() });
    // @ts-expect-error sequence takes an array or an object of specs
    sequence([tag("a"), "b"]);
  };
});
