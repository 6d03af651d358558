// A cache written here is read by the Python original's logic, and samples
// Python appends to it are read back here.

import assert from "node:assert/strict";
import { collect, modelKey, promptHash, type QueryResult } from "../mod.ts";
import { Persistent } from "../cache/persistent.ts";
import { CountingModel } from "./mock_model.ts";

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

Deno.test("Python's reader gets the sequences written here, and we get Python's", async () => {
  const root = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    for (const c of CASES) {
      const model = new Persistent(new Scripted(c.alias, c.temperature, SAMPLES), root);
      assert.deepEqual(await collect(model.sample(c.prompt, 3), SAMPLES.length), SAMPLES);
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
