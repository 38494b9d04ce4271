import type { FleetRedis, Logger } from '@mxv/fleet';
import type { Registry } from 'prom-client';
import { createAddressPolicy } from '@mxv/probe';
import { boundsSchema } from '@mxv/probe/schemas';
import { API_LIMIT_BOUNDS, DEFAULT_API_LIMITS, MIN_TOKEN_CHARS, TRUST_PROXY_HOPS_BOUND, type ApiLimits } from './api-bounds.js';

export { API_LIMIT_BOUNDS, DEFAULT_API_LIMITS, type ApiLimits } from './api-bounds.js';

const apiLimitsSchema = boundsSchema(API_LIMIT_BOUNDS);

export interface ApiOptions {
  /** A Redis URL (the API opens and closes its connections) or a connection the caller owns and closes. */
  redis: string | FleetRedis;
  /** The URL names Redis Cluster nodes whatever its scheme (`--redis-cluster`). */
  redisCluster?: boolean;
  /** Key prefix of the fleet (README "Redis key layout"), default `mxv`. */
  prefix?: string;
  /** Queue shards of the fleet (as agreed in `<prefix>:config`; `mxv api` reads it there), default 1. */
  shards?: number;
  /** Bearer token of the write API and the queue dashboard; null/undefined: both are disabled. */
  token?: string | null;
  limits?: Partial<ApiLimits>;
  /** Registry served at /metrics; default: a new one with the process metrics. */
  registry?: Registry;
  /** Request logs; default none. */
  logger?: Logger;
  /**
   * Which proxies may set the client address through X-Forwarded-For (it keys
   * every per-client limit): a hop count (the last N hops are our own proxies)
   * or the addresses/CIDR ranges of our proxies. Undefined: none, the socket's
   * peer is the client. Never "every hop": a client would choose its own key.
   */
  trustProxy?: TrustProxy;
}

export type TrustProxy = { hops: number } | { ranges: readonly string[] };

export type ApiOptionsCheck = { status: 'ok'; limits: ApiLimits } | { status: 'invalid'; reason: string };

export function resolveApiLimits(options: ApiOptions): ApiOptionsCheck {
  const parsed = apiLimitsSchema.safeParse({ ...DEFAULT_API_LIMITS, ...options.limits });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { status: 'invalid', reason: `limits.${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}` };
  }
  if (parsed.data.headersTimeoutMs > parsed.data.requestTimeoutMs) {
    return { status: 'invalid', reason: 'limits.headersTimeoutMs must not exceed limits.requestTimeoutMs' };
  }
  if (parsed.data.connectionTimeoutMs <= parsed.data.eventKeepAliveMs) {
    return {
      status: 'invalid',
      reason: 'limits.connectionTimeoutMs must exceed limits.eventKeepAliveMs (idle SSE streams would be cut)',
    };
  }
  const proxy = checkTrustProxy(options.trustProxy);
  if (proxy !== null) return { status: 'invalid', reason: proxy };
  if (options.token !== undefined && options.token !== null && options.token.length < MIN_TOKEN_CHARS) {
    return { status: 'invalid', reason: `the API token must be at least ${MIN_TOKEN_CHARS} characters` };
  }
  return { status: 'ok', limits: parsed.data };
}

/** Null when `trustProxy` is usable, else what is wrong with it. */
function checkTrustProxy(trust: TrustProxy | undefined): string | null {
  if (trust === undefined) return null;
  if ('hops' in trust) {
    const { min, max } = TRUST_PROXY_HOPS_BOUND;
    return Number.isInteger(trust.hops) && trust.hops >= min && trust.hops <= max
      ? null
      : `trustProxy.hops must be a whole number from ${min} to ${max}`;
  }
  if (trust.ranges.length === 0) return 'trustProxy.ranges must name at least one address or CIDR range';
  // The same address/CIDR parser as --allow-net: one notion of a range in the whole tool.
  const parsed = createAddressPolicy(trust.ranges);
  return parsed.status === 'invalid' ? `trustProxy.ranges: "${parsed.entry}": ${parsed.reason}` : null;
}
