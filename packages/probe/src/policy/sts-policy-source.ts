import type { z } from 'zod';
import type { cachedStsPolicySchema } from './cached-sts-policy-schema.js';
import type { StsPolicyFetcher } from './fetch-sts-policy.js';
import { parseStsPolicy, type StsPolicy } from './sts-policy.js';

/** A policy as a cache holds it: parsed, valid, for one (domain, id); its schema is cached-sts-policy-schema.ts. */
export type CachedStsPolicy = z.infer<typeof cachedStsPolicySchema>;

/** How a policy was obtained: from a cache, fetched now, or not at all (with the fetch or parse error). */
export type StsPolicyObtained =
  | { status: 'cached'; policy: CachedStsPolicy }
  | { status: 'fetched'; policy: CachedStsPolicy }
  | { status: 'failed'; error: string };

/**
 * Where the engine gets a domain's MTA-STS policy for the id its TXT record
 * names, like HostProbeSource for host probes: direct mode keeps policies in
 * process (MemoryStsPolicySource), the fleet in Redis (RedisStsPolicySource),
 * so that a million domains of one provider's policy host do not fetch the
 * same policy a million times. A new id in DNS is a new key: RFC 8461 3.1 says
 * a changed id means a changed policy.
 */
export interface StsPolicySource {
  obtain(domain: string, id: string, signal?: AbortSignal): Promise<StsPolicyObtained>;
}

/** Fetch and parse one policy: the shared step of every StsPolicySource on a miss. */
export async function fetchStsPolicy(
  fetcher: StsPolicyFetcher,
  domain: string,
  id: string,
  now: () => number,
  signal?: AbortSignal,
): Promise<{ status: 'ok'; policy: CachedStsPolicy } | { status: 'failed'; error: string }> {
  const fetched = await fetcher.fetch(domain, signal);
  if (fetched.status === 'failed') return fetched;
  const parsed = parseStsPolicy(fetched.body);
  if (parsed.status === 'invalid') return { status: 'failed', error: parsed.error };
  return { status: 'ok', policy: toCached(parsed.policy, id, now) };
}

function toCached(policy: StsPolicy, id: string, now: () => number): CachedStsPolicy {
  return { id, mode: policy.mode, mx: policy.mx, maxAge: policy.maxAge, fetchedAt: new Date(now()).toISOString() };
}

/** How long a policy is reused: its max_age (RFC 8461 3.2), capped by the operator's bound, in seconds. */
export function stsCacheSeconds(policy: Pick<CachedStsPolicy, 'maxAge'>, maxCacheSeconds: number): number {
  return Math.max(0, Math.min(policy.maxAge, maxCacheSeconds));
}
