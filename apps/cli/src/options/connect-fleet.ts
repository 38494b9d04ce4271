import { agreeOnShards, connectRedis, fleetKeys, SHARDS_BOUND, type FleetKeys, type FleetRedis } from '@mxv/fleet';
import type { FleetFlagValues } from './fleet-flags.js';
import { boundFlag } from './number-flag.js';
import { UsageError } from './usage-error.js';

export interface FleetConnection {
  redis: FleetRedis;
  keys: FleetKeys;
}

const REDIS_WAIT_STEP_MS = 1_000;

export interface ConnectFleetOptions {
  waitMs?: number;
  /**
   * Whether this command puts work in or takes it out (enqueue, worker, api):
   * it stores its shard count when the fleet has none yet. The others
   * (status, show, history, watch: the watch list is not the queue) only read it.
   */
  storesShards?: boolean;
}

/**
 * Connects or explains: a Redis that cannot be reached is a usage problem the
 * person can fix (exit 2). Long-running processes (worker, api) pass
 * `waitMs`: started by an orchestrator next to a Redis that is still coming up
 * (or restarting), they wait for it instead of exiting at once. The keys come
 * with the fleet's shard count, agreed with the one stored in Redis.
 */
export async function connectFleet(flags: FleetFlagValues, options: ConnectFleetOptions = {}): Promise<FleetConnection> {
  const requestedShards = flags.shards === undefined ? null : boundFlag('--shards', flags.shards, SHARDS_BOUND);
  try {
    fleetKeys(flags.prefix);
  } catch (error) {
    throw new UsageError(`--prefix: ${error instanceof Error ? error.message : String(error)}`);
  }
  const deadline = Date.now() + (options.waitMs ?? 0);
  let redis: FleetRedis;
  for (let attempt = 1; ; attempt += 1) {
    const connected = await connectRedis(flags.redis, undefined, { cluster: flags.redisCluster === true });
    if (connected.status === 'ok') {
      redis = connected.redis;
      break;
    }
    if (connected.reason.startsWith('bad Redis URL')) throw new UsageError(`--redis: ${connected.reason}`);
    if (Date.now() >= deadline) throw new UsageError(`${connected.reason} (set --redis URL or REDIS_URL)`);
    if (attempt === 1) process.stderr.write(`mxv: ${connected.reason}; waiting for it…\n`);
    await new Promise((resolve) => setTimeout(resolve, REDIS_WAIT_STEP_MS));
  }
  const configKey = fleetKeys(flags.prefix).config;
  const agreed = await agreeOnShards(redis, configKey, requestedShards, { store: options.storesShards === true });
  if (agreed.status !== 'ok') {
    redis.disconnect();
    throw new UsageError(
      agreed.status === 'mismatch'
        ? `--shards ${agreed.requested}: the fleet "${flags.prefix}" has ${agreed.stored} shards (stored in ${configKey}); every producer and worker must use the same count: drop --shards or give ${agreed.stored}`
        : `${configKey} holds shards="${agreed.stored}", which is not a shard count: fix or delete it`,
    );
  }
  return { redis, keys: fleetKeys(flags.prefix, agreed.shards) };
}
