// The Python original's cold writes, for comparison in the same run: its
// `Persistent` over a model that answers at once with the same 1 KB samples.
// It re-lists and re-reads a prompt's folder before each sample, so its cost
// per sample grows with the samples before it: it runs whole prompts until a
// time budget is spent (each prompt costs the same, so the rate is that of
// the whole shape). Its source is not part of this project: the bench finds
// `cached_llm.py` at $MNIMI_PY (default /tmp/mnimi/cached_llm.py), e.g. from
// https://github.com/msv-lab/mnimi.

const SCRIPT = `
import json, os, sys, time
source, root, prompts, samples, budget = sys.argv[1], sys.argv[2], *map(float, sys.argv[3:6])
if not os.path.isfile(source):
    print(json.dumps({"absent": f"no {source}"})); sys.exit(0)
sys.path.insert(0, os.path.dirname(source))
from cached_llm import Persistent, _BaseBufferedModel

class Kilo(_BaseBufferedModel):
    def __init__(self):
        super().__init__("bench", 1.0)
        self.next = {}
    def _query(self, prompt, n):
        p, start = int(prompt.split()[1]), self.next.get(prompt, 0)
        self.next[prompt] = start + n
        return [f"{p}:{i}:".ljust(1024, "x") for i in range(start, start + n)]
    def total_query_time(self): return 0.0
    def total_token_count(self): return (0, 0)

model = Persistent(Kilo(), root)
done, start = 0, time.perf_counter()
for p in range(int(prompts)):
    it = model.sample(f"prompt {p}")
    for _ in range(int(samples)):
        next(it)
    done += int(samples)
    if time.perf_counter() - start > budget:
        break
print(json.dumps({"samples": done, "seconds": time.perf_counter() - start}))
`;

/** Where the Python original is looked for. */
export function pythonSource(): string {
  return Deno.env.get("MNIMI_PY") ?? "/tmp/mnimi/cached_llm.py";
}

/** Samples/s of the Python original writing `prompts` × `samples` into `dir`, or why not. */
export async function pythonWrite(
  dir: string,
  prompts: number,
  samples: number,
  budgetSeconds = 1.5,
): Promise<number | string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("python3", {
      args: ["-c", SCRIPT, pythonSource(), dir, ...[prompts, samples, budgetSeconds].map(String)],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "python3 is not installed";
    throw error;
  }
  if (!output.success) return `python3 failed: ${new TextDecoder().decode(output.stderr).trim()}`;
  const result = JSON.parse(new TextDecoder().decode(output.stdout));
  return result.absent ?? result.samples / result.seconds;
}
