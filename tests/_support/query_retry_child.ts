// A child process of the queryRetry replay test: one queryRetry run over a
// Persistent cache in <dir>, with a provider whose answers are random (so only
// the cache can make two runs agree). Prints {attempts, value, requests} as JSON.
//
// deno run --allow-read=<dir> --allow-write=<dir> tests/_support/query_retry_child.ts <dir>

import { type Attempt, BufferedModel, queryRetry, sequence, tag } from "../../mod.ts";
import { Persistent } from "../../cache/persistent.ts";

const [dir = ""] = Deno.args;

/** Answers at random; the first three answers are always malformed. */
class Random extends BufferedModel {
  #drawn = 0;
  protected query(_prompt: string, n: number): Promise<string[]> {
    return Promise.resolve(Array.from({ length: n }, () => this.#answer()));
  }
  #answer(): string {
    const x = Math.floor(Math.random() * 1e6);
    const mode = this.#drawn++ < 3 ? this.#drawn % 3 : 3 + Math.floor(Math.random() * 2);
    switch (mode) {
      case 0:
        return `I think it is ${x}.`;
      case 1:
        return `<reasoning>guess ${x}</reasoning>\n<answer>${x}`;
      case 2:
        return `<reasoning>guess</reasoning>\n<answer>about ${x}</answer>`;
      default:
        return `<reasoning>${Math.random()}</reasoning>\n<answer>${x}</answer>\n`;
    }
  }
}

const provider = new Random("random-model", 0.7, { maxBatch: 2 });
const model = new Persistent(provider, dir);
const attempts: Attempt[] = [];
const value = await queryRetry(
  model,
  "Pick a number; reason in <reasoning> tags, answer in <answer> tags.",
  sequence({ reasoning: tag("reasoning"), answer: tag("answer") }),
  {
    retries: 20,
    batch: 2,
    validate: ({ answer }) => /^\d+$/.test(answer),
    onAttempt: (attempt) => attempts.push(attempt),
  },
);
await model.store.close();
const shown = attempts.map((a) => a.ok ? a : { ...a, error: String(a.error) });
console.log(JSON.stringify({ attempts: shown, value, requests: provider.stats.requests }));
