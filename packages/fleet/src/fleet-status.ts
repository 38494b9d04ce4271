import type { FleetRedis } from './redis-connection.js';
import { execPerNode, type KeyedCommand } from './exec-per-node.js';
import { readAnonymousRefusals, type AnonymousRefusalReason } from './anonymous-checks.js';
import { readPolitenessStatus, type PolitenessStatus } from './politeness-status.js';
import type { VerifyQueue } from './queue.js';
import type { FleetKeys } from './redis-keys.js';
import { HEARTBEAT_LIVENESS_INTERVALS } from './worker-heartbeat.js';

export const QUEUE_STATES = ['waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'] as const;
export type QueueState = (typeof QUEUE_STATES)[number];

export interface FleetStatus {
  at: string;
  /** Jobs per state, summed over the queue shards. */
  queue: Record<QueueState, number>;
  /** The same per shard, shard 0 first, with its BullMQ prefix (one entry on a fleet without shards). */
  shards: Array<{ prefix: string; queue: Record<QueueState, number> }>;
  /**
   * Results written in the last 60 s (the current minute's counter plus the part
   * of the previous minute's that falls inside the window, assuming it was even)
   * and the average per minute over the last five full minutes.
   */
  completedPerMinute: { lastMinute: number; lastFiveMinutesAvg: number };
  workers: { alive: number; list: Array<Record<string, unknown>> };
  hostsInBackoff: number;
  /** Provider and network groups: how many are backed off, and the busiest (politeness-status.ts). */
  politeness: PolitenessStatus;
  hostCache: { entries: number; hits: number; misses: number; hitRatio: number | null };
  /** Live checks without a token that the API refused, by budget, since the counters were created. */
  anonymousChecksRefused: Record<AnonymousRefusalReason, number>;
}

/**
 * Everything `mxv status` shows, read without SCAN (index ZSETs and counters,
 * README "Redis key layout") so it stays cheap on a big Redis or a Cluster. Expired index entries
 * are trimmed as a side effect.
 */
export async function readFleetStatus(
  redis: FleetRedis,
  queue: VerifyQueue,
  keys: FleetKeys,
  heartbeatMs: number,
  now = Date.now(),
): Promise<FleetStatus> {
  const [counts, anonymousChecksRefused, politeness] = await Promise.all([
    queue.getJobCountsPerShard(...QUEUE_STATES),
    readAnonymousRefusals(redis, keys),
    readPolitenessStatus(redis, keys, now),
  ]);
  const minute = Math.floor(now / 60_000);
  // Keys in many slots: one pipeline per master on a Cluster.
  const commands: KeyedCommand[] = [
    ['zremrangebyscore', keys.workers, '-inf', now - heartbeatMs * HEARTBEAT_LIVENESS_INTERVALS],
    ['zrange', keys.workers, 0, -1],
    ['zremrangebyscore', keys.backoffIndex, '-inf', now],
    ['zcard', keys.backoffIndex],
    ['zremrangebyscore', keys.hostIndex, '-inf', now],
    ['zcard', keys.hostIndex],
    ['get', keys.statHostHits],
    ['get', keys.statHostMisses],
  ];
  for (let m = minute - 5; m <= minute; m++) commands.push(['get', keys.statCompleted(m)]);
  const replies = await execPerNode(redis, commands);
  const value = (index: number): unknown => {
    const [error, reply] = replies[index] ?? [null, null];
    if (error) throw error;
    return reply;
  };
  const workerIds = (value(1) as string[] | null) ?? [];
  const perMinute = [8, 9, 10, 11, 12].map((index) => Number(value(index) ?? 0));
  const currentMinute = Number(value(13) ?? 0);
  const elapsedShare = (now % 60_000) / 60_000;
  const hits = Number(value(6) ?? 0);
  const misses = Number(value(7) ?? 0);
  // Not MGET: each worker's key is in its own slot (CROSSSLOT on a Cluster).
  const infoReplies = await execPerNode(
    redis,
    workerIds.map((id): KeyedCommand => ['get', keys.worker(id)]),
  );
  const infos = infoReplies.map(([error, reply]) => (error || typeof reply !== 'string' ? null : reply));
  const shardCounts = counts.map(
    (shard) => Object.fromEntries(QUEUE_STATES.map((state) => [state, shard[state] ?? 0])) as Record<QueueState, number>,
  );
  const queueCounts = Object.fromEntries(
    QUEUE_STATES.map((state) => [state, shardCounts.reduce((sum, shard) => sum + shard[state], 0)]),
  ) as Record<QueueState, number>;
  return {
    at: new Date(now).toISOString(),
    queue: queueCounts,
    shards: shardCounts.map((shard, index) => ({ prefix: keys.shardPrefixes[index] ?? '', queue: shard })),
    completedPerMinute: {
      lastMinute: Math.round(currentMinute + (perMinute[4] ?? 0) * (1 - elapsedShare)),
      lastFiveMinutesAvg: Math.round((perMinute.reduce((a, b) => a + b, 0) / 5) * 10) / 10,
    },
    workers: {
      alive: workerIds.length,
      list: workerIds.map((id, index) => {
        const raw = infos[index];
        return raw ? (JSON.parse(raw) as Record<string, unknown>) : { id };
      }),
    },
    hostsInBackoff: Number(value(3) ?? 0),
    politeness,
    hostCache: { entries: Number(value(5) ?? 0), hits, misses, hitRatio: hits + misses > 0 ? hits / (hits + misses) : null },
    anonymousChecksRefused,
  };
}
