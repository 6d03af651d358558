// A project folder of its own with `llmFixture` test modules, run with real
// `deno test` child processes as the folder's user would, recording from the
// local OpenAI-compatible server.

import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { OpenAIServer } from "./openai_server.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

/** The permissions of a test that runs fixture projects. */
export const PERMISSIONS: Deno.PermissionOptionsObject = {
  read: ["."],
  write: ["tests/.tmp"],
  run: ["deno"],
  net: ["127.0.0.1"],
  env: ["CI"],
};

/** Flags of a run that records: the fixture folder, the server, the key. */
export const RECORD = ["--allow-read=fixtures", "--allow-write=fixtures", "--allow-net=127.0.0.1"];
/** {@linkcode RECORD} with the variables record reads. */
export const RECORD_ENV = [...RECORD, "--allow-env=CI,TEST_LLM_KEY"];
/** Flags of a replay: read access to the fixture folder only. */
export const REPLAY = ["--allow-read=fixtures"];
/** {@linkcode REPLAY} with write access, as pruning needs. */
export const PRUNE = [...REPLAY, "--allow-write=fixtures"];

/** One finished `deno test` run. */
export interface Run {
  readonly code: number;
  /** stdout and stderr together, without colours. */
  readonly output: string;
}

/** A project with test modules, run with `deno test` as its own folder's user would. */
export class Project {
  readonly dir: string;
  /** Where its fixtures record: the `dir` they give `llmFixture` (a folder, or a store spec). */
  readonly fixtures: string;
  constructor(dir: string, fixtures = "fixtures") {
    this.dir = dir;
    this.fixtures = fixtures;
  }

  /**
   * Writes a test module whose `model` is a fixture over the server at `url`
   * (unused in replay); `options` is the source of llmFixture's options.
   */
  write(name: string, url: string, tests: string, options = "{}"): void {
    const path = `${this.dir}/${name}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(
      path,
      `import { collect, OpenAICompatible } from "${REPO}mod.ts";
import { llmFixture } from "${REPO}testing/mod.ts";

const inner = new OpenAICompatible("test-model", 1, {
  baseUrl: "${url}",
  apiKeyVariable: "TEST_LLM_KEY",
  maxBatch: 4,
});
const model = llmFixture(inner, ${JSON.stringify(this.fixtures)}, ${options});

function expect(actual: string[], expected: string[]): void {
  if (actual.join("|") !== expected.join("|")) {
    throw new Error(\`expected \${expected.join("|")}, got \${actual.join("|")}\`);
  }
}
void expect;
${tests}
`,
    );
  }

  /** `deno test <flags> <modules> -- <args>` in the project folder. */
  async test(
    flags: string[],
    modules: string[],
    args: string[] = [],
    env: Record<string, string> = {},
  ): Promise<Run> {
    const output = await this.#command(flags, modules, args, env).output();
    const decoder = new TextDecoder();
    return {
      code: output.code,
      output: decoder.decode(output.stdout) + decoder.decode(output.stderr),
    };
  }

  /**
   * The same run, started, with its input and output piped: to be read,
   * written to (or killed) while it runs.
   */
  spawn(flags: string[], modules: string[], args: string[] = []): Deno.ChildProcess {
    return this.#command(flags, modules, args, {}, "piped").spawn();
  }

  /** Every sample file of a module's recordings: `<model>/<hash8>/<i>.md` → text. */
  recorded(module: string): Record<string, string> {
    const out: Record<string, string> = {};
    const root = `${this.dir}/fixtures/${module}`;
    const walk = (dir: string, rel: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(dir)];
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return;
        throw error;
      }
      for (const entry of entries) {
        const path = `${rel}${rel === "" ? "" : "/"}${entry.name}`;
        if (entry.isDirectory) walk(`${dir}/${entry.name}`, path);
        else if (entry.name.endsWith(".md")) {
          out[path.replace(/[0-9a-f]{64}/, (h) => h.slice(0, 8))] = Deno.readTextFileSync(
            `${dir}/${entry.name}`,
          );
        }
      }
    };
    walk(root, "");
    return out;
  }

  #command(
    flags: string[],
    modules: string[],
    args: string[],
    env: Record<string, string>,
    stdin: "null" | "piped" = "null",
  ): Deno.Command {
    return new Deno.Command("deno", {
      args: ["test", "--no-config", "--no-check", ...flags, ...modules, "--", ...args],
      cwd: this.dir,
      env: { NO_COLOR: "1", CI: "", LLM_FIXTURES: "", TEST_LLM_KEY: "sk-test-key", ...env },
      stdin,
      stdout: "piped",
      stderr: "piped",
    });
  }
}

/** Runs `fn` with a fresh project folder and a fresh server, and always cleans up. */
export async function withProject(
  fn: (project: Project, server: OpenAIServer) => Promise<void>,
  { fixtures }: { fixtures?: string } = {},
): Promise<void> {
  const dir = await Deno.makeTempDir({ dir: "tests/.tmp", prefix: "project-" });
  const server = OpenAIServer.start({});
  try {
    await fn(new Project(Deno.realPathSync(dir), fixtures), server);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** `run`, which must have passed. */
export function ok(run: Run): Run {
  assert.equal(run.code, 0, run.output);
  return run;
}

/** `run`, which must have failed. */
export function fails(run: Run): Run {
  assert.notEqual(run.code, 0, run.output);
  return run;
}
