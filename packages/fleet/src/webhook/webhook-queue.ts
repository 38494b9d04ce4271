import { Queue } from 'bullmq';
import type { FleetRedis } from '../redis-connection.js';
import { z } from 'zod';
import type { FleetKeys } from '../redis-keys.js';

export const WEBHOOK_JOB_NAME = 'deliver';

/** One delivery: where, and the exact body to sign and send (built once, so every attempt sends the same bytes). */
export const webhookJobDataSchema = z.object({ url: z.string(), body: z.string(), domain: z.string() });
export type WebhookJobData = z.infer<typeof webhookJobDataSchema>;

export type WebhookQueue = Queue<WebhookJobData, void, string>;

export function createWebhookQueue(redis: FleetRedis, keys: FleetKeys): WebhookQueue {
  return new Queue<WebhookJobData, void, string>(keys.webhookQueueName, { connection: redis, prefix: keys.bullPrefix });
}

/** CONTRACT "Fleet": the body of a change notification. */
export function changedBody(domain: string, at: string, changes: unknown[]): string {
  return JSON.stringify({ type: 'changed', domain, at, changes });
}

/**
 * The delivery's job id: one per (domain, change record), so a follow-up that
 * runs twice (a re-run job) does not deliver twice. BullMQ ids may not hold ":".
 */
export function webhookJobId(domain: string, at: string): string {
  return `${domain}@${Date.parse(at)}`;
}

export interface DeadLetterSummary {
  failed: number;
  waiting: number;
  delayed: number;
}

export async function webhookQueueCounts(queue: WebhookQueue): Promise<DeadLetterSummary> {
  const counts = await queue.getJobCounts('failed', 'waiting', 'delayed');
  return { failed: counts['failed'] ?? 0, waiting: counts['waiting'] ?? 0, delayed: counts['delayed'] ?? 0 };
}

/**
 * Dead letters (deliveries that used up their attempts, kept as failed jobs)
 * are put back to be delivered again, with a fresh set of attempts.
 */
export async function replayDeadLetters(queue: WebhookQueue): Promise<number> {
  const { failed } = await webhookQueueCounts(queue);
  if (failed > 0) await queue.retryJobs({ state: 'failed', count: 1_000 });
  return failed;
}
