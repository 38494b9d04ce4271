import { Option, type Command } from 'commander';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, parseDuration, SHARDS_BOUND } from '@mxv/fleet/bounds';
import { UsageError } from './usage-error.js';

/** The flags every fleet command takes (CONTRACT: --redis / REDIS_URL, --redis-cluster). */
export function addFleetFlags(command: Command): Command {
  return command
    .addOption(
      new Option('--redis <url>', "the fleet's Redis; a Redis Cluster as redis+cluster://host:port,host:port,...")
        .env('REDIS_URL')
        .default(DEFAULT_REDIS_URL),
    )
    .addOption(
      new Option('--redis-cluster', '--redis names Redis Cluster nodes (seeds), whatever its scheme').env('MXV_REDIS_CLUSTER'),
    )
    .addOption(new Option('--prefix <prefix>', 'prefix of every fleet key in Redis').env('MXV_PREFIX').default(DEFAULT_PREFIX))
    .addOption(
      new Option(
        '--shards <n>',
        `queue shards, ${SHARDS_BOUND.min}-${SHARDS_BOUND.max}: stored in Redis at first use, then every process must agree (default: the stored count, else ${SHARDS_BOUND.default})`,
      ).env('MXV_SHARDS'),
    );
}

export interface FleetFlagValues {
  redis: string;
  redisCluster?: boolean;
  prefix: string;
  shards?: string;
}

export function durationFlag(name: string, raw: string): number {
  const parsed = parseDuration(raw);
  if (parsed.status === 'invalid') throw new UsageError(`${name}: ${parsed.reason}`);
  return parsed.ms;
}
