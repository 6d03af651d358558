// The committed copy of a cache written by Python's cached_llm.py, and what
// its expected.json says each sequence holds.

/** The fixture cache folder, relative to the repository root. */
export const MNIMI_CACHE = "tests/fixtures/mnimi-cache";

/** One sequence of the fixture, as listed in its expected.json. */
export interface ExpectedSequence {
  model: string;
  alias: string;
  temperature: number;
  prompt: string;
  prompt_sha256: string;
  samples: string[];
}

/** Every sequence of the fixture cache. */
export const expected: ExpectedSequence[] = JSON.parse(
  await Deno.readTextFile(`${MNIMI_CACHE}.expected.json`),
);
