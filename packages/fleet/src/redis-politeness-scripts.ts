import type { Result } from 'ioredis';

/*
 * The politeness gate's Lua scripts (RedisPolitenessGate runs them). Every key
 * they touch carries the tag `{<prefix>-polite}` (redis-keys.ts): one slot.
 */

/**
 * KEYS: the group-grants ZSET of this minute, then (recent, leases, backoff) per scope.
 * ARGV: leaseTtlMs, token, concurrencyRetryMs, grantsTtlMs, then (scope, windowMs,
 * allowance, maxOpen, index member or "") per scope. Returns {1, grant time} when granted, {0,
 * retryAfterMs, scope, "rate" | "concurrency"} when not: the scope that asks for
 * the longest wait (the connection cannot start before every scope allows it).
 */
export const ACQUIRE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local leaseTtl = tonumber(ARGV[1])
local concurrencyRetry = tonumber(ARGV[3])
local scopes = (#KEYS - 1) / 3
local windows = {}
local longest, refusedScope, refusedKind = 0, nil, nil
for i = 0, scopes - 1 do
  local recentKey, leasesKey, backoffKey = KEYS[2 + 3 * i], KEYS[3 + 3 * i], KEYS[4 + 3 * i]
  local scope = ARGV[5 + 5 * i]
  local window = tonumber(ARGV[6 + 5 * i])
  local allowance = tonumber(ARGV[7 + 5 * i])
  local backoff = redis.call('HMGET', backoffKey, 'factor', 'notBefore')
  local factor = tonumber(backoff[1] or '1') or 1
  if factor > 1 then window = window * factor end
  windows[i] = window
  redis.call('ZREMRANGEBYSCORE', leasesKey, '-inf', now)
  if redis.call('ZCARD', leasesKey) >= tonumber(ARGV[8 + 5 * i]) then
    local wait = math.max(concurrencyRetry, math.ceil(window / allowance))
    if wait > longest then longest, refusedScope, refusedKind = wait, scope, 'concurrency' end
  end
  local rateWait = 0
  redis.call('ZREMRANGEBYSCORE', recentKey, '-inf', now - window)
  local recent = redis.call('ZCARD', recentKey)
  if recent >= allowance then
    -- The grant whose leaving the window frees a slot (more than the allowance: another worker's larger one).
    local freeing = redis.call('ZRANGE', recentKey, recent - allowance, recent - allowance, 'WITHSCORES')
    rateWait = math.ceil(tonumber(freeing[2]) + window - now)
  end
  local notBefore = tonumber(backoff[2] or '0') or 0
  if notBefore > now then rateWait = math.max(rateWait, math.ceil(notBefore - now)) end
  if rateWait > longest then longest, refusedScope, refusedKind = rateWait, scope, 'rate' end
end
if refusedScope then return {0, longest, refusedScope, refusedKind} end
for i = 0, scopes - 1 do
  local recentKey, leasesKey = KEYS[2 + 3 * i], KEYS[3 + 3 * i]
  redis.call('ZADD', recentKey, now, ARGV[2])
  redis.call('PEXPIRE', recentKey, math.ceil(windows[i]) + 1000)
  redis.call('ZADD', leasesKey, now + leaseTtl, ARGV[2])
  redis.call('PEXPIRE', leasesKey, leaseTtl + 1000)
  local member = ARGV[9 + 5 * i]
  if member ~= '' then redis.call('ZINCRBY', KEYS[1], 1, member) end
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return {1, now}
`;

/**
 * Starts a back-off (or extends it) on every scope of the connection that saw
 * pressure: its window is multiplied by the factor, and its next grant is put
 * off by one slowed slot (window × factor / allowance) at once. Records the
 * back-off in the indexes `mxv status` reads (trimmed of ended ones here).
 *
 * KEYS: address back-off index, group back-off index, then backoff per scope.
 * ARGV: factor, backoffMs, reason, then (windowMs, allowance, index member, scope) per scope.
 * Returns the back-off's end (ms, Redis clock).
 */
export const BACK_OFF = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local factor = tonumber(ARGV[1])
local duration = tonumber(ARGV[2])
local untilAt = now + duration
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
for i = 0, #KEYS - 3 do
  local backoffKey = KEYS[3 + i]
  local slot = tonumber(ARGV[4 + 4 * i]) * factor / tonumber(ARGV[5 + 4 * i])
  local notBefore = math.max(tonumber(redis.call('HGET', backoffKey, 'notBefore') or '0') or 0, now + math.ceil(slot))
  redis.call('HSET', backoffKey, 'factor', ARGV[1], 'until', untilAt, 'reason', ARGV[3], 'notBefore', notBefore)
  redis.call('PEXPIRE', backoffKey, duration)
  if ARGV[7 + 4 * i] == 'address' then
    redis.call('ZADD', KEYS[1], untilAt, ARGV[6 + 4 * i])
  else
    redis.call('ZADD', KEYS[2], untilAt, ARGV[6 + 4 * i])
  end
end
return untilAt
`;

/** Removes one connection's lease from each of its scopes (KEYS: the leases ZSETs; ARGV[1]: the token): one command, not one per scope. */
export const RELEASE = `
for i = 1, #KEYS do redis.call('ZREM', KEYS[i], ARGV[1]) end
return 0
`;

/** Group grants are counted per wall-clock minute; `mxv status` reads this minute's and the one before. */
export const GROUP_GRANTS_TTL_MS = 3 * 60_000;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** ACQUIRE, defined by RedisPolitenessGate: {1, grantedAtMs} or {0, retryAfterMs, scope, kind}. */
    mxvPoliteAcquire(...keysThenArgs: Array<string | number>): Result<[number, number, string?, string?], Context>;
    /** RELEASE, defined by RedisPolitenessGate. */
    mxvPoliteRelease(...keysThenArgs: Array<string | number>): Result<number, Context>;
    /** BACK_OFF, defined by RedisPolitenessGate: the back-off's end (ms, Redis clock). */
    mxvPoliteBackOff(...keysThenArgs: Array<string | number>): Result<number, Context>;
  }
}
