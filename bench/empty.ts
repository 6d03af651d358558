// The baseline of the cold-process benchmark: a `deno run` that does nothing.
