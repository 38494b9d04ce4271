/**
 * Every bound of the API as plain data, written once: `ApiLimits`, its
 * defaults, the zod schema that `buildApiApp` validates with, and the flags of
 * `mxv api` all come from this table. The light entry point `@mxv/api/bounds`:
 * it loads neither Fastify nor Redis, so `mxv --help` stays fast.
 */
import { defaultsOf, type NumberBound } from '@mxv/probe/bounds';
import { MAX_DURATION_MS } from '@mxv/fleet/bounds';

export const API_LIMIT_BOUNDS = {
  /** Largest request body (bytes); larger answers 413. */
  bodyLimitBytes: { min: 1_024, max: 64 * 1024 * 1024, default: 256 * 1024 },
  /** Domains in one POST /v1/checks. */
  maxDomainsPerRequest: { min: 1, max: 100_000, default: 1_000 },
  /** Longest domain input accepted in a path or body (RFC 1035 allows 253 in presentation form; e-mail addresses and Unicode take more). */
  maxInputChars: { min: 253, max: 8_192, default: 1_024 },
  /** Requests per client address per minute (0: no limit, for benchmarks behind another limiter). */
  rateLimitPerMinute: { min: 0, max: 10_000_000, default: 600 },
  /** SSE streams open at once; past it answers 503. */
  maxEventStreams: { min: 1, max: 1_000_000, default: 1_000 },
  /** An SSE stream that saw no result for this long ends with a `timeout` event. */
  eventStreamTimeoutMs: { min: 100, max: 3_600_000, default: 120_000 },
  /** Comment lines on an idle SSE stream, so proxies keep it open. */
  eventKeepAliveMs: { min: 100, max: 600_000, default: 15_000 },
  /** A refresh never re-checks a result younger than this, whatever maxAge says (one client cannot make the fleet probe a domain in a loop). */
  minRefreshAgeMs: { min: 0, max: MAX_DURATION_MS, default: 60_000 },
  /** Redis command timeout of the API's connection: a stuck Redis answers 503 instead of hanging requests. */
  redisCommandTimeoutMs: { min: 10, max: 600_000, default: 2_000 },
  /** GET /v1/domains/{domain} may answer from memory for this long after reading Redis (0: always read). */
  resultCacheMs: { min: 0, max: 60_000, default: 1_000 },
  /** Results held by that cache at most. */
  resultCacheEntries: { min: 1, max: 10_000_000, default: 10_000 },
} as const satisfies Record<string, NumberBound>;

/** Every bound of the API, named (see API_LIMIT_BOUNDS for what each means); `buildApiApp` validates them once. */
export type ApiLimits = { [K in keyof typeof API_LIMIT_BOUNDS]: number };

export const DEFAULT_API_LIMITS: ApiLimits = defaultsOf(API_LIMIT_BOUNDS);

/** Where the API listens by default (`mxv api --host/--port`). */
export const DEFAULT_API_HOST = '127.0.0.1';
export const DEFAULT_API_PORT = 8080;
/** Shortest bearer token accepted. */
export const MIN_TOKEN_CHARS = 8;
