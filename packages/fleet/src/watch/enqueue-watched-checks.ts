import { VERIFY_JOB_NAME, type VerifyJobData, type VerifyQueue } from '../queue.js';

/** One watched domain to check now, and the oldest host probe its check may reuse (the watch's interval, ms). */
export interface WatchedCheck {
  domain: string;
  everyMs: number;
}

/**
 * Hands due watches to the verify queue, one job each, in one addBulk: the job
 * id is the domain, so a domain whose check is already waiting or running is
 * not queued twice. The only way the tick enqueues, so a fleet whose verify
 * queue is split into shards routes here (the queue is the caller's choice).
 */
export async function enqueueWatchedChecks(queue: VerifyQueue, checks: readonly WatchedCheck[]): Promise<void> {
  if (checks.length === 0) return;
  await queue.addBulk(
    checks.map((check) => ({
      name: VERIFY_JOB_NAME,
      data: { a: check.everyMs } satisfies VerifyJobData,
      opts: { jobId: check.domain },
    })),
  );
}
