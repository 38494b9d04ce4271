import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { FleetKeys } from './redis-keys.js';

/** The BullMQ job name of a domain check. */
export const VERIFY_JOB_NAME = 'check';

/**
 * A job's data, kept minimal (Redis bytes per queued domain, README "Redis key layout"): the job
 * id is the normalized domain, so the data only carries the retry count of
 * transient results (`t`, absent on the first run). Politeness deferrals do not
 * count as attempts.
 */
export const verifyJobDataSchema = z.object({
  t: z.number().int().min(0).optional(),
  /**
   * A watched re-check (the watch's interval, ms): host probes older than this
   * are probed afresh instead of reused, so the check sees the world as it is now.
   */
  a: z.number().int().min(1).optional(),
});
export type VerifyJobData = z.infer<typeof verifyJobDataSchema>;

export type VerifyQueue = Queue<VerifyJobData, void, string>;

export function createVerifyQueue(redis: Redis, keys: FleetKeys): VerifyQueue {
  return new Queue<VerifyJobData, void, string>(keys.queueName, { connection: redis, prefix: keys.bullPrefix });
}

export type JobIdCheck = { status: 'ok'; jobId: string } | { status: 'invalid'; reason: string };

/**
 * The job id of a normalized domain. BullMQ refuses ids that parse as integers
 * (they collide with its own counter ids) and ids with ":"; an all-digit name
 * cannot be a mail domain anyway (RFC 3696 2: a TLD is never all-numeric).
 */
export function jobIdFor(domain: string): JobIdCheck {
  if (/^\d+$/.test(domain)) return { status: 'invalid', reason: 'numeric_name' };
  if (domain.includes(':')) return { status: 'invalid', reason: 'bad_character' };
  return { status: 'ok', jobId: domain };
}
