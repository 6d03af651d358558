import assert from "node:assert/strict";
import fc from "fast-check";
import { promptHash } from "../../mod.ts";
import { formatTemperature, modelKey } from "../../cache/stores.ts";

async function python(script: string, input: string): Promise<string> {
  const child = new Deno.Command("python3", {
    args: ["-c", script],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const { code, stdout } = await child.output();
  assert.equal(code, 0);
  return new TextDecoder().decode(stdout);
}

Deno.test("modelKey: temperature keys match Python's .3f formatting, ties to even included", async () => {
  const ties = Array.from({ length: 64 }, (_, k) => (2 * k + 1) / 16);
  const random = fc.sample(fc.double({ min: 0, max: 5, noNaN: true }), 2000);
  const grid = Array.from({ length: 2001 }, (_, k) => k / 1000);
  const values = [...ties, ...random, ...grid, 0.0625, 0.123456, 1, 0.5, 0.7, 1e-9];
  const expected = (await python(
    `import sys, json
for t in json.load(sys.stdin): print(f"{t:.3f}".rstrip("0").rstrip("."))`,
    JSON.stringify(values),
  )).trimEnd().split("\n");
  assert.deepEqual(values.map(formatTemperature), expected);
});

Deno.test("modelKey: model keys are alias_temperature, with a hash of options when set", () => {
  assert.equal(modelKey({ alias: "gpt-4o", temperature: 1 }), "gpt-4o_1");
  assert.equal(modelKey({ alias: "deepseek-v3", temperature: 0.5 }), "deepseek-v3_0.5");
  assert.equal(modelKey({ alias: "q", temperature: 0.0625, keyOptions: {} }), "q_0.062");
  const a = modelKey({ alias: "m", temperature: 1, keyOptions: { seed: 1, stop: ["x"] } });
  const b = modelKey({ alias: "m", temperature: 1, keyOptions: { stop: ["x"], seed: 1 } });
  const c = modelKey({ alias: "m", temperature: 1, keyOptions: { seed: 2, stop: ["x"] } });
  assert.equal(a, b, "key order must not matter");
  assert.notEqual(a, c);
  assert.match(a, /^m_1\+[0-9a-f]{16}$/);
});

Deno.test("modelKey: bad temperatures are refused with the value named", () => {
  for (const t of [-0.5, NaN, Infinity]) {
    assert.throws(
      () => formatTemperature(t),
      (e: Error) => e instanceof RangeError && e.message.includes(String(t)),
    );
  }
  assert.throws(() => formatTemperature("1" as unknown as number), TypeError);
});

Deno.test("promptHash: matches Python's sha256 of the UTF-8 text", async () => {
  const prompts = [
    "",
    "Choose a number between 1 and 1000.",
    "Ünïcödé — 你好, мир 🌍",
    "x".repeat(5000),
    ...fc.sample(fc.string({ unit: "grapheme" }), 200),
  ];
  const expected = (await python(
    `import sys, json, hashlib
for p in json.load(sys.stdin): print(hashlib.sha256(p.encode("utf-8")).hexdigest())`,
    JSON.stringify(prompts),
  )).trimEnd().split("\n");
  assert.deepEqual(prompts.map(promptHash), expected);
});

Deno.test("promptHash: a lone surrogate cannot be hashed and says where it is", () => {
  assert.throws(
    () => promptHash("ok \ud800 bad"),
    (e: Error) =>
      e instanceof TypeError && e.message.includes("index 3") && e.message.includes("d800"),
  );
  assert.throws(() => promptHash("\udc00"), /lone UTF-16 surrogate at index 0/);
  assert.equal(promptHash("🌍").length, 64); // a valid pair is fine
});
