// Where a fixture's mode comes from: options, else the flags after `--`,
// else LLM_FIXTURES, else replay; and what is refused.

import assert from "node:assert/strict";
import { countsAsCI, settingsOf } from "../../testing/_settings.ts";

const REPLAY = { mode: "replay", prune: false, allowCI: false, manifest: undefined };

Deno.test("llmFixture: options win over flags, flags over the variable, and replay is the default", () => {
  assert.deepEqual(settingsOf({}, { args: [], variable: undefined }), REPLAY);
  assert.deepEqual(settingsOf({}, { args: ["--other", "x"], variable: "" }), REPLAY);
  assert.deepEqual(settingsOf({}, { args: [], variable: "record, prune manifest=runs" }), {
    mode: "record",
    prune: true,
    allowCI: false,
    manifest: "runs",
  });
  assert.deepEqual(
    settingsOf({}, { args: ["--llm-replay", "--llm-allow-ci"], variable: "record,prune" }),
    {
      mode: "replay",
      prune: true,
      allowCI: true,
      manifest: undefined,
    },
  );
  assert.equal(
    settingsOf({ mode: "refresh" }, { args: ["--llm-record"], variable: "replay" }).mode,
    "refresh",
  );
  assert.equal(
    settingsOf({ prune: false }, { args: ["--llm-prune"], variable: undefined }).prune,
    false,
  );
  assert.equal(
    settingsOf({ manifest: new URL("file:///tmp/runs") }, {
      args: ["--llm-manifest=x"],
      variable: undefined,
    }).manifest,
    "/tmp/runs",
  );
});

Deno.test("llmFixture: unknown words, two modes at once and a bad mode option are refused", () => {
  assert.throws(
    () => settingsOf({}, { args: ["--llm-update"], variable: undefined }),
    /unknown flag "--llm-update": the words are record, refresh, replay, prune, allow-ci and manifest=<folder>/,
  );
  assert.throws(
    () => settingsOf({}, { args: [], variable: "recrod" }),
    /LLM_FIXTURES holds an unknown word "recrod"/,
  );
  assert.throws(
    () => settingsOf({}, { args: ["--llm-manifest"], variable: undefined }),
    /unknown flag/,
  );
  assert.throws(
    () => settingsOf({}, { args: ["--llm-record", "--llm-refresh"], variable: undefined }),
    /both record and refresh were asked for: choose one mode/,
  );
  assert.throws(
    () => settingsOf({ mode: "update" as "record" }, { args: [], variable: undefined }),
    /mode must be "replay", "record" or "refresh", got "update"/,
  );
});

Deno.test("llmFixture: CI counts as set unless unset, blank, 0, false, no or off, in any case", () => {
  for (const value of [undefined, "", "  ", "0", "false", "FALSE", "False", " no ", "off", "OFF"]) {
    assert.equal(countsAsCI(value), false, JSON.stringify(value));
  }
  for (const value of ["true", "1", "yes", "on", "TRUE", "woodpecker", "falsely"]) {
    assert.equal(countsAsCI(value), true, value);
  }
});
