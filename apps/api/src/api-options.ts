import type { Redis } from 'ioredis';
import type { Logger } from '@mxv/fleet';
import type { Registry } from 'prom-client';
import { z } from 'zod';

/** Every bound of the API, named; `buildApiApp` validates them once. */
export interface ApiLimits {
  /** Largest request body (bytes); larger answers 413. */
  bodyLimitBytes: number;
  /** Domains in one POST /v1/checks. */
  maxDomainsPerRequest: number;
  /** Longest domain input accepted in a path or body (RFC 1035 allows 253 in presentation form; e-mail addresses and Unicode take more). */
  maxInputChars: number;
  /** Requests per client address per minute (0: no limit, for benchmarks behind another limiter). */
  rateLimitPerMinute: number;
  /** SSE streams open at once; past it answers 503. */
  maxEventStreams: number;
  /** An SSE stream that saw no result for this long ends with a `timeout` event. */
  eventStreamTimeoutMs: number;
  /** Comment lines on an idle SSE stream, so proxies keep it open. */
  eventKeepAliveMs: number;
  /** A refresh never re-checks a result younger than this, whatever maxAge says (one client cannot make the fleet probe a domain in a loop). */
  minRefreshAgeMs: number;
  /** Redis command timeout of the API's connection: a stuck Redis answers 503 instead of hanging requests. */
  redisCommandTimeoutMs: number;
  /** GET /v1/domains/{domain} may answer from memory for this long after reading Redis (0: always read). */
  resultCacheMs: number;
  /** Results held by that cache at most. */
  resultCacheEntries: number;
}

export const DEFAULT_API_LIMITS: ApiLimits = {
  bodyLimitBytes: 256 * 1024,
  maxDomainsPerRequest: 1_000,
  maxInputChars: 1_024,
  rateLimitPerMinute: 600,
  maxEventStreams: 1_000,
  eventStreamTimeoutMs: 120_000,
  eventKeepAliveMs: 15_000,
  minRefreshAgeMs: 60_000,
  redisCommandTimeoutMs: 2_000,
  resultCacheMs: 1_000,
  resultCacheEntries: 10_000,
};

const apiLimitsSchema = z.object({
  bodyLimitBytes: z
    .number()
    .int()
    .min(1_024)
    .max(64 * 1024 * 1024),
  maxDomainsPerRequest: z.number().int().min(1).max(100_000),
  maxInputChars: z.number().int().min(253).max(8_192),
  rateLimitPerMinute: z.number().int().min(0),
  maxEventStreams: z.number().int().min(1).max(1_000_000),
  eventStreamTimeoutMs: z.number().int().min(100).max(3_600_000),
  eventKeepAliveMs: z.number().int().min(100).max(600_000),
  minRefreshAgeMs: z.number().int().min(0),
  redisCommandTimeoutMs: z.number().int().min(10).max(600_000),
  resultCacheMs: z.number().int().min(0).max(60_000),
  resultCacheEntries: z.number().int().min(1).max(10_000_000),
});

export interface ApiOptions {
  /** A Redis URL (the API opens and closes its connections) or a connection the caller owns and closes. */
  redis: string | Redis;
  /** Key prefix of the fleet (README "Redis key layout"), default `mxv`. */
  prefix?: string;
  /** Bearer token of the write API and the queue dashboard; null/undefined: both are disabled. */
  token?: string | null;
  limits?: Partial<ApiLimits>;
  /** Registry served at /metrics; default: a new one with the process metrics. */
  registry?: Registry;
  /** Request logs; default none. */
  logger?: Logger;
  /** Take the client address from X-Forwarded-For (behind a reverse proxy): it keys the rate limit. */
  trustProxy?: boolean;
}

export type ApiOptionsCheck = { status: 'ok'; limits: ApiLimits } | { status: 'invalid'; reason: string };

export function resolveApiLimits(options: ApiOptions): ApiOptionsCheck {
  const parsed = apiLimitsSchema.safeParse({ ...DEFAULT_API_LIMITS, ...options.limits });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'invalid', reason: `limits.${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}` };
  }
  if (options.token !== undefined && options.token !== null && options.token.length < 8) {
    return { status: 'invalid', reason: 'the API token must be at least 8 characters' };
  }
  return { status: 'ok', limits: parsed.data };
}
