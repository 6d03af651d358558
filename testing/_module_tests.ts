// Which tests of the test module ran and passed. `--llm-prune` acts only
// after a run in which all of them did: a test that was ignored, filtered
// out, left out by `only`, or stopped by a failure did not read all it uses,
// and pruning would remove recordings it needs.
//
// Deno tells a module none of this, so this file wraps the module's
// `Deno.test` when it loads (a test module's imports load before its own
// tests register): each registration is counted with its `ignore` and `only`,
// and its function wrapped to see each attempt start and end. The wrapped
// function carries the caller's location (Symbol.for("Deno.test.location")),
// so Deno reports the test where it was written. What stays out of sight:
// - a test registered before this file loaded: a `beforeEach` hook counts the
//   attempts that start, so one that runs is noticed; one that never runs
//   (filtered out) is not;
// - a failure the runner finds after the function returned (leaked ops or
//   resources): the test read all it uses, so pruning stays exact.
// Steps and `Deno.test.each` cases are followed only while pruning is asked
// for: following them wraps the very call whose location Deno reports (it
// offers no override there), so failures then point into this file.

import { plural } from "./_plural.ts";
import { settingsOf } from "./_settings.ts";

/** `Symbol.for("Deno.test.location")`: where Deno reports a test, "file:line:column". */
const LOCATION = Symbol.for("Deno.test.location");
const SHOWN = 3;

type TestFunction = (t: Deno.TestContext) => void | Promise<void>;
type Register = (...args: unknown[]) => void;
type Each = (cases: unknown) => Register;
/** What a registration's options say that matters here. */
type Options = { name?: unknown; fn?: unknown; ignore?: unknown; only?: unknown };

/** One attempt of a test: its last one counts (`retry` runs it again). */
interface Attempt {
  finished: boolean;
  passed: boolean;
  /** Every step it ran passed; false when one failed or was ignored. */
  stepsPassed: boolean;
  /** Its steps were followed (pruning was asked for when it started). */
  followed: boolean;
}

/** One `Deno.test` registration, or the cases of one `Deno.test.each`. */
interface Registration {
  /** The test's name, or the name template of the cases. */
  readonly label: string;
  /** How many tests it registered: 1, or the number of cases. */
  readonly cases: number;
  readonly ignored: boolean;
  readonly only: boolean;
  /** The latest attempt of each test that started, by its context. */
  readonly attempts: Map<Deno.TestContext, Attempt>;
}

const registrations: Registration[] = [];
let following = false;
/** Attempts started, counted by the `beforeEach` hook and by the wrapped functions. */
let begun = 0;
let started = 0;
/** `Deno.test.each` cases registered while not following. */
let unfollowed = 0;

/**
 * Follows steps and `Deno.test.each` cases from now on: a fixture of this
 * module prunes.
 */
export function followTests(): void {
  following = true;
}

/**
 * Whether a test of the module has begun: from then on, `Deno.test.afterAll`
 * hooks can no longer be registered (Deno ignores them).
 */
export function testsBegun(): boolean {
  return begun > 0 || started > 0;
}

/**
 * Why this run is not one in which every test of the module ran and passed,
 * as `kind: "name", …` parts; `undefined` when it is.
 */
export function unfinishedTests(): string | undefined {
  const kinds = new Map<string, string[]>();
  const note = (kind: string, what: string) => kinds.set(kind, [...kinds.get(kind) ?? [], what]);
  const only = registrations.some((r) => r.only);
  for (const registration of registrations) {
    if (registration.ignored) {
      note("ignored", describe(registration, registration.cases));
      continue;
    }
    const missing = registration.cases - registration.attempts.size;
    if (missing > 0) {
      const why = only && !registration.only ? "other tests have only" : "filtered out?";
      note(`did not run, ${why}`, describe(registration, missing));
    }
    for (const [t, attempt] of registration.attempts) {
      const name = quote(t.name);
      if (!attempt.finished) note("did not finish", name);
      else if (!attempt.passed) note("failed", name);
      else if (!attempt.stepsPassed) note("a step failed or was ignored", name);
      else if (!attempt.followed) note("ran before pruning was asked for", name);
    }
  }
  const parts = [...kinds].map(([kind, names]) => `${kind}: ${list(names)}`);
  if (unfollowed > 0) {
    parts.push(
      `${plural(unfollowed, "Deno.test.each case")} registered before pruning was asked for`,
    );
  }
  const unseen = begun - started - unfollowed;
  if (unseen > 0) {
    parts.push(
      `${plural(unseen, "test")} ran that ${unseen === 1 ? "was" : "were"} registered before ` +
        `@mnimi/llm-cache/testing was loaded`,
    );
  }
  return parts.length === 0 ? undefined : parts.join("; ");
}

