/**
 * Where a `RedisStore` keeps what: the server and key prefix a URL names, the
 * keys under the prefix (the table is in `redis_store.ts`), and the Lua
 * scripts that append, place and delete atomically. Kept in one place so that the key names,
 * the check of a prefix against them and the cleanup of a store's own keys
 * cannot drift apart.
 *
 * @module
 */

import { encodeMeta, type ReplyMeta } from "../core/reply.ts";
import type { UsageRecord } from "../core/usage.ts";
import { assertSequenceKey } from "./sequence_key.ts";
import type { SequenceKey } from "./store.ts";

// The names of the store's own keys under its prefix.
const OWN_KEY = /^(?:models$|seq:|usage:|reply:|claims:|prompts?:)/;
const RESERVED_PARTS = new Set(["seq", "usage", "reply", "claims", "prompt", "prompts", "models"]);

/**
 * Redis runs a script atomically: no other command interleaves between
 * reading the length and pushing, so each pushed sample gets a fresh index.
 * KEYS: samples list, models set, prompts set, prompt text, usage list,
 * reply metadata hash.
 * ARGV: model, hash, from, has-prompt flag, prompt, the number of usage
 * records, the records (see {@linkcode usageArgument}), the number of
 * metadata entries, the entries (see {@linkcode metaArgument}), samples…
 * Each record is pushed to the usage list with its first index (the stored
 * length, where the samples go, plus its offset among them); each metadata
 * entry is set in the hash under the index its sample got.
 * Answers every sample from `from` on, or the error `llm-cache gap: <length>`
 * when `from` lies beyond the stored samples (see {@linkcode gapIn}).
 */
export const APPEND_SCRIPT = `
local from = tonumber(ARGV[3])
local length = redis.call('LLEN', KEYS[1])
if from > length then
  return redis.error_reply('ERR llm-cache gap: ' .. length)
end
local metas = 7 + tonumber(ARGV[6])
local first = metas + 1 + tonumber(ARGV[metas])
if #ARGV < first and length == 0 then
  return {}
end
for i = first, #ARGV do
  redis.call('RPUSH', KEYS[1], ARGV[i])
end
for r = 7, metas - 1 do
  local comma = string.find(ARGV[r], ',', 1, true)
  local at = length + tonumber(string.sub(ARGV[r], 1, comma - 1))
  redis.call('RPUSH', KEYS[5], '{"from":' .. at .. string.sub(ARGV[r], comma))
end
for m = metas + 1, first - 1 do
  local comma = string.find(ARGV[m], ',', 1, true)
  local at = length + tonumber(string.sub(ARGV[m], 1, comma - 1))
  redis.call('HSET', KEYS[6], at, string.sub(ARGV[m], comma + 1))
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[4], ARGV[5], 'NX')
end
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return redis.call('LRANGE', KEYS[1], from, -1)
`;

/**
 * Placement (cache slicing): each sample goes to exactly its index, `from`,
 * `from + 1`, …: an index below the stored length keeps its sample, the
 * others are pushed (the list has no gaps, so they follow in order).
 * KEYS and ARGV as {@linkcode APPEND_SCRIPT}, each usage record covering one
 * sample (its offset among them), pushed, and each metadata entry set, only
 * for a sample pushed now.
 * Answers what each index holds, or the error `llm-cache gap: <length>`.
 */
export const PLACE_SCRIPT = `
local from = tonumber(ARGV[3])
local length = redis.call('LLEN', KEYS[1])
if from > length then
  return redis.error_reply('ERR llm-cache gap: ' .. length)
end
local metas = 7 + tonumber(ARGV[6])
local first = metas + 1 + tonumber(ARGV[metas])
if #ARGV < first then
  return {}
end
local held = {}
for i = first, #ARGV do
  local index = from + i - first
  if index < length then
    held[#held + 1] = redis.call('LINDEX', KEYS[1], index)
  else
    redis.call('RPUSH', KEYS[1], ARGV[i])
    held[#held + 1] = ARGV[i]
  end
end
for r = 7, metas - 1 do
  local comma = string.find(ARGV[r], ',', 1, true)
  local at = from + tonumber(string.sub(ARGV[r], 1, comma - 1))
  if at >= length then
    redis.call('RPUSH', KEYS[5], '{"from":' .. at .. string.sub(ARGV[r], comma))
  end
end
for m = metas + 1, first - 1 do
  local comma = string.find(ARGV[m], ',', 1, true)
  local at = from + tonumber(string.sub(ARGV[m], 1, comma - 1))
  if at >= length then
    redis.call('HSET', KEYS[6], at, string.sub(ARGV[m], comma + 1))
  end
end
if ARGV[4] == '1' then
  redis.call('SET', KEYS[4], ARGV[5], 'NX')
end
redis.call('SADD', KEYS[3], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
return held
`;

/**
 * Deletion: the samples from `from` on go (with `from` 0, the sequence, its
 * prompt's place in the model's set, and the model in the models set when
 * it has no prompt left), and the usage list is replaced by the records
 * given (cut down to what stays), unless it changed since it was read.
 * The samples' metadata from `from` on goes with them.
 * KEYS: samples list, models set, prompts set, usage list, reply metadata hash.
 * ARGV: model, hash, from, the length of the usage list as read, records…
 * Answers 1, or 0 when the usage list changed meanwhile (read it again).
 */
