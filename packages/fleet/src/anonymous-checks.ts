import type { FleetRedis } from './redis-connection.js';
import { MAX_PRIORITY } from './bounds.js';
import type { FleetKeys } from './redis-keys.js';

/**
 * Why the API refused an anonymous live check: the client's own budget, or the
 * budget all anonymous clients share across every API process.
 */
export const ANONYMOUS_REFUSAL_REASONS = ['per_client', 'fleet_wide'] as const;
export type AnonymousRefusalReason = (typeof ANONYMOUS_REFUSAL_REASONS)[number];

/**
 * BullMQ priority of an anonymous live check: the lowest there is. Jobs without
 * a priority (token-holders' POST /v1/checks, `mxv enqueue`) are taken before
 * any prioritized job, and prioritized ones in order, so a wave of anonymous
 * refreshes never delays the fleet's own work.
 */
export const ANONYMOUS_CHECK_PRIORITY = MAX_PRIORITY;

/** Counts one refusal in FleetRedis, so `mxv status` shows the fleet's total whichever API process refused. */
export async function recordAnonymousRefusal(redis: FleetRedis, keys: FleetKeys, reason: AnonymousRefusalReason): Promise<void> {
  await redis.hincrby(keys.statAnonymousRefused, reason, 1);
}

/** Refusals by reason since the counters were created (every reason present, 0 when never refused). */
export async function readAnonymousRefusals(redis: FleetRedis, keys: FleetKeys): Promise<Record<AnonymousRefusalReason, number>> {
  const values = await redis.hmget(keys.statAnonymousRefused, ...ANONYMOUS_REFUSAL_REASONS);
  return Object.fromEntries(ANONYMOUS_REFUSAL_REASONS.map((reason, index) => [reason, Number(values[index] ?? 0)])) as Record<
    AnonymousRefusalReason,
    number
  >;
}