/** Replaces `Deno.test` (and its `only`, `ignore` and `each`) with followers. */
function install(): void {
  const original = Deno.test;
  const test = function test(...args: unknown[]) {
    register(original, args, {}, test);
  };
  const only = function only(...args: unknown[]) {
    register(original.only, args, { only: true }, only);
  };
  const ignore = function ignore(...args: unknown[]) {
    register(original.ignore, args, { ignore: true }, ignore);
  };
  const each = (deno: { each?: unknown }, overrides: Overrides) => ({
    each: followEach(deno.each as Each | undefined, overrides),
  });
  Object.assign(test, original, { only, ignore }, each(original, {}));
  Object.assign(only, each(original.only, { only: true }));
  Object.assign(ignore, each(original.ignore, { ignore: true }));
  Object.defineProperty(Deno, "test", { value: test });
  original.beforeEach(() => {
    begun++;
  });
}

interface Overrides {
  readonly only?: boolean;
  readonly ignore?: boolean;
}

/** Registers through `deno` with the function wrapped; arguments Deno refuses go as they are. */
function register(
  deno: (...args: never[]) => void,
  args: unknown[],
  overrides: Overrides,
  caller: (...args: never[]) => void,
): void {
  const parsed = parse(args);
  if (parsed === undefined) return (deno as Register)(...args);
  const { name, options, fn, rebuild } = parsed;
  const registration = newRegistration(name, 1, options, overrides);
  const wrapped = renamed(fn.name, (t: Deno.TestContext) => attempt(registration, t, fn));
  const location = (fn as { [LOCATION]?: unknown })[LOCATION] ?? callerLocation(caller);
  if (location !== undefined) Object.assign(wrapped, { [LOCATION]: location });
  (deno as Register)(...rebuild(wrapped));
  registrations.push(registration);
}

/** `Deno.test.each` that follows its cases while pruning is asked for. */
function followEach(each: Each | undefined, overrides: Overrides): Each | undefined {
  if (each === undefined) return undefined;
  return (cases) => {
    const registerCases = each(cases);
    const number = Array.isArray(cases) ? cases.length : 0;
    if (!following) {
      unfollowed += number;
      return registerCases;
    }
    return (name, optionsOrFn, maybeFn) => {
      const [options, fn] = typeof optionsOrFn === "function"
        ? [{}, optionsOrFn]
        : [optionsOrFn, maybeFn];
      if (typeof fn !== "function" || typeof options !== "object" || options === null) {
        return registerCases(name, optionsOrFn, maybeFn);
      }
      const registration = newRegistration(String(name), number, options, overrides);
      const wrapped = (...values: unknown[]) => {
        const t = values.pop() as Deno.TestContext;
        return attempt(registration, t, (context) => fn(...values, context));
      };
      if (typeof optionsOrFn === "function") registerCases(name, wrapped);
      else registerCases(name, options, wrapped);
      registrations.push(registration);
    };
  };
}

function newRegistration(
  label: string,
  cases: number,
  options: Options,
  overrides: Overrides,
): Registration {
  return {
    label,
    cases,
    ignored: Boolean(overrides.ignore || options.ignore),
    only: Boolean(overrides.only || options.only),
    attempts: new Map(),
  };
}

