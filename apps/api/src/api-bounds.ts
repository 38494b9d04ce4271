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
  /** Live checks without a token that queue a job, per client address per minute (0: none without a token). */
  anonymousChecksPerMinute: { min: 0, max: 100_000, default: 3 },
  /** Live checks without a token that queue a job, all clients of all API processes together, per minute (kept in Redis). */
  anonymousChecksFleetPerMinute: { min: 0, max: 10_000_000, default: 60 },
  /** SSE streams open at once; past it answers 503. */
  maxEventStreams: { min: 1, max: 1_000_000, default: 1_000 },
  /** SSE streams one client address may hold open at once; past it answers 429 (one client cannot take every slot). */
  maxEventStreamsPerClient: { min: 1, max: 1_000_000, default: 8 },
  /** An SSE stream that saw no result for this long ends with a `timeout` event (at most the rate window, so a held slot is given back within it). */
  eventStreamTimeoutMs: { min: 100, max: 3_600_000, default: 60_000 },
  /** Comment lines on an idle SSE stream, so proxies keep it open. */
  eventKeepAliveMs: { min: 100, max: 600_000, default: 15_000 },
  /** A refresh never re-checks a result younger than this, whatever maxAge says (one client cannot make the fleet probe a domain in a loop). */
  minRefreshAgeMs: { min: 0, max: MAX_DURATION_MS, default: 60_000 },
  /** Time to receive a whole request, headers and body (Node's requestTimeout): a client that trickles its body is cut (408). */
  requestTimeoutMs: { min: 1_000, max: 3_600_000, default: 30_000 },
  /** Time to receive the request headers (Node's headersTimeout, at most requestTimeoutMs): slow-header clients are cut. */
  headersTimeoutMs: { min: 1_000, max: 3_600_000, default: 10_000 },
  /** A socket with no traffic either way for this long is closed (Fastify's connectionTimeout; above eventKeepAliveMs, or SSE streams die). */
  connectionTimeoutMs: { min: 1_000, max: 3_600_000, default: 60_000 },
  /** An idle keep-alive connection is closed after this long (Fastify's keepAliveTimeout). */
  keepAliveTimeoutMs: { min: 100, max: 600_000, default: 5_000 },
  /** How often Node looks for requests past requestTimeoutMs/headersTimeoutMs (its connectionsCheckingInterval; Node's own is 30 s). */
  timeoutCheckIntervalMs: { min: 100, max: 60_000, default: 1_000 },
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
/** `--trust-proxy N`: proxies in front of the API that append to X-Forwarded-For (a load balancer and an ingress: 2). */
export const TRUST_PROXY_HOPS_BOUND = { min: 1, max: 32, default: 1 } as const satisfies NumberBound;
/** Shortest bearer token accepted. */
export const MIN_TOKEN_CHARS = 8;
