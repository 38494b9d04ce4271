import {
  recordAnonymousRefusal,
  type AnonymousCheckMetrics,
  type AnonymousRefusalReason,
  type CheckAdmission,
  type FleetKeys,
  type FleetRedis,
} from '@mxv/fleet';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

/** The window both budgets count in. */
const WINDOW_SECONDS = 60;

/**
 * The budget of live checks requested without a token (issue 14: the service
 * as a scanner). Two token buckets in Redis, so every API process shares them:
 * one per client address and one for all anonymous clients of the fleet. A
 * point is spent only when a check would queue a job (requestCheck asks
 * `admit` then); a client refused by the fleet-wide budget gets its own point
 * back. Refusals are counted in Redis (`mxv status`) and in the metrics.
 */
export class LiveCheckBudget {
  readonly #perClient: RateLimiterRedis | null;
  readonly #fleetWide: RateLimiterRedis | null;
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #metrics: AnonymousCheckMetrics;

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    limits: { anonymousChecksPerMinute: number; anonymousChecksFleetPerMinute: number },
    metrics: AnonymousCheckMetrics,
  ) {
    const bucket = (name: string, points: number): RateLimiterRedis | null =>
      points === 0
        ? null
        : new RateLimiterRedis({
            storeClient: redis,
            keyPrefix: `${keys.anonymousBudget}:${name}`,
            points,
            duration: WINDOW_SECONDS,
          });
    this.#perClient = bucket('client', limits.anonymousChecksPerMinute);
    this.#fleetWide = bucket('fleet', limits.anonymousChecksFleetPerMinute);
    this.#redis = redis;
    this.#keys = keys;
    this.#metrics = metrics;
  }

  /** Spends one point of `client`'s budget and one of the fleet's, or says which budget refused and when to retry. */
  async admit(client: string): Promise<CheckAdmission> {
    const own = await spend(this.#perClient, client);
    if (own !== null) return this.#refuse('per_client', own);
    const shared = await spend(this.#fleetWide, 'all');
    if (shared !== null) {
      // The client did not get its check: its own point goes back.
      await this.#perClient?.reward(client, 1);
      return this.#refuse('fleet_wide', shared);
    }
    this.#metrics.admitted();
    return { status: 'admitted' };
  }

  async #refuse(reason: AnonymousRefusalReason, retryAfterMs: number): Promise<CheckAdmission> {
    this.#metrics.refused(reason);
    await recordAnonymousRefusal(this.#redis, this.#keys, reason);
    return { status: 'refused', reason, retryAfterMs };
  }
}

/** Null when a point was spent; else ms until one is back. A budget of 0 (null limiter) refuses for a whole window. */
async function spend(limiter: RateLimiterRedis | null, key: string): Promise<number | null> {
  if (limiter === null) return WINDOW_SECONDS * 1000;
  try {
    await limiter.consume(key, 1);
    return null;
  } catch (rejection) {
    // The library rejects with a RateLimiterRes when out of points and with the Redis error otherwise.
    if (rejection instanceof RateLimiterRes) return Math.max(rejection.msBeforeNext, 1);
    throw rejection;
  }
}
