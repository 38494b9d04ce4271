import type { Result } from 'ioredis';
import type { FleetRedis } from '../redis-connection.js';
import { defaultsOf } from '@mxv/probe/bounds';
import type { VerifyQueue } from '../queue.js';
import type { FleetKeys } from '../redis-keys.js';
import { WATCH_TICK_BOUNDS } from './watch-bounds.js';
import { enqueueWatchedChecks, type WatchedCheck } from './enqueue-watched-checks.js';
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
 *
 * Two round trips a batch: the claim, with the previous batch's reschedule
 * (one ZADD of every pair) sent ahead of it in the same pipeline, and the
 * addBulk. The reschedule still goes out only once its batch is enqueued.
 * `lanes` such loops run at once, so the worker builds one batch's jobs while
 * Redis adds another's.
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

  /** Moves every watch due at `now` (up to maxPerTick), in `lanes` batch loops at once. */
  async run(now: () => number = Date.now): Promise<TickSummary> {
    const summary: TickSummary = { moved: 0, invalid: 0, batches: 0 };
    const progress = { claimed: 0, drained: false };
    await Promise.all(Array.from({ length: this.#options.lanes }, () => this.#lane(now, summary, progress)));
    return summary;
  }

  /**
   * One loop of claim, enqueue, reschedule. The lanes share the tick's budget
   * (`progress.claimed` is taken before the claim is sent, so together they
   * never claim past maxPerTick) and stop together once a claim comes back short.
   */
  async #lane(now: () => number, summary: TickSummary, progress: { claimed: number; drained: boolean }): Promise<void> {
    // Next due times of the batch this lane enqueued last, as ZADD's [score, member, ...]: sent with its next claim.
    let reschedule: Array<number | string> = [];
    try {
      while (!progress.drained && progress.claimed < this.#options.maxPerTick) {
        const at = now();
        const limit = Math.min(this.#options.batch, this.#options.maxPerTick - progress.claimed);
        progress.claimed += limit;
        const claimed = await this.#claim(at, limit, reschedule);
        reschedule = [];
        progress.claimed -= limit - claimed.length;
        // A short batch means nothing else was due.
        if (claimed.length < limit) progress.drained = true;
        if (claimed.length === 0) break;
        const batch = this.#plan(claimed, at);
        // Enqueued before rescheduled: a crash in between leaves the claim, which comes due again (never a lost watch).
        await enqueueWatchedChecks(this.#queue, batch.checks);
        reschedule = batch.reschedule;
        summary.batches += 1;
        summary.moved += batch.checks.length;
        summary.invalid += claimed.length - batch.checks.length;
      }
    } finally {
      // Also when another lane failed: what this lane enqueued is rescheduled, not left to its claim's end.
      if (reschedule.length > 0) await this.#redis.zadd(this.#keys.watchDue, 'XX', ...reschedule);
    }
  }

  /** Claims up to `limit` watches due at `at`, after writing `reschedule` (the last batch's next due times). */
  async #claim(at: number, limit: number, reschedule: ReadonlyArray<number | string>): Promise<Array<[string, string]>> {
    const pipeline = this.#redis.pipeline();
    if (reschedule.length > 0) pipeline.zadd(this.#keys.watchDue, 'XX', ...reschedule);
    pipeline.mxvClaimDueWatches(this.#keys.watchDue, this.#keys.watchConfig, at, limit, at + this.#options.claimMs);
    const replies = (await pipeline.exec()) ?? [];
    for (const [error] of replies) if (error) throw error;
    const flat = (replies[replies.length - 1]?.[1] ?? []) as string[];
    const claimed: Array<[string, string]> = [];
    for (let i = 0; i + 1 < flat.length; i += 2) claimed.push([flat[i] as string, flat[i + 1] as string]);
    return claimed;
  }

  /** The checks to enqueue for a claimed batch, and every claimed watch's next due time. */
  #plan(claimed: ReadonlyArray<[string, string]>, at: number): { checks: WatchedCheck[]; reschedule: Array<number | string> } {
    const checks: WatchedCheck[] = [];
    const reschedule: Array<number | string> = [];
    for (const [domain, raw] of claimed) {
      const config = parseConfig(raw);
      if (!config) {
        reschedule.push(at + INVALID_CONFIG_RETRY_MS, domain);
        continue;
      }
      checks.push({ domain, everyMs: config.e });
      reschedule.push(at + config.e + this.#jitter(config.e), domain);
    }
    return { checks, reschedule };
  }

  #jitter(everyMs: number): number {
    const span = Math.min((everyMs * this.#options.jitterPermille) / 1000, this.#options.maxJitterMs);
    return Math.floor(this.#random() * span);
  }
}
