// `copyStore` of a 100,000-sample cache (1,000 prompts × 100 samples of 1 KB)
// from the filesystem into Redis.

import { promptHash } from "../mod.ts";
import { copyStore } from "../cache/copy.ts";
import { FsStore } from "../cache/fs_store.ts";
import { RedisStore } from "../cache/redis_store.ts";
import { BENCH_REDIS_URL } from "./redis_url.ts";

const PROMPTS = 1000;
const SAMPLES = 100;
const KEY = "bench_1";
const SAMPLE = "x".repeat(1000);

const url = BENCH_REDIS_URL;
const base = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "bench-copy-" });
globalThis.addEventListener("unload", () => Deno.removeSync(base, { recursive: true }));

/** A mnimi-layout cache, written directly (it is the format) for speed. */
function buildFs(dir: string): void {
  for (let p = 0; p < PROMPTS; p++) {
    const folder = `${dir}/${KEY}/${promptHash(`prompt ${p}`)}`;
    Deno.mkdirSync(folder, { recursive: true });
    Deno.writeTextFileSync(`${folder}/prompt.txt`, `prompt ${p}`);
    for (let i = 0; i < SAMPLES; i++) {
      Deno.writeTextFileSync(`${folder}/${i}.md`, `${SAMPLE}${String(p * 1000 + i).padStart(24)}`);
    }
  }
}

const source = `${base}/source`;
if (url !== undefined) buildFs(source);

const check = (copied: number) => {
  if (copied !== PROMPTS * SAMPLES) throw new Error(`copied ${copied} samples`);
};

Deno.bench({
  name: "copy 100,000 samples: filesystem → Redis",
  group: "copy",
  ignore: url === undefined,
  n: 3,
  warmup: 1,
  async fn(t) {
    const to = await RedisStore.connect(url!, { prefix: `bench-copy-${crypto.randomUUID()}:` });
    t.start();
    check((await copyStore(new FsStore(source), to)).copied);
    t.end();
    await to.clear();
    await to.close();
  },
});
