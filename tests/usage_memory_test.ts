// What an in-memory cache keeps per sample besides the sample's string: its
// slot in the sequence and a share of one usage record per fill (each
// sample's share of its request is derived when asked, never kept), so that
// a million cached samples cost what their strings cost and little more.

import assert from "node:assert/strict";

/** Bytes of heap per sample beyond the strings, for `prompts` × `samples` in requests of `batch`. */
async function bytesPerSample(prompts: number, samples: number, batch: number): Promise<number> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      "tests/memory_child.ts",
      ...[prompts, samples, batch].map(String),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)).bytesPerSample;
}

Deno.test({
  name: "1,000 prompts × 1,000 samples cost at most 30 bytes per sample beyond their strings",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(1000, 1000, 10);
    assert.ok(bytes <= 30, `${bytes.toFixed(1)} bytes per sample`);
  },
});

Deno.test({
  name: "100,000 prompts × 10 samples cost at most 160 bytes per sample beyond their strings",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(100_000, 10, 10);
    assert.ok(bytes <= 160, `${bytes.toFixed(1)} bytes per sample`);
  },
});
