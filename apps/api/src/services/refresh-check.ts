import { ANONYMOUS_CHECK_PRIORITY, requestCheck } from '@mxv/fleet';
import { ApiError } from '../errors/api-error.js';
import type { RefreshQueued } from '../schemas/api-schemas.js';
import type { ApiServices } from './api-services.js';

/** Who asks for a live check: a token-holder keeps the fleet's limits; anyone else spends the anonymous budget. */
export type LiveCheckCaller = { kind: 'token' } | { kind: 'anonymous'; client: string };

export type RefreshOutcome =
  | { status: 'queued'; queued: RefreshQueued }
  /** The stored result is young enough to serve as it is. */
  | { status: 'fresh' }
  | { status: 'refused'; error: ApiError };

/**
 * The on-demand re-check behind POST /v1/domains/{domain}/refresh and the
 * page's "check again": enqueues when the stored result is older than
 * `maxAgeMs` (never younger than the configured minimum, so a button cannot be
 * used to hammer a host). Anonymous callers spend the live-check budget and
 * their jobs wait behind everyone else's (lowest BullMQ priority).
 */
export async function refreshCheck(
  services: ApiServices,
  domain: string,
  maxAgeMs: number,
  caller: LiveCheckCaller,
): Promise<RefreshOutcome> {
  const outcome = await requestCheck(services, domain, {
    maxAgeMs: Math.max(maxAgeMs, services.limits.minRefreshAgeMs),
    ...(caller.kind === 'anonymous'
      ? { priority: ANONYMOUS_CHECK_PRIORITY, admit: () => services.liveChecks.admit(caller.client) }
      : {}),
  });
  if (outcome.status === 'fresh') return { status: 'fresh' };
  if (outcome.status === 'refused') {
    const seconds = Math.max(1, Math.ceil(outcome.retryAfterMs / 1000));
    const whose = outcome.reason === 'per_client' ? 'from this client' : 'from all clients together';
    const error = new ApiError('live_check_limited', {
      message: `Too many live checks without a token ${whose}; retry in ${seconds} s, or send Authorization: Bearer <token>`,
      reason: outcome.reason,
      headers: { 'retry-after': String(seconds) },
    });
    return { status: 'refused', error };
  }
  const after = outcome.checkedAt ? `?after=${encodeURIComponent(outcome.checkedAt)}` : '';
  return {
    status: 'queued',
    queued: {
      domain,
      status: 'queued',
      enqueued: outcome.enqueued,
      job: { id: domain, state: outcome.state },
      checkedAt: outcome.checkedAt,
      events: `/v1/domains/${encodeURIComponent(domain)}/events${after}`,
    },
  };
}
