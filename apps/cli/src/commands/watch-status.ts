import { createWebhookQueue, webhookQueueCounts, WatchList, type FleetKeys, type FleetRedis } from '@mxv/fleet';

export interface WatchStatus {
  watched: number;
  webhooks: { waiting: number; delayed: number; deadLetters: number };
}

/** The watch list and webhook deliveries, for `mxv status`. */
export async function readWatchStatus(redis: FleetRedis, keys: FleetKeys): Promise<WatchStatus> {
  const queue = createWebhookQueue(redis, keys);
  try {
    const [watched, counts] = await Promise.all([new WatchList(redis, keys).count(), webhookQueueCounts(queue)]);
    return { watched, webhooks: { waiting: counts.waiting, delayed: counts.delayed, deadLetters: counts.failed } };
  } finally {
    await queue.close();
  }
}

export function renderWatchStatus(s: WatchStatus): string {
  const dead = s.webhooks.deadLetters > 0 ? ` — replay with: mxv watch replay` : '';
  return [
    `watches   ${s.watched} domain(s) watched`,
    `webhooks  waiting ${s.webhooks.waiting}  retrying ${s.webhooks.delayed}  dead letters ${s.webhooks.deadLetters}${dead}`,
  ].join('\n');
}
