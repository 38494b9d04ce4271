import { Option, type Command } from 'commander';
import {
  connectRedis,
  DEFAULT_PREFIX,
  DEFAULT_REDIS_URL,
  fleetKeys,
  parseDuration,
  type FleetKeys,
  type Redis,
} from '@mxv/fleet';
import { UsageError } from './usage-error.js';

/** The flags every fleet command takes (CONTRACT: --redis / REDIS_URL). */
export function addFleetFlags(command: Command): Command {
  return command
    .addOption(new Option('--redis <url>', "the fleet's Redis").env('REDIS_URL').default(DEFAULT_REDIS_URL))
    .addOption(new Option('--prefix <prefix>', 'prefix of every fleet key in Redis').env('MXV_PREFIX').default(DEFAULT_PREFIX));
}

export interface FleetFlagValues {
  redis: string;
  prefix: string;
}

export interface FleetConnection {
  redis: Redis;
  keys: FleetKeys;
}

/** Connects or explains: a Redis that cannot be reached is a usage problem the person can fix (exit 2). */
export async function connectFleet(flags: FleetFlagValues): Promise<FleetConnection> {
  let keys: FleetKeys;
  try {
    keys = fleetKeys(flags.prefix);
  } catch (error) {
    throw new UsageError(`--prefix: ${error instanceof Error ? error.message : String(error)}`);
  }
  const connected = await connectRedis(flags.redis);
  if (connected.status === 'failed') throw new UsageError(`${connected.reason} (set --redis URL or REDIS_URL)`);
  return { redis: connected.redis, keys };
}

export function durationFlag(name: string, raw: string): number {
  const parsed = parseDuration(raw);
  if (parsed.status === 'invalid') throw new UsageError(`${name}: ${parsed.reason}`);
  return parsed.ms;
}
