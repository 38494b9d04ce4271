import { Option, type Command } from 'commander';
import { DEFAULT_PREFIX, DEFAULT_REDIS_URL, parseDuration } from '@mxv/fleet/bounds';
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

export function durationFlag(name: string, raw: string): number {
  const parsed = parseDuration(raw);
  if (parsed.status === 'invalid') throw new UsageError(`${name}: ${parsed.reason}`);
  return parsed.ms;
}
