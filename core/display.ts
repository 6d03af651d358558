// What a model stack shows as a notebook cell's last value. The core answers
// `[Symbol.for("Jupyter.display")]` itself, so a stack shows without any
// import; the notebooks layer, once imported, registers a richer renderer
// here (it sits above the core, which must not import it).

import { figuresOf } from "./figures.ts";
import { formatFigures } from "./figure_text.ts";
import type { Model } from "./model.ts";
import { stackOf } from "./model_info.ts";

/** The method the Deno Jupyter kernel calls to show a cell's last value. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** A MIME bundle, as the Jupyter kernel takes it. */
export type MimeBundle = Record<string, string>;

/** Turns a model stack into a MIME bundle. */
export type ModelRenderer = (model: Model) => MimeBundle;

// Registered (Symbol.for), so the renderer of one copy of the library serves
// the models of another.
const RENDERER = Symbol.for("llm-cache.modelRenderer");

/** Makes `render` the display of every model stack (the notebooks layer calls it). */
export function setModelRenderer(render: ModelRenderer): void {
  (globalThis as Record<symbol, unknown>)[RENDERER] = render;
}

/** The display of `model`: the registered renderer's, or plain text. */
export function displayOf(model: Model): MimeBundle {
  const render = (globalThis as Record<symbol, unknown>)[RENDERER];
  if (typeof render === "function") return (render as ModelRenderer)(model);
  return plainDisplay(model);
}

/** The core's own display of `model`: its layers on one line, then its figures. */
export function plainDisplay(model: Model): MimeBundle {
  const title = stackOf(model).map((l) => l.detail === "" ? l.kind : `${l.kind} ${l.detail}`)
    .join(" → ");
  return { "text/plain": `${title}\n${formatFigures(figuresOf(model))}` };
}
