// The plain-TypeScript SHA-256 agrees with node:crypto.

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "fast-check";
import { sha256Hex } from "../../internal/sha256.ts";

Deno.test("sha256Hex: matches node:crypto at every padding boundary", () => {
  for (let n = 0; n < 300; n++) {
    const text = "é".repeat(n % 7) + "a".repeat(n);
    assert.equal(sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"));
  }
});

Deno.test("sha256Hex: matches node:crypto on any text", () => {
  fc.assert(
    fc.property(fc.string({ unit: "grapheme", maxLength: 500 }), (text) => {
      assert.equal(sha256Hex(text), createHash("sha256").update(text, "utf8").digest("hex"));
    }),
  );
});
