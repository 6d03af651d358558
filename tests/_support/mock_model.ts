// Deterministic models for tests: the one the conformance kit draws from.

export { CountingModel, type CountingModelOptions } from "../../testing/_counting_model.ts";
