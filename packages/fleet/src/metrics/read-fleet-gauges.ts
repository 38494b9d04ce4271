import { execPerNode } from '../exec-per-node.js';
import type { FleetRedis } from '../redis-connection.js';
import type { VerifyQueue } from '../queue.js';
import type { FleetKeys } from '../redis-keys.js';

/** Queue states exported as `mxv_queue_jobs{state}` (completed is always 0: jobs are removed on completion). */
export const QUEUE_GAUGE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed'] as const;
export type QueueGaugeState = (typeof QUEUE_GAUGE_STATES)[number];

export interface FleetGauges {
  queue: Record<QueueGaugeState, number>;
  workersAlive: number;
  /** Newest worker heartbeat (epoch seconds), 0 when no worker has one. */
  lastHeartbeatSeconds: number;
  hostsInBackoff: number;
  /** Provider and network groups slowed down now. */
  groupsInBackoff: number;
  hostCacheEntries: number;
}

/**
 * Fleet-wide state for the gauges, in two round trips (BullMQ's counts, one
 * pipeline) and read-only: unlike `mxv status` it trims nothing, so a scrape
 * never writes to Redis. Index ZSETs are counted from `now` on, so entries that
 * expired but were not trimmed yet are not counted.
 */
export async function readFleetGauges(
  redis: FleetRedis,
  queue: VerifyQueue,
  keys: FleetKeys,
  livenessMs: number,
  now = Date.now(),
): Promise<FleetGauges> {
  const counts = await queue.getJobCounts(...QUEUE_GAUGE_STATES);
  const replies = await execPerNode(redis, [
    ['zcount', keys.workers, now - livenessMs, '+inf'],
    ['zrevrange', keys.workers, 0, 0, 'WITHSCORES'],
    ['zcount', keys.backoffIndex, now, '+inf'],
    ['zcount', keys.hostIndex, now, '+inf'],
    ['zcount', keys.groupBackoffIndex, now, '+inf'],
  ]);
  const value = (index: number): unknown => {
    const [error, reply] = replies[index] ?? [null, null];
    if (error) throw error;
    return reply;
  };
  const newest = (value(1) as string[] | null) ?? [];
  return {
    queue: Object.fromEntries(QUEUE_GAUGE_STATES.map((state) => [state, counts[state] ?? 0])) as Record<QueueGaugeState, number>,
    workersAlive: Number(value(0) ?? 0),
    lastHeartbeatSeconds: newest[1] === undefined ? 0 : Number(newest[1]) / 1000,
    hostsInBackoff: Number(value(2) ?? 0),
    hostCacheEntries: Number(value(3) ?? 0),
    groupsInBackoff: Number(value(4) ?? 0),
  };
}