/** Runs one attempt of a test, noting how it ends. */
async function attempt(
  registration: Registration,
  t: Deno.TestContext,
  fn: TestFunction,
): Promise<void> {
  started++;
  const state: Attempt = { finished: false, passed: false, stepsPassed: true, followed: following };
  registration.attempts.set(t, state);
  try {
    await fn(state.followed ? followSteps(t, state) : t);
    state.passed = true;
  } finally {
    state.finished = true;
  }
}

/** `t` whose steps (and theirs) note in `state` when one does not pass. */
function followSteps(t: Deno.TestContext, state: Attempt): Deno.TestContext {
  const step = t.step.bind(t) as (...args: unknown[]) => Promise<boolean>;
  const follow = (fn: unknown) =>
    typeof fn !== "function" ? fn : renamed(
      fn.name,
      (inner: Deno.TestContext) => (fn as TestFunction)(followSteps(inner, state)),
    );
  return Object.create(t, {
    step: {
      value: async (first: unknown, second: unknown) => {
        let passed: boolean;
        if (typeof first === "string") passed = await step(first, follow(second));
        else if (typeof first === "function") passed = await step(follow(first));
        else if (typeof first === "object" && first !== null) {
          passed = await step({ ...first, fn: follow((first as { fn?: unknown }).fn) });
        } else passed = await step(first, second);
        if (!passed) state.stepsPassed = false;
        return passed;
      },
    },
  });
}

interface Parsed {
  readonly name: string;
  readonly options: Options;
  readonly fn: TestFunction;
  /** The arguments again, with another function. */
  readonly rebuild: (fn: TestFunction) => unknown[];
}

/** The forms `Deno.test` takes; `undefined` for anything else (Deno explains). */
function parse([a, b, c]: unknown[]): Parsed | undefined {
  if (typeof a === "string") {
    if (typeof b === "function") {
      return { name: a, options: {}, fn: b as TestFunction, rebuild: (f) => [a, f] };
    }
    if (typeof c === "function" && typeof b === "object" && b !== null) {
      return { name: a, options: b, fn: c as TestFunction, rebuild: (f) => [a, b, f] };
    }
  } else if (typeof a === "function") {
    return { name: a.name, options: {}, fn: a as TestFunction, rebuild: (f) => [f, b, c] };
  } else if (typeof a === "object" && a !== null) {
    const options = a as Options;
    if (typeof b === "function") {
      return {
        name: String(options.name ?? b.name),
        options,
        fn: b as TestFunction,
        rebuild: (f) => [a, f, c],
      };
    }
    if (typeof options.fn === "function") {
      const fn = options.fn as TestFunction;
      return {
        name: String(options.name ?? fn.name),
        options,
        fn,
        rebuild: (f) => [{ ...options, fn: f }, b, c],
      };
    }
  }
  return undefined;
}

/** Where the code that called `caller` is, as Deno reports a test's location. */
function callerLocation(caller: (...args: never[]) => void): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, caller);
  for (const line of holder.stack?.split("\n").slice(1) ?? []) {
    const found = line.match(/(?:\(|at )([^\s()]+:\d+:\d+)\)?$/)?.[1];
    if (found !== undefined && !/^(ext|node):/.test(found)) return found;
  }
  return undefined;
}

function renamed<F extends (...args: never[]) => unknown>(name: string, fn: F): F {
  return Object.defineProperty(fn, "name", { value: name });
}

function describe(registration: Registration, missing: number): string {
  if (registration.cases === 1) return quote(registration.label);
  return `${plural(missing, "case")} of ${quote(registration.label)}`;
}

function quote(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}

function list(names: readonly string[]): string {
  const shown = names.slice(0, SHOWN).join(", ");
  return names.length > SHOWN ? `${shown} and ${names.length - SHOWN} more` : shown;
}

/** Whether the flags or the variable ask for pruning; a bad word is llmFixture's to report. */
function pruneAsked(): boolean {
  try {
    return settingsOf({}).prune;
  } catch {
    return false;
  }
}

following = pruneAsked();
install();
