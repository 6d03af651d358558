/**
 * Makes every model stack render itself as a notebook cell's last value.
 *
 * The core must not import the notebook layer, so the core classes carry no
 * display method of their own; importing this module (which `mod.ts` does)
 * installs `[Symbol.for("Jupyter.display")]` on the prototypes of the
 * built-in layers: `Repeatable` and `Persistent` (through `CachedModel`),
 * `Independent`, and every provider (through `BufferedModel`).
 *
 * @module
 */

import { BufferedModel } from "../buffered_model.ts";
import { CachedModel } from "../cached_model.ts";
import { Independent } from "../independent.ts";
import type { Model } from "../model.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "./html.ts";
import { modelView } from "./model_view.ts";

/**
 * Installs the model stack display on the built-in model classes. Runs when
 * the notebook module is imported; calling it again changes nothing, and a
 * display method a class defines itself is kept.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BufferedModel, Repeatable } from "../mod.ts";
 * import { installModelDisplay } from "./mod.ts";
 *
 * class Counter extends BufferedModel {
 *   #next = 0;
 *   protected query(_prompt: string, n: number): Promise<string[]> {
 *     return Promise.resolve(Array.from({ length: n }, () => String(this.#next++)));
 *   }
 * }
 *
 * installModelDisplay();
 * const model = new Repeatable(new Counter("gpt-4o", 1)) as unknown as Record<
 *   symbol,
 *   () => { "text/plain": string }
 * >;
 * const bundle = model[Symbol.for("Jupyter.display")]!();
 * assert(bundle["text/plain"].startsWith("Repeatable → Counter"));
 * ```
 */
export function installModelDisplay(): void {
  for (const cls of [CachedModel, Independent, BufferedModel]) {
    if (Object.hasOwn(cls.prototype, JUPYTER_DISPLAY)) continue;
    Object.defineProperty(cls.prototype, JUPYTER_DISPLAY, {
      value: function (this: Model): MimeBundle {
        return modelView(this).bundle();
      },
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}

installModelDisplay();
