import { SHARDS_BOUND } from './bounds.js';
import type { FleetRedis } from './redis-connection.js';

export type ShardAgreement =
  | { status: 'ok'; shards: number; source: 'stored' | 'default' }
  | { status: 'mismatch'; stored: number; requested: number }
  | { status: 'corrupt'; stored: string };

/**
 * The shard count every producer and consumer of one fleet must share: a
 * domain's shard is its hash modulo the count, so two counts would place one
 * domain in two queues (dedup by job id lost) or leave shards nobody reads.
 * The first process that writes (enqueue, worker, api) stores its count
 * in `<prefix>:config` (HSETNX: the first one wins); afterwards a different
 * `--shards` is refused and an absent one means the stored count. Readers
 * (status, show, history, watch) never store: without a stored count they use 1.
 */
export async function agreeOnShards(
  redis: FleetRedis,
  configKey: string,
  requested: number | null,
  options: { store: boolean },
): Promise<ShardAgreement> {
  if (options.store) await redis.hsetnx(configKey, 'shards', String(requested ?? SHARDS_BOUND.default));
  const raw = await redis.hget(configKey, 'shards');
  if (raw === null) return { status: 'ok', shards: requested ?? SHARDS_BOUND.default, source: 'default' };
  const stored = Number(raw);
  if (!(/^\d+$/.test(raw) && stored >= SHARDS_BOUND.min && stored <= SHARDS_BOUND.max)) return { status: 'corrupt', stored: raw };
  if (requested !== null && requested !== stored) return { status: 'mismatch', stored, requested };
  return { status: 'ok', shards: stored, source: 'stored' };
}