export const DELETE_SCRIPT = `
local from = tonumber(ARGV[3])
if redis.call('LLEN', KEYS[4]) ~= tonumber(ARGV[4]) then
  return 0
end
if from == 0 then
  redis.call('DEL', KEYS[1], KEYS[4], KEYS[5])
  redis.call('SREM', KEYS[3], ARGV[2])
  if redis.call('SCARD', KEYS[3]) == 0 then
    redis.call('SREM', KEYS[2], ARGV[1])
  end
  return 1
end
redis.call('LTRIM', KEYS[1], 0, from - 1)
for _, index in ipairs(redis.call('HKEYS', KEYS[5])) do
  if tonumber(index) >= from then
    redis.call('HDEL', KEYS[5], index)
  end
end
redis.call('DEL', KEYS[4])
for i = 5, #ARGV do
  redis.call('RPUSH', KEYS[4], ARGV[i])
end
return 1
`;

/**
 * A compare-and-set of a sequence's claims (see `Store.claim`): the claims
 * value is replaced only when it still holds what the caller last saw, and
 * the sample at the index asked for is still missing.
 * KEYS: the claims value, the samples list.
 * ARGV: the value the caller saw (`''` for none), the index that must be
 * free (`''` for none), what to do (`keep`, `set`, `del`), the new value,
 * how long it lives (ms: past its last claim's lease, so that the claims of
 * a sequence nobody draws go away).
 * Answers `{1}` when done, else `{0, <the value now>, <1 when the sample is
 * stored>}`, which the caller runs its step on again.
 */
export const CLAIM_SCRIPT = `
local now = redis.call('GET', KEYS[1])
if now == false then
  now = ''
end
local taken = 0
if ARGV[2] ~= '' and redis.call('LLEN', KEYS[2]) > tonumber(ARGV[2]) then
  taken = 1
end
if now ~= ARGV[1] or taken == 1 then
  return {0, now, taken}
end
if ARGV[3] == 'set' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[5])
elseif ARGV[3] == 'del' then
  redis.call('DEL', KEYS[1])
end
return {1}
`;

/**
 * How many samples one script call pushes at most; longer batches are split,
 * each part still claiming its indices atomically.
 */
export const MAX_SAMPLES_PER_CALL = 1000;

/**
 * A usage record as the append script takes it: its offset among the
 * samples pushed, a comma, and the rest of its JSON after `"from"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { usageArgument } from "./_redis_layout.ts";
 *
 * const record = { from: 2, count: 1, requests: 1, latencyMs: 9 };
 * assert.equal(usageArgument(record), '2,"count":1,"requests":1,"latencyMs":9}');
 * ```
 */
export function usageArgument(record: UsageRecord): string {
  const json = JSON.stringify(record);
  return `${record.from}${json.slice(json.indexOf(","))}`;
}

/**
 * A sample's metadata as the append script takes it: its offset among the
 * samples pushed, a comma, and the metadata's canonical JSON.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { metaArgument } from "./_redis_layout.ts";
 *
 * assert.equal(metaArgument(1, { finishReason: "stop" }), '1,{"finishReason":"stop"}');
 * ```
 */
export function metaArgument(offset: number, meta: ReplyMeta): string {
  return `${offset},${encodeMeta(meta)}`;
}

/**
 * The server's URL without its `prefix` query parameter, that parameter, and
 * the URL as messages show it (password hidden).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRedisUrl } from "./_redis_layout.ts";
 *
 * const { server, prefix, shown } = parseRedisUrl("redis://u:secret@host:6379/2?prefix=team");
 * assert.equal(server, "redis://u:secret@host:6379/2");
 * assert.equal(prefix, "team");
 * assert.equal(shown, "redis://u:***@host:6379/2");
 * assert.throws(
 *   () => parseRedisUrl("http://u:secret@host"),
 *   /cannot connect to Redis: "http:\/\/u:\*\*\*@host" is not a Redis URL; use redis:\/\//,
 * );
 * ```
 *
 * @throws {TypeError} When `url` is not a `redis://` or `rediss://` URL.
 */
export function parseRedisUrl(
  url: string,
): { server: string; prefix: string | undefined; shown: string } {
  const parsed = typeof url === "string" && /^rediss?:\/\//.test(url) ? URL.parse(url) : null;
  if (parsed === null) {
    throw new TypeError(
      `cannot connect to Redis: ${describeUrl(url)} is not a Redis URL; ` +
        `use redis://host:port or rediss://host:port`,
    );
  }
  const prefix = parsed.searchParams.get("prefix") ?? undefined;
  parsed.searchParams.delete("prefix");
  return { server: parsed.href, prefix, shown: redact(parsed.href) };
}

/**
 * How a store's messages and `location` name it: the server as
 * {@linkcode parseRedisUrl} shows it (no password) and the key prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redisLocation } from "./_redis_layout.ts";
 *
 * assert.equal(redisLocation("redis://host:6379", "team:"), 'redis://host:6379 (prefix "team:")');
 * ```
 */
