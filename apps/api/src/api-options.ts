import type { Redis } from 'ioredis';
import type { Logger } from '@mxv/fleet';
import type { Registry } from 'prom-client';
import { boundsSchema } from '@mxv/probe';
import { API_LIMIT_BOUNDS, DEFAULT_API_LIMITS, MIN_TOKEN_CHARS, type ApiLimits } from './api-bounds.js';

export { API_LIMIT_BOUNDS, DEFAULT_API_LIMITS, type ApiLimits } from './api-bounds.js';

const apiLimitsSchema = boundsSchema(API_LIMIT_BOUNDS);

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
  if (options.token !== undefined && options.token !== null && options.token.length < MIN_TOKEN_CHARS) {
    return { status: 'invalid', reason: `the API token must be at least ${MIN_TOKEN_CHARS} characters` };
  }
  return { status: 'ok', limits: parsed.data };
}
