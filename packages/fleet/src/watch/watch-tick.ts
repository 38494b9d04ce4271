import type { Result } from 'ioredis';
import type { FleetRedis } from '../redis-connection.js';
import { defaultsOf } from '@mxv/probe/bounds';
import { VERIFY_JOB_NAME, type VerifyQueue } from '../queue.js';
import type { FleetKeys } from '../redis-keys.js';
import { WATCH_TICK_BOUNDS } from './watch-bounds.js';
import { parseConfig } from './watch-list.js';

/**
 * Claims up to ARGV[2] watches due at ARGV[1] (ms): each is pushed to ARGV[3]
 * (the claim's end) in the same step, so two workers ticking at once never
 * claim the same watch. A due entry without a config (removed meanwhile) is
 * dropped. Returns [domain, config, domain, config, …].
 */
const CLAIM_DUE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, domain in ipairs(due) do
  local config = redis.call('HGET', KEYS[2], domain)
  if config then
    redis.call('ZADD', KEYS[1], 'XX', ARGV[3], domain)
    out[#out + 1] = domain
    out[#out + 1] = config
  else
    redis.call('ZREM', KEYS[1], domain)
  end
end
return out
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    /** CLAIM_DUE, defined by WatchTick. */
    mxvClaimDueWatches(due: string, config: string, now: number, limit: number, claimUntil: number): Result<string[], Context>;
  }
}

/** A watch whose stored config does not parse is looked at again after this long (an operator may fix it meanwhile). */
const INVALID_CONFIG_RETRY_MS = 86_400_000;

export type WatchTickOptions = { [K in keyof typeof WATCH_TICK_BOUNDS]: number };
export const DEFAULT_WATCH_TICK: WatchTickOptions = defaultsOf(WATCH_TICK_BOUNDS);

export interface TickSummary {
  /** Watches claimed and handed to the verify queue (a job already queued for the domain absorbs its add). */
  moved: number;
  /** Watches whose config no longer parses: rescheduled a day later rather than checked with a guessed interval. */
  invalid: number;
  batches: number;
}

/**
 * The scheduler of watches, run by every worker (any number: the claim is one
 * atomic script): claim due watches in batches, add one verify job each (the
 * job id is the domain, so a domain already waiting or running is not queued
 * twice; the job data carries the interval as the oldest host probe the check
 * may reuse), then set each watch's next due time to now + interval + jitter.
 * A tick killed between the claim and the reschedule leaves the watches
 * claimed: they come due again when the claim ends.
 */
export class WatchTick {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;
  readonly #queue: VerifyQueue;
  readonly #options: WatchTickOptions;
  readonly #random: () => number;

  constructor(
    redis: FleetRedis,
    keys: FleetKeys,
    queue: VerifyQueue,
    options: Partial<WatchTickOptions> = {},
    random: () => number = Math.random,
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#queue = queue;
    this.#options = { ...DEFAULT_WATCH_TICK, ...options };
    this.#random = random;
    redis.defineCommand('mxvClaimDueWatches', { numberOfKeys: 2, lua: CLAIM_DUE });
  }

  /** Moves every watch due at `now` (up to maxPerTick). */
  async run(now: () => number = Date.now): Promise<TickSummary> {
    const summary: TickSummary = { moved: 0, invalid: 0, batches: 0 };
    while (summary.moved + summary.invalid < this.#options.maxPerTick) {
      const batch = await this.#claimBatch(now());
      if (batch.moved + batch.invalid === 0) break;
      summary.batches += 1;
      summary.moved += batch.moved;
      summary.invalid += batch.invalid;
      // A short batch means nothing else was due.
      if (batch.moved + batch.invalid < this.#options.batch) break;
    }
    return summary;
  }

  async #claimBatch(at: number): Promise<{ moved: number; invalid: number }> {
    const flat = await this.#redis.mxvClaimDueWatches(
      this.#keys.watchDue,
      this.#keys.watchConfig,
      at,
      this.#options.batch,
      at + this.#options.claimMs,
    );
    const jobs: Array<{ name: string; data: { a: number }; opts: { jobId: string } }> = [];
    const next = this.#redis.pipeline();
    let invalid = 0;
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const domain = flat[i] as string;
      const config = parseConfig(flat[i + 1] ?? null);
      if (!config) {
        invalid += 1;
        next.zadd(this.#keys.watchDue, 'XX', at + INVALID_CONFIG_RETRY_MS, domain);
        continue;
      }
      jobs.push({ name: VERIFY_JOB_NAME, data: { a: config.e }, opts: { jobId: domain } });
      next.zadd(this.#keys.watchDue, 'XX', at + config.e + this.#jitter(config.e), domain);
    }
    // Enqueued before rescheduled: a crash in between leaves the claim, which comes due again (never a lost watch).
    if (jobs.length > 0) await this.#queue.addBulk(jobs);
    if (flat.length > 0) await next.exec();
    return { moved: jobs.length, invalid };
  }

  #jitter(everyMs: number): number {
    const span = Math.min((everyMs * this.#options.jitterPermille) / 1000, this.#options.maxJitterMs);
    return Math.floor(this.#random() * span);
  }
}
