// Pins the model keys and prompt hashes of the providers as they were before
// the HTTP providers moved onto one base (issue 20): a cache written before
// must be found after. The values were computed on main before the change.

import assert from "node:assert/strict";
import { type Model, promptHash } from "../../mod.ts";
import { modelKey } from "../../cache/stores.ts";
import {
  AI302,
  CloseAI,
  FireworksAI,
  Ollama,
  OpenAI,
  OpenAICompatible,
  XMCP,
} from "../../providers/mod.ts";

const GENERATION = {
  system: "Be brief.",
  maxTokens: 64,
  stop: ["\n\n"],
  seed: 7,
  topP: 0.9,
  responseFormat: { type: "json_object" },
  params: { presence_penalty: 0.5 },
};

type Keyed = Pick<Model, "alias" | "temperature" | "keyOptions">;

const MAKERS: Record<string, (options: object) => Keyed> = {
  OpenAICompatible: (o) =>
    new OpenAICompatible("llama3", 0.7, { baseUrl: "http://localhost:8000/v1", ...o }),
  AI302: (o) => new AI302("deepseek-v3", 0.5, o),
  CloseAI: (o) => new CloseAI("gpt-4o", 1, o),
  FireworksAI: (o) => new FireworksAI("accounts/fireworks/models/llama-v3p1-8b-instruct", 1, o),
  XMCP: (o) => new XMCP("gpt-4o", 0, o),
  OpenAI: (o) => new OpenAI("gpt-4o-mini", 0.0625, o),
  Ollama: (o) => new Ollama("llama3.2", 0.8, o),
};

const PINNED: Record<string, string> = {
  "OpenAICompatible plain": "llama3_0.7",
  "OpenAICompatible generation": "llama3_0.7+74eff41b8452c742",
  "OpenAICompatible alias": "shared_0.7+65ddaaae727ad117",
  "AI302 plain": "deepseek-v3_0.5",
  "AI302 generation": "deepseek-v3_0.5+74eff41b8452c742",
  "AI302 alias": "shared_0.5+65ddaaae727ad117",
  "CloseAI plain": "gpt-4o_1",
  "CloseAI generation": "gpt-4o_1+74eff41b8452c742",
  "CloseAI alias": "shared_1+65ddaaae727ad117",
  "FireworksAI plain": "accounts/fireworks/models/llama-v3p1-8b-instruct_1",
  "FireworksAI generation": "accounts/fireworks/models/llama-v3p1-8b-instruct_1+74eff41b8452c742",
  "FireworksAI alias": "shared_1+65ddaaae727ad117",
  "XMCP plain": "gpt-4o_0",
  "XMCP generation": "gpt-4o_0+74eff41b8452c742",
  "XMCP alias": "shared_0+65ddaaae727ad117",
  "OpenAI plain": "gpt-4o-mini_0.062",
  "OpenAI generation": "gpt-4o-mini_0.062+74eff41b8452c742",
  "OpenAI alias": "shared_0.062+65ddaaae727ad117",
  "Ollama plain": "llama3.2_0.8",
  "Ollama generation": "llama3.2_0.8+5e4b659ead8977ce",
  "Ollama alias": "shared_0.8+65ddaaae727ad117",
};

Deno.test("modelKey: model keys of today's providers, with and without generation options, are pinned", () => {
  const actual: Record<string, string> = {};
  for (const [name, make] of Object.entries(MAKERS)) {
    actual[`${name} plain`] = modelKey(make({}));
    actual[`${name} generation`] = modelKey(make(GENERATION));
    actual[`${name} alias`] = modelKey(make({ alias: "shared", params: { top_k: 40 } }));
  }
  assert.deepEqual(actual, PINNED);
});

Deno.test("modelKey: the key options behind the pinned keys are OpenAI's names (Ollama's own)", () => {
  const openai = {
    system: "Be brief.",
    max_tokens: 64,
    stop: ["\n\n"],
    seed: 7,
    top_p: 0.9,
    response_format: { type: "json_object" },
    presence_penalty: 0.5,
  };
  for (const name of ["OpenAICompatible", "AI302", "CloseAI", "FireworksAI", "XMCP", "OpenAI"]) {
    assert.deepEqual(MAKERS[name]!(GENERATION).keyOptions, openai, name);
    assert.equal(MAKERS[name]!({}).keyOptions, undefined, name);
  }
  assert.deepEqual(MAKERS.Ollama!(GENERATION).keyOptions, {
    system: "Be brief.",
    presence_penalty: 0.5,
    format: "json",
    options: { num_predict: 64, stop: ["\n\n"], seed: 7, top_p: 0.9 },
  });
  assert.equal(MAKERS.Ollama!({}).keyOptions, undefined);
});

Deno.test("promptHash: hashes of string prompts are pinned (the Python original's SHA-256)", () => {
  assert.deepEqual(
    ["", "Choose a number between 1 and 1000.", "héllo wörld ✓\n", "a\r\nb\u0000c"].map(promptHash),
    [
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "b11eebdc377d238c4177aebce657eb33f91e3197cd8aa68afb94b7fb47e4cba2",
      "5dabebe58c514e4fd624bc7c6177454c78b654fd58e20fb99ea2337e0847ea2c",
      "6253d1ec42d765356e50ad56cd81bf2802afb3f7810a75a6927a97c95e3b374a",
    ],
  );
});
