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
  return {
    status: 'queued',
    queued: {
      domain,
      status: 'queued',
      enqueued: outcome.enqueued,
      job: { id: domain, state: outcome.state },
      checkedAt: outcome.checkedAt,
      events: nextResultEventsPath(domain, outcome.checkedAt),
    },
  };
}

/** `after` for a domain with no stored result: any result that lands is the new one. */
const ANY_RESULT = new Date(0).toISOString();

/** What a result must be newer than to be the one a check queued now brings: the stored one's time, or any. */
export function newerThan(storedCheckedAt: string | null): string {
  return storedCheckedAt ?? ANY_RESULT;
}

/**
 * The events stream that waits for the result of a check just queued: one newer
 * than the result stored when it was queued, or, with none stored, any result.
 * Always with `after`: the stream then also reads the store when it opens, so a
 * quick check whose result landed before the client opened the stream is sent
 * at once (without `after`, the stream waits for the next one, which never comes).
 */
export function nextResultEventsPath(domain: string, storedCheckedAt: string | null): string {
  return `/v1/domains/${encodeURIComponent(domain)}/events?after=${encodeURIComponent(newerThan(storedCheckedAt))}`;
}
