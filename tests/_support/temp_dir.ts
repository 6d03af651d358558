// A temporary folder under tests/.tmp for one test, removed afterwards
// whatever the test did.

/** Runs `fn` with a fresh folder under `tests/.tmp`, then removes the folder. */
export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp" });
  try {
    return await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
