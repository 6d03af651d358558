// Byte sizes: one formatter, binary units, shared by the command line and the
// notebook views (issue 10: they used to disagree, KB against KiB).

import assert from "node:assert/strict";
import { formatBytes as shared } from "../../internal/format_bytes.ts";
import { formatBytes } from "../../notebooks/mod.ts";
import { main } from "../../cli/mod.ts";
import { MNIMI_CACHE } from "../_support/mnimi_fixture.ts";

Deno.test("formatBytes: ./notebooks exports the shared formatter", () => {
  assert.equal(formatBytes, shared);
});

Deno.test("formatBytes: binary units, one decimal, never 1024.0 of a unit", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [1023, "1023 B"],
    [1024, "1.0 KiB"],
    [12_345, "12.1 KiB"],
    [1024 * 1024 - 1, "1.0 MiB"],
    [1.5 * 1024 ** 2, "1.5 MiB"],
    [3 * 1024 ** 3, "3.0 GiB"],
    [2 * 1024 ** 4, "2.0 TiB"],
    [2048 * 1024 ** 5, "2048.0 PiB"],
  ];
  for (const [bytes, shown] of cases) assert.equal(formatBytes(bytes), shown, String(bytes));
});

Deno.test("formatBytes: cache stats shows the sizes the notebook views show", async () => {
  let out = "";
  const io = { out: (t: string) => out += t, err: () => {}, progress: false };
  assert.equal(await main(["stats", MNIMI_CACHE, "--json"], io), 0);
  const total = JSON.parse(out).total.bytes;
  out = "";
  assert.equal(await main(["stats", MNIMI_CACHE], io), 0);
  assert.ok(out.trimEnd().endsWith(` ${formatBytes(total)}`), out);
});
