// Small readers shared by the providers: option picking and JSON fields.

import type { BufferedModelOptions } from "../core/buffered_model.ts";

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The alias, batch limit and price, without undefined fields. */
export function batchOptions(options: BufferedModelOptions): BufferedModelOptions {
  const picked: BufferedModelOptions = {};
  if (options.alias !== undefined) picked.alias = options.alias;
  if (options.maxBatch !== undefined) picked.maxBatch = options.maxBatch;
  if (options.price !== undefined) picked.price = options.price;
  return picked;
}

/**
 * Throws a `RangeError` unless `temperature` is within [0, 2], the range the
 * HTTP APIs accept: a model outside it could never get an answer. (Models in
 * general take any finite temperature ≥ 0, so old caches stay readable.)
 */
export function assertApiTemperature(who: string, temperature: number): void {
  if (temperature <= 2) return;
  throw new RangeError(
    `${who}: temperature must be between 0 and 2, the range OpenAI-compatible APIs and Ollama ` +
      `accept, got ${temperature}: the server would refuse every request; pass a temperature ` +
      "from 0 to 2",
  );
}

/** `record` without its undefined fields. */
export function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
