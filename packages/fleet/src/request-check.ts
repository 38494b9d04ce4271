import type { JobState } from 'bullmq';
import type { Redis } from 'ioredis';
import { enqueueDomains } from './enqueue-domains.js';
import type { VerifyQueue } from './queue.js';
import type { FleetKeys } from './redis-keys.js';
import type { ResultStore } from './result-store.js';

export type RequestCheckOutcome =
  /** The stored result is younger than maxAge: nothing queued. */
  | { status: 'fresh'; checkedAt: string | null }
  /** A job for the domain is waiting or running: `enqueued` says whether this call added it. */
  | { status: 'queued'; enqueued: boolean; state: JobState | 'unknown'; checkedAt: string | null };

/**
 * One domain's on-demand re-check (the API's `?refresh=true&maxAge=`, the page's
 * "check again"): the same deduplicated path as `mxv enqueue --max-age`, so a
 * burst of callers for one domain makes one job (the job id is the domain).
 * `domain` must already be normalized (a valid job id).
 */
export async function requestCheck(
  deps: { queue: VerifyQueue; redis: Redis; keys: FleetKeys; store: ResultStore },
  domain: string,
  options: { maxAgeMs: number; priority?: number; now?: () => number },
): Promise<RequestCheckOutcome> {
  const summary = await enqueueDomains(deps, [domain], {
    maxAgeMs: options.maxAgeMs,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const [at] = await deps.store.checkedAtMany([domain]);
  const checkedAt = at === null || at === undefined ? null : new Date(at).toISOString();
  if (summary.invalid > 0) throw new Error(`requestCheck: "${domain}" is not a normalized domain`);
  if (summary.fresh > 0) return { status: 'fresh', checkedAt };
  // The job may already be done (and removed) by the time we ask: "unknown" then.
  const state = await deps.queue.getJobState(domain);
  return { status: 'queued', enqueued: summary.enqueued > 0, state, checkedAt };
}
