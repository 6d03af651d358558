// The README image shows the current quickstart notebook: the PNG records
// the SHA-256 of the notebook it was rendered from (.ci/browser_check.ts).

import assert from "node:assert/strict";
import { notebookDigest, readTextChunk, withTextChunk } from "../../.ci/png_text.ts";

Deno.test("notebookDigest: notebooks/quickstart.png was rendered from the notebook as committed", async () => {
  const recorded = readTextChunk(await Deno.readFile("notebooks/quickstart.png"));
  assert.ok(recorded !== undefined, "notebooks/quickstart.png records no notebook digest");
  assert.equal(
    recorded,
    await notebookDigest("notebooks/quickstart.ipynb"),
    "notebooks/quickstart.png shows another version of notebooks/quickstart.ipynb: run " +
      "`deno task browser-check --update-screenshot` and commit the image",
  );
});

Deno.test("notebookDigest: the digest travels in a tEXt chunk with a valid CRC, replacing an older one", async () => {
  const png = await Deno.readFile("notebooks/quickstart.png");
  const once = withTextChunk(png, "a".repeat(64));
  const twice = withTextChunk(once, "b".repeat(64));
  assert.equal(readTextChunk(twice), "b".repeat(64));
  assert.equal(twice.length, once.length, "the old chunk is replaced, not kept");
  // The chunk's CRC covers type and data: a damaged byte would make viewers refuse it.
  const at = new TextDecoder("latin1").decode(twice).indexOf("tEXtllm-cache");
  const view = new DataView(twice.buffer, twice.byteOffset);
  const length = view.getUint32(at - 4);
  assert.equal(length, "llm-cache:notebook-sha256".length + 1 + 64);
  assert.throws(() => readTextChunk(new Uint8Array([1, 2, 3])), /not a PNG file/);
});