export function redisLocation(shown: string, prefix: string): string {
  return `${shown} (prefix ${JSON.stringify(prefix)})`;
}

/**
 * The number of stored samples, when `error` is the append script's refusal
 * to leave a gap; else `undefined`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { gapIn } from "./_redis_layout.ts";
 *
 * assert.equal(gapIn(new Error("ERR llm-cache gap: 3")), 3);
 * assert.equal(gapIn(new Error("NOSCRIPT")), undefined);
 * ```
 */
export function gapIn(error: unknown): number | undefined {
  const gap = /llm-cache gap: (\d+)/.exec(error instanceof Error ? error.message : String(error));
  return gap === null ? undefined : Number(gap[1]);
}

/**
 * The key names of one store, under its prefix.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RedisKeys } from "./_redis_layout.ts";
 *
 * const keys = new RedisKeys("team*:");
 * const hash = "ab".repeat(32);
 * assert.equal(keys.sequence({ model: "gpt-4o_1", hash }), `team*:seq:gpt-4o_1:${hash}`);
 * assert.equal(keys.pattern, "team\\*:*");
 * assert.equal(keys.prompts("gpt-4o_1"), "team*:prompts:gpt-4o_1");
 * assert.equal(keys.prompt(hash), `team*:prompt:${hash}`);
 * assert(keys.isOwn("team*:models") && !keys.isOwn("team*:notes"));
 * ```
 */
export class RedisKeys {
  /** The prefix, ending with `:` (or empty). */
  readonly prefix: string;
  /** The set of model keys. */
  readonly models: string;
  /** A SCAN pattern that matches every key under the prefix (and perhaps others'). */
  readonly pattern: string;

  /** @param prefix A prefix already normalized by {@linkcode normalizePrefix}. */
  constructor(prefix: string) {
    this.prefix = prefix;
    this.models = `${prefix}models`;
    this.pattern = `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`;
  }

  /** The list of a sequence's samples; throws a TypeError for a key no store accepts. */
  sequence(key: SequenceKey): string {
    assertSequenceKey(key);
    return `${this.prefix}seq:${key.model}:${key.hash}`;
  }

  /** The list of a sequence's usage records (JSON); throws a TypeError for a bad key. */
  usage(key: SequenceKey): string {
    assertSequenceKey(key);
    return `${this.prefix}usage:${key.model}:${key.hash}`;
  }

  /** The hash of a sequence's reply metadata (JSON), by index; throws a TypeError for a bad key. */
  reply(key: SequenceKey): string {
    assertSequenceKey(key);
    return `${this.prefix}reply:${key.model}:${key.hash}`;
  }

  /** The claims of a sequence (compact JSON); throws a TypeError for a bad key. */
  claims(key: SequenceKey): string {
    assertSequenceKey(key);
    return `${this.prefix}claims:${key.model}:${key.hash}`;
  }

  /** The set of the prompt hashes stored under `model`. */
  prompts(model: string): string {
    return `${this.prefix}prompts:${model}`;
  }

  /** The text of the prompt with this hash. */
  prompt(hash: string): string {
    return `${this.prefix}prompt:${hash}`;
  }

  /**
   * Whether `key` (a full key under the prefix) is one of this store's own:
   * not another cache's whose prefix starts with this one, nor other data.
   */
  isOwn(key: string): boolean {
    return OWN_KEY.test(key.slice(this.prefix.length));
  }
}

/**
 * `prefix` ending with `:`. Its parts may not be the names of the store's
 * own keys: a prefix `x:seq:` would put its keys among those of prefix `x:`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { normalizePrefix } from "./_redis_layout.ts";
 *
 * assert.equal(normalizePrefix("team"), "team:");
 * assert.equal(normalizePrefix(""), "");
 * assert.throws(() => normalizePrefix("x:seq:"), /has a part "seq"/);
 * ```
 *
 * @throws {TypeError} When `prefix` is not a string or has a reserved part.
 */
export function normalizePrefix(prefix: string): string {
  if (typeof prefix !== "string") {
    throw new TypeError(
      `cannot use ${typeof prefix} as the Redis key prefix: a prefix is a string; ` +
        `pass e.g. "team:"`,
    );
  }
  if (prefix === "") return prefix;
  const normalized = prefix.endsWith(":") ? prefix : `${prefix}:`;
  const clash = normalized.slice(0, -1).split(":").find((part) => RESERVED_PARTS.has(part));
  if (clash !== undefined) {
    throw new TypeError(
      `the Redis key prefix ${JSON.stringify(prefix)} has a part "${clash}", the name of ` +
        `one of the store's own keys, so its keys could mix with another cache's: ` +
        `choose another prefix`,
    );
  }
  return normalized;
}

function describeUrl(url: unknown): string {
  return typeof url === "string" ? JSON.stringify(url.replace(/:[^:@/]*@/, ":***@")) : typeof url;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== "") parsed.password = "***";
  return parsed.href.replace(/\/$/, "");
}
