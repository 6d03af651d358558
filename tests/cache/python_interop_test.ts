// A cache written here is read by the Python original's logic, and samples
// Python appends to it are read back here; a cache Python wrote is read
// unchanged, by chat code too.

import assert from "node:assert/strict";
import { type Chat, collect, promptHash, type Reply } from "../../mod.ts";
import type { QueryResult } from "../../core/engine.ts";
import { modelKey } from "../../cache/stores.ts";
import { Persistent } from "../../cache/persistent.ts";
import { CountingModel } from "../_support/mock_model.ts";
import { expected, MNIMI_CACHE } from "../_support/mnimi_fixture.ts";

// What cached_llm.py does: _load lists *.md sorted by int(stem) and reads
// each with read_text(); _store writes len(files).md with write_text().
// Python's text mode turns "\r\n" into "\n" on reading, so the samples here
// hold no "\r" (such a sample reads differently in Python, whoever wrote it).
const PYTHON = `
import json, sys
from pathlib import Path

def numbered(d):
    if not d.is_dir():
        return []
    return sorted(d.glob("*.md"), key=lambda f: int(f.stem))

root = Path(sys.argv[1])
request = json.load(sys.stdin)
out = []
for item in request:
    d = root / item["model"] / item["hash"]
    for text in item.get("append", []):
        d.mkdir(parents=True, exist_ok=True)
        (d / f"{len(numbered(d))}.md").write_text(text)
    out.append([f.read_text() for f in numbered(d)])
json.dump(out, sys.stdout)
`;

interface Item {
  model: string;
  hash: string;
  append?: string[];
}

