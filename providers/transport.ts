// What a transport of its own shares with `HttpProvider` (ARCHITECTURE.md,
// "A provider"): a model that sends its requests some other way
// (`ai_sdk/from_ai_sdk.ts`) still sends through one `Sender` (slots, retries,
// the 429 pause) and one `Spending` (budgets), reads generation options and
// chats as the built-in providers do, and settles a batch the same way. The
// layers above the providers import these from here, never from the `_`
// files that implement them; no entrypoint exports them.

export { argumentsOf, chatOf, toolNameOf } from "./_chat.ts";
export { checkedGeneration, keyOptionsOf } from "./_generation.ts";
export { senderSettings } from "./_http_settings.ts";
export { defined, isRecord } from "./_options.ts";
export { retryHint } from "./_retry.ts";
export { Sender } from "./_sender.ts";
export { settleSamples } from "./_settle.ts";
export { Spending } from "./_spending.ts";
export { count, tokenCounts } from "./_token_counts.ts";
