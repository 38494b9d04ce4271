import { isTransientResult, type DomainCheck, type HostProbeSource } from '@mxv/probe';
import { defaultsOf } from '@mxv/probe/bounds';
import type { CheckResult } from '@mxv/schema';
import { RETRY_BOUNDS } from './bounds.js';
import { verifyJobDataSchema, type VerifyJobData } from './queue.js';
import type { WriteOutcome } from './result-store.js';

export interface RetryPolicy {
  /** Runs of a domain whose result is transient, the last one stored whatever it says. */
  maxAttempts: number;
  /** Delay before the first re-run of a transient result; doubles each time. */
  retryBaseMs: number;
  /** Random extra delay (0..jitterMs) so deferred jobs that share a host do not come back in one burst. */
  jitterMs: number;
}

/** Written once, with the ranges the CLI checks, in bounds.ts. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = defaultsOf(RETRY_BOUNDS);

/** What the processor needs of a BullMQ job: an interface, so the logic is tested without a queue. */
export interface VerifyJobHandle {
  id?: string | undefined;
  data: unknown;
  updateData(data: VerifyJobData): Promise<void>;
  moveToDelayed(timestamp: number, token?: string): Promise<void>;
}

export interface VerifyJobDeps {
  check: (domain: string, hosts: HostProbeSource, signal?: AbortSignal) => Promise<DomainCheck>;
  hosts: HostProbeSource;
  write: (result: CheckResult) => Promise<WriteOutcome>;
  retry: RetryPolicy;
  now?: () => number;
  random?: () => number;
}

/**
 * What happened to one job run; the BullMQ wrapper turns `delayed` into
 * DelayedError (the job waits in the delayed set, not in a worker slot).
 */
export type VerifyJobOutcome =
  | { status: 'stored'; result: CheckResult; write: WriteOutcome['status'] }
  | { status: 'delayed'; why: 'deferred' | 'transient' | 'handed_back'; delayMs: number; reason: string; attempt: number }
  | { status: 'bad_job'; reason: string };

export async function processVerifyJob(
  job: VerifyJobHandle,
  token: string | undefined,
  deps: VerifyJobDeps,
  signal?: AbortSignal,
): Promise<VerifyJobOutcome> {
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  const domain = job.id;
  if (!domain) return { status: 'bad_job', reason: 'job without id' };
  const data = verifyJobDataSchema.safeParse(job.data ?? {});
  const previousRuns = data.success ? (data.data.t ?? 0) : 0;
  const attempt = previousRuns + 1;
  const jitter = (): number => Math.floor(random() * deps.retry.jitterMs);

  const outcome = await deps.check(domain, deps.hosts, signal);
  if (signal?.aborted) {
    // Draining past its deadline: hand the job back at once instead of letting its lock lapse.
    await job.moveToDelayed(now(), token);
    return { status: 'delayed', why: 'handed_back', delayMs: 0, reason: 'worker_shutdown', attempt };
  }
  if (outcome.status === 'deferred') {
    const delayMs = Math.max(1, outcome.retryAfterMs) + jitter();
    await job.moveToDelayed(now() + delayMs, token);
    return { status: 'delayed', why: 'deferred', delayMs, reason: outcome.reason, attempt };
  }
  const result = outcome.result;
  if (isTransientResult(result) && attempt < deps.retry.maxAttempts) {
    const delayMs = deps.retry.retryBaseMs * 2 ** previousRuns + jitter();
    await job.updateData({ t: attempt });
    await job.moveToDelayed(now() + delayMs, token);
    return { status: 'delayed', why: 'transient', delayMs, reason: result.verdict, attempt };
  }
  const stored: CheckResult = { ...result, attempts: attempt };
  const write = await deps.write(stored);
  return { status: 'stored', result: stored, write: write.status };
}
