/**
 * The figures of a model stack under their first name: `stackFigures` and
 * `StackFigures` are now `figuresOf` and `Figures` of the root module, the
 * one figures model that every display reads.
 *
 * @module
 */

import { type Figures, figuresOf } from "../core/figures.ts";

/**
 * The figures of a whole stack; the same type as {@linkcode Figures}.
 *
 * @deprecated Use {@linkcode Figures} from `@mnimi/llm-cache`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { figuresOf } from "../core/accounting.ts";
 * import type { StackFigures } from "./mod.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * const figures: StackFigures = figuresOf(new Repeatable(new Echo("echo", 0)));
 * assert.equal(figures.hits, 0);
 * ```
 */
export type StackFigures = Figures;

/**
 * The figures of a stack, or those since an earlier snapshot: the very same
 * function as {@linkcode figuresOf}.
 *
 * @deprecated Use {@linkcode figuresOf} from `@mnimi/llm-cache`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, first, Repeatable } from "../mod.ts";
 * import { figuresOf } from "../core/accounting.ts";
 * import { stackFigures } from "./mod.ts";
 *
 * class Echo extends BufferedModel {
 *   protected query(prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array(n).fill(prompt));
 *   }
 * }
 *
 * const model = new Repeatable(new Echo("echo", 0));
 * await first(model.sample("p"));
 * assert.equal(stackFigures, figuresOf);
 * assert.equal(stackFigures(model).misses, 1);
 * ```
 */
export const stackFigures: typeof figuresOf = figuresOf;
