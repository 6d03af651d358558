/**
 * Makes every model stack render as a rich view when it is a notebook cell's
 * last value. The core models answer `[Symbol.for("Jupyter.display")]`
 * themselves with plain text; importing this module (which `./mod.ts` does)
 * registers the HTML model view as their renderer. Nothing of the core is
 * patched: the core asks its renderer registry, and any model that
 * describes itself (see `modelInfo` in the core) is shown.
 *
 * @module
 */

import { setModelRenderer } from "../core/display.ts";
import { modelView } from "./model_view.ts";

setModelRenderer((model) => modelView(model).bundle());
