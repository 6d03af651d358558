// What an in-memory cache keeps per sample besides the sample's string: its
// slot in the sequence and a share of one usage record per fill (each
// sample's share of its request is derived when asked, never kept), so that
// a million cached samples cost what their strings cost and little more.
// Reply metadata costs nothing per sample either: none is kept where a
// reply holds nothing beyond its text, and over a backing, which values'
// metadata is known is kept per range.

import assert from "node:assert/strict";

/** Bytes of heap per sample beyond the strings, for `prompts` × `samples` in requests of `batch`. */
async function bytesPerSample(
  prompts: number,
  samples: number,
  batch: number,
  backing = false,
): Promise<number> {
  const { success, stdout, stderr } = await new Deno.Command("deno", {
    args: [
      "run",
      "--v8-flags=--expose-gc",
      "tests/_support/memory_child.ts",
      ...[prompts, samples, batch].map(String),
      ...backing ? ["backing"] : [],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(success, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout)).bytesPerSample;
}

Deno.test({
  name:
    "Repeatable: 1,000 prompts × 1,000 samples cost at most 30 bytes per sample beyond their strings",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(1000, 1000, 10);
    assert.ok(bytes <= 30, `${bytes.toFixed(1)} bytes per sample`);
  },
});

Deno.test({
  name:
    "Repeatable: 100,000 prompts × 10 samples cost at most 160 bytes per sample beyond their strings",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(100_000, 10, 10);
    assert.ok(bytes <= 160, `${bytes.toFixed(1)} bytes per sample`);
  },
});

Deno.test({
  name:
    "Repeatable: over a backing that keeps replies, 1,000 × 1,000 samples still cost at most 30 bytes each",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(1000, 1000, 10, true);
    assert.ok(bytes <= 30, `${bytes.toFixed(1)} bytes per sample`);
  },
});

Deno.test({
  name:
    "Repeatable: over a backing that keeps replies, 100,000 × 10 samples still cost at most 160 bytes each",
  permissions: { read: ["."], run: ["deno"] },
  async fn() {
    const bytes = await bytesPerSample(100_000, 10, 10, true);
    assert.ok(bytes <= 160, `${bytes.toFixed(1)} bytes per sample`);
  },
});
