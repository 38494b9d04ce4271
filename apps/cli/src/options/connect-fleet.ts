import { connectRedis, fleetKeys, type FleetKeys, type Redis } from '@mxv/fleet';
import type { FleetFlagValues } from './fleet-flags.js';
import { UsageError } from './usage-error.js';

export interface FleetConnection {
  redis: Redis;
  keys: FleetKeys;
}

const REDIS_WAIT_STEP_MS = 1_000;

/**
 * Connects or explains: a Redis that cannot be reached is a usage problem the
 * person can fix (exit 2). Long-running processes (worker, api) pass
 * `waitMs`: started by an orchestrator next to a Redis that is still coming up
 * (or restarting), they wait for it instead of exiting at once.
 */
export async function connectFleet(flags: FleetFlagValues, options: { waitMs?: number } = {}): Promise<FleetConnection> {
  let keys: FleetKeys;
  try {
    keys = fleetKeys(flags.prefix);
  } catch (error) {
    throw new UsageError(`--prefix: ${error instanceof Error ? error.message : String(error)}`);
  }
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (let attempt = 1; ; attempt += 1) {
    const connected = await connectRedis(flags.redis);
    if (connected.status === 'ok') return { redis: connected.redis, keys };
    if (Date.now() >= deadline) throw new UsageError(`${connected.reason} (set --redis URL or REDIS_URL)`);
    if (attempt === 1) process.stderr.write(`mxv: ${connected.reason}; waiting for it…\n`);
    await new Promise((resolve) => setTimeout(resolve, REDIS_WAIT_STEP_MS));
  }
}
