// The table of built-in providers in docs/providers.md is what the code
// does: each class's default base URL, default batch, largest batch and
// temperature range, read from the table and checked against an instance, so
// that a changed default fails here until the guide says it too.

import assert from "node:assert/strict";
import {
  AI302,
  Anthropic,
  CloseAI,
  FireworksAI,
  Gemini,
  Ollama,
  OpenAI,
  OpenAICompatible,
  XMCP,
} from "../../mod.ts";
import type { HttpProviderOptions } from "../../providers/http.ts";

/** A provider built from the table's options; `OpenAICompatible` gets the `baseUrl` it requires. */
type Make = (temperature: number, options?: HttpProviderOptions) => {
  readonly maxBatch: number;
  readonly baseUrl: string;
};

const URL_GIVEN = "http://127.0.0.1:9/v1";
const CLASSES: Record<string, Make> = {
  OpenAICompatible: (t, o) => new OpenAICompatible("m", t, { baseUrl: URL_GIVEN, ...o }),
  OpenAI: (t, o) => new OpenAI("m", t, o),
  AI302: (t, o) => new AI302("m", t, o),
  CloseAI: (t, o) => new CloseAI("m", t, o),
  FireworksAI: (t, o) => new FireworksAI("m", t, o),
  XMCP: (t, o) => new XMCP("m", t, o),
  Ollama: (t, o) => new Ollama("m", t, o),
  Anthropic: (t, o) => new Anthropic("m", t, o),
  Gemini: (t, o) => new Gemini("m", t, o),
};

interface Row {
  name: string;
  baseUrl: string;
  batch: string;
  temperature: string;
}

async function tableRows(): Promise<Row[]> {
  const text = await Deno.readTextFile(new URL("../../docs/providers.md", import.meta.url));
  const start = text.indexOf("| class ");
  assert.ok(start >= 0, "docs/providers.md has no table of providers");
  const lines = text.slice(start).split("\n");
  const table = lines.slice(2, lines.findIndex((l) => !l.startsWith("|")));
  return table.map((line) => {
    const [name, , baseUrl, batch, temperature] = line.split("|").slice(1, -1).map((c) => c.trim());
    return {
      name: name!.replaceAll("`", ""),
      baseUrl: baseUrl!,
      batch: batch!,
      temperature: temperature!,
    };
  });
}

Deno.test("HttpProvider: the table in docs/providers.md lists every built-in provider", async () => {
  assert.deepEqual((await tableRows()).map((r) => r.name).sort(), Object.keys(CLASSES).sort());
});

Deno.test("HttpProvider: each provider's default base URL and batch are the ones docs/providers.md gives", async () => {
  for (const row of await tableRows()) {
    const make = CLASSES[row.name]!;
    const model = make(0.5);
    assert.equal(model.maxBatch, Number(/^\d+/.exec(row.batch)?.[0]), `${row.name}: ${row.batch}`);
    const url = /^`([^`]+)`$/.exec(row.baseUrl)?.[1];
    if (url === undefined) {
      assert.match(row.baseUrl, /`baseUrl` is required/);
      assert.equal(model.baseUrl, URL_GIVEN);
      assert.throws(() => new OpenAICompatible("m", 0.5, {} as { baseUrl: string }), /baseUrl/);
    } else {
      assert.equal(model.baseUrl, url, row.name);
    }
  }
});

Deno.test("HttpProvider: each provider's largest batch and temperature range are the ones docs/providers.md gives", async () => {
  for (const row of await tableRows()) {
    const make = CLASSES[row.name]!;
    const limit = /≤ (\d+)\)/.exec(row.batch)?.[1];
    if (limit !== undefined) {
      const most = Number(limit);
      assert.equal(make(0.5, { maxBatch: most }).maxBatch, most);
      assert.throws(
        () => make(0.5, { maxBatch: most + 1 }),
        RangeError,
        row.name,
      );
    }
    const [low, high] = row.temperature.split("–").map(Number);
    assert.ok(Number.isFinite(low) && Number.isFinite(high), `${row.name}: ${row.temperature}`);
    make(low!);
    make(high!);
    assert.throws(() => make(high! + 0.01), RangeError, row.name);
  }
});
