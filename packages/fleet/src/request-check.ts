import type { JobState } from 'bullmq';
import type { FleetRedis } from './redis-connection.js';
import { enqueueDomains } from './enqueue-domains.js';
import type { VerifyQueue } from './queue.js';
import type { FleetKeys } from './redis-keys.js';
import type { ResultStore } from './result-store.js';

/** What a budget says about one live check that would queue a job. */
export type CheckAdmission = { status: 'admitted' } | { status: 'refused'; reason: string; retryAfterMs: number };

export type RequestCheckOutcome =
  /** The stored result is younger than maxAge: nothing queued. */
  | { status: 'fresh'; checkedAt: string | null }
  /** A job for the domain is waiting or running: `enqueued` says whether this call added it. */
  | { status: 'queued'; enqueued: boolean; state: JobState | 'unknown'; checkedAt: string | null }
  /** A new job was needed but `admit` refused it: nothing queued. */
  | { status: 'refused'; reason: string; retryAfterMs: number; checkedAt: string | null };

export interface RequestCheckOptions {
  maxAgeMs: number;
  priority?: number;
  /**
   * Asked only when the check would queue a new job (no fresh result, no job
   * waiting or running): a budget is spent on work the fleet does, never on a
   * refresh that changes nothing.
   */
  admit?: () => Promise<CheckAdmission>;
  now?: () => number;
}

type Deps = { queue: VerifyQueue; redis: FleetRedis; keys: FleetKeys; store: ResultStore };

/**
 * One domain's on-demand re-check (the API's refresh routes, the page's
 * "check again"): the same deduplicated path as `mxv enqueue --max-age`, so a
 * burst of callers for one domain makes one job (the job id is the domain).
 * `domain` must already be normalized (a valid job id).
 */
export async function requestCheck(deps: Deps, domain: string, options: RequestCheckOptions): Promise<RequestCheckOutcome> {
  const now = options.now ?? Date.now;
  if (options.admit) {
    const [exists, [at]] = await Promise.all([deps.redis.exists(deps.keys.job(domain)), deps.store.checkedAtMany([domain])]);
    const fresh = at !== null && at !== undefined && now() - at < options.maxAgeMs;
    if (exists === 0 && !fresh) {
      const admission = await options.admit();
      if (admission.status === 'refused') {
        return { ...admission, checkedAt: at === null || at === undefined ? null : new Date(at).toISOString() };
      }
    }
  }
  const summary = await enqueueDomains(deps, [domain], {
    maxAgeMs: options.maxAgeMs,
    ...(options.priority !== undefined ? { priority: options.priority } : {}),
    // A token-holder's refresh of a domain an anonymous caller queued first must not wait at the back with it.
    raiseDuplicates: true,
    now,
  });
  const [at] = await deps.store.checkedAtMany([domain]);
  const checkedAt = at === null || at === undefined ? null : new Date(at).toISOString();
  if (summary.invalid > 0) throw new Error(`requestCheck: "${domain}" is not a normalized domain`);
  if (summary.fresh > 0) return { status: 'fresh', checkedAt };
  // The job may already be done (and removed) by the time we ask: "unknown" then.
  const state = await deps.queue.getJobState(domain);
  return { status: 'queued', enqueued: summary.enqueued > 0, state, checkedAt };
}