async function python(root: string, request: Item[]): Promise<string[][]> {
  const child = new Deno.Command("python3", {
    args: ["-c", PYTHON, root],
    env: { PYTHONUTF8: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(request)));
  await writer.close();
  const { success, stdout, stderr } = await child.output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** A model whose k-th draw for a prompt is `samples[k]`. */
class Scripted extends CountingModel {
  constructor(alias: string, temperature: number, readonly samples: string[]) {
    super(alias, temperature, { maxBatch: 4 });
  }
  protected override async query(prompt: string, n: number): Promise<QueryResult> {
    const { samples, usage } = await this.draw(prompt, n);
    return { samples: samples.map((k) => this.samples[Number(k)] ?? `extra ${k}`), usage };
  }
}

const SAMPLES = [
  "92",
  "",
  "Ünïcödé — 你好, мир 🌍\n",
  "```python\ndef f(x):\n    return x\n```\n",
  "  trailing spaces   \n\n",
  "line\n".repeat(2000),
];

const CASES = [
  { alias: "gpt-4o", temperature: 1, prompt: "Choose a number between 1 and 1000." },
  { alias: "gpt-4o", temperature: 0, prompt: "" },
  { alias: "accounts/fireworks/models/llama", temperature: 0.7, prompt: "x".repeat(5000) },
  { alias: "qwen", temperature: 0.123456, prompt: "Émoji 🎲\nmulti-line prompt" },
];

Deno.test("Persistent: Python's reader gets the sequences written here, and we get Python's", async () => {
  const root = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    for (const c of CASES) {
      const model = new Persistent(new Scripted(c.alias, c.temperature, SAMPLES), root);
      assert.deepEqual(await collect(model.sample(c.prompt, 3), SAMPLES.length), SAMPLES);
    }
    // Samples that are texts alone leave the layout as it was: no metadata files.
    for (const c of CASES) {
      const folder = `${root}/${modelKey(c)}/${promptHash(c.prompt)}`;
      const names = [...Deno.readDirSync(folder)].map((e) => e.name);
      assert.deepEqual(names.filter((n) => !/^\d+\.md$|^prompt\.txt$|^usage\.jsonl$/.test(n)), []);
    }
    // A temporary file left by a killed writer must not bother Python.
    const first = CASES[0]!;
    const key0 = modelKey(first);
    await Deno.writeTextFile(`${root}/${key0}/${promptHash(first.prompt)}/.tmp-left`, "half");

    const items = CASES.map((c) => ({ model: modelKey(c), hash: promptHash(c.prompt) }));
    assert.deepEqual(await python(root, items), CASES.map(() => SAMPLES));

    // Python appends; a fresh Persistent here replays them after ours.
    const more = ["from python", "é\n"];
    const appended = items.map((item) => ({ ...item, append: more }));
    assert.deepEqual(await python(root, appended), CASES.map(() => [...SAMPLES, ...more]));
    for (const c of CASES) {
      const model = new Scripted(c.alias, c.temperature, []);
      const replay = new Persistent(model, root, { replication: true });
      assert.deepEqual(await collect(replay.sample(c.prompt), SAMPLES.length + 2), [
        ...SAMPLES,
        ...more,
      ]);
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** A model whose k-th draw is a reply: a tool call (text "") every other draw, else a text with reasoning. */
class Calling extends CountingModel {
  constructor(alias: string, temperature: number) {
    super(alias, temperature, { maxBatch: 4 });
  }
  protected override async query(prompt: string, n: number): Promise<QueryResult> {
    const { samples, usage } = await this.draw(prompt, n);
    const replies: Reply[] = samples.map((k) =>
      Number(k) % 2 === 0
        ? {
          text: "",
          toolCalls: [{ id: `call_${k}`, name: "add", arguments: `{"a":${k}}` }],
          finishReason: "tool_calls",
        }
        : { text: `answer ${k}\n`, toolCalls: [], reasoning: `why ${k}`, finishReason: "stop" }
    );
    return { samples: replies, usage };
  }
}

Deno.test("Persistent.replies: Python's reader gets the texts of replies that call tools, and ignores their metadata files", async () => {
  const root = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    const { alias, temperature, prompt } = CASES[0]!;
    const model = new Persistent(new Calling(alias, temperature), root);
    const replies = await collect(model.replies(prompt, 4), 4);
    const texts = replies.map((r) => r.text);
    assert.deepEqual(texts, ["", "answer 1\n", "", "answer 3\n"]);
    const item = { model: modelKey({ alias, temperature }), hash: promptHash(prompt) };
    const folder = `${root}/${item.model}/${item.hash}`;
    const names = [...Deno.readDirSync(`${folder}/replies`)].map((e) => e.name).sort();
    assert.deepEqual(names, ["0.json", "1.json", "2.json", "3.json"]);
    // Python reads the texts (a tool call's is ""), and appends after them.
    assert.deepEqual(await python(root, [item]), [texts]);
    assert.deepEqual(await python(root, [{ ...item, append: ["from python"] }]), [
      [...texts, "from python"],
    ]);
    const replay = new Persistent(new Calling(alias, temperature), root, { replication: true });
    assert.deepEqual(await collect(replay.replies(prompt), 5), [
      ...replies,
      { text: "from python", toolCalls: [] },
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("Persistent: a cache the Python original wrote is read unchanged, by a string and by a chat of its one user message", async () => {
  const before = filesUnder(MNIMI_CACHE);
  for (const sequence of expected) {
    const model = new Persistent(
      new CountingModel(sequence.alias, sequence.temperature),
      MNIMI_CACHE,
      { replication: true },
    );
    const n = sequence.samples.length;
    const chat: Chat = { messages: [{ role: "user", content: sequence.prompt }] };
    assert.equal(promptHash(chat), sequence.prompt_sha256);
    assert.deepEqual(await collect(model.sample(sequence.prompt), n), sequence.samples);
    assert.deepEqual(await collect(model.sample(chat), n), sequence.samples);
    assert.deepEqual(
      await collect(model.replies(chat), n),
      sequence.samples.map((text) => ({ text, toolCalls: [] })),
    );
  }
  assert.ok(before.size > expected.length);
  assert.deepEqual(filesUnder(MNIMI_CACHE), before, "reading changed the fixture");
});

/** Every file under `dir`, by path, with its text. */
function filesUnder(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const entry of Deno.readDirSync(dir)) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory) filesUnder(path, out);
    else out.set(path, Deno.readTextFileSync(path));
  }
  return out;
}
