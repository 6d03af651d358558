// Small readers shared by the providers: option picking and JSON fields.

import type { BufferedModelOptions } from "../core/buffered_model.ts";

/** Whether `value` is a plain JSON object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The alias, batch limit and price, without undefined fields; `maxBatch`
 * defaults to the API's default batch, and may not pass its limit (an
 * `HttpApi`'s `defaultBatch` and `batchLimit`).
 */
export function batchOptions(
  options: BufferedModelOptions,
  api: { readonly defaultBatch: number; readonly batchLimit: number },
  who: string,
): BufferedModelOptions {
  const { alias, maxBatch = api.defaultBatch, price } = options;
  if (typeof maxBatch === "number" && maxBatch > api.batchLimit) {
    throw new RangeError(
      `${who}: maxBatch must be at most ${api.batchLimit}, the most samples one request of this ` +
        `API can ask for, got ${maxBatch}; pass a maxBatch from 1 to ${api.batchLimit} (a larger ` +
        "batch is split into requests of at most maxBatch)",
    );
  }
  const picked: BufferedModelOptions = { maxBatch };
  if (alias !== undefined) picked.alias = alias;
  if (price !== undefined) picked.price = price;
  return picked;
}

/**
 * Throws a `RangeError` unless `temperature` is within [0, max], the range
 * the API accepts: a model outside it could never get an answer. (Models in
 * general take any finite temperature ≥ 0, so old caches stay readable.)
 */
export function assertApiTemperature(who: string, temperature: number, max: number): void {
  if (temperature <= max) return;
  throw new RangeError(
    `${who}: temperature must be between 0 and ${max}, the range its API accepts, got ` +
      `${temperature}: the server would refuse every request; pass a temperature from 0 to ${max}`,
  );
}

/** `record` without its undefined fields. */
export function defined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
