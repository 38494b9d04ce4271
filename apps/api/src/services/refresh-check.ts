import { requestCheck } from '@mxv/fleet';
import type { RefreshQueued } from '../schemas/api-schemas.js';
import type { ApiServices } from './api-services.js';

/**
 * The on-demand re-check behind `?refresh=true` and the page's "check again":
 * enqueues when the stored result is older than `maxAgeMs` (never younger than
 * the configured minimum, so a button cannot be used to hammer a host).
 * Null when the stored result is fresh enough to serve as it is.
 */
export async function refreshCheck(services: ApiServices, domain: string, maxAgeMs: number): Promise<RefreshQueued | null> {
  const outcome = await requestCheck(services, domain, { maxAgeMs: Math.max(maxAgeMs, services.limits.minRefreshAgeMs) });
  if (outcome.status === 'fresh') return null;
  const after = outcome.checkedAt ? `?after=${encodeURIComponent(outcome.checkedAt)}` : '';
  return {
    domain,
    status: 'queued',
    enqueued: outcome.enqueued,
    job: { id: domain, state: outcome.state },
    checkedAt: outcome.checkedAt,
    events: `/v1/domains/${encodeURIComponent(domain)}/events${after}`,
  };
}
