import { checkResultSchema, type CheckResult } from '@mxv/schema';
import type { Redis } from 'ioredis';
import type { FleetKeys } from './redis-keys.js';
import { RedisScript } from './redis-script.js';

import { DEFAULT_RESULT_TTL_MS } from './bounds.js';

export { DEFAULT_RESULT_TTL_MS };
export const DEFAULT_EVENTS_MAX_LEN = 100_000;

/**
 * Compare-and-set on checkedAt: delivery is at-least-once, so a redelivered or
 * late (older) result must never replace a newer one. toISOString() is fixed
 * width for years 0–9999, so the strings compare like the instants.
 * Returns 1 when written, 0 when the stored result is as new or newer.
 */
const WRITE_IF_NEWER = new RedisScript(`
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and type(stored.checkedAt) == 'string' and stored.checkedAt >= ARGV[2] then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
`);

export interface ResultStoreOptions {
  /** How long a stored result lives (README "Redis key layout": 30 days by default). */
  resultTtlMs: number;
  /** Approximate cap of the events stream (XADD MAXLEN ~). */
  eventsMaxLen: number;
}

export type StoredResult = { status: 'found'; result: CheckResult } | { status: 'not_found'; domain: string };
export type WriteOutcome = { status: 'written' } | { status: 'kept_newer' };

/** The one module that writes results, and the one that reads them (the API and `mxv show` go through here). */
export class ResultStore {
  readonly #redis: Redis;
  readonly #keys: FleetKeys;
  readonly #options: ResultStoreOptions;

  constructor(redis: Redis, keys: FleetKeys, options: Partial<ResultStoreOptions> = {}) {
    this.#redis = redis;
    this.#keys = keys;
    this.#options = { resultTtlMs: DEFAULT_RESULT_TTL_MS, eventsMaxLen: DEFAULT_EVENTS_MAX_LEN, ...options };
    if (!(this.#options.resultTtlMs >= 1_000)) throw new Error('resultTtlMs must be at least 1000');
  }

  async write(result: CheckResult, now: number = Date.now()): Promise<WriteOutcome> {
    const written = await WRITE_IF_NEWER.run(
      this.#redis,
      [this.#keys.result(result.domain)],
      [JSON.stringify(result), result.checkedAt, this.#options.resultTtlMs],
    );
    if (written !== 1) return { status: 'kept_newer' };
    // The event and the counter live in other slots (Cluster), so they follow the
    // write instead of joining its script; a crash in between loses one event, never the result.
    const minuteKey = this.#keys.statCompleted(Math.floor(now / 60_000));
    await this.#redis
      .pipeline()
      .xadd(
        this.#keys.events,
        'MAXLEN',
        '~',
        this.#options.eventsMaxLen,
        '*',
        'domain',
        result.domain,
        'verdict',
        result.verdict,
        'checkedAt',
        result.checkedAt,
      )
      .incr(minuteKey)
      .expire(minuteKey, 86_400)
      .exec();
    return { status: 'written' };
  }

  async get(domain: string): Promise<StoredResult> {
    const [stored] = await this.getMany([domain]);
    return stored ?? { status: 'not_found', domain };
  }

  /** One round trip for many domains (pipelined GETs: the keys may sit in different Cluster slots). */
  async getMany(domains: readonly string[]): Promise<StoredResult[]> {
    if (domains.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const domain of domains) pipeline.get(this.#keys.result(domain));
    const replies = (await pipeline.exec()) ?? [];
    return domains.map((domain, index) => {
      const [error, raw] = replies[index] ?? [null, null];
      if (error) throw error;
      if (typeof raw !== 'string') return { status: 'not_found', domain };
      return { status: 'found', result: checkResultSchema.parse(JSON.parse(raw)) };
    });
  }

  /**
   * checkedAt (ms) of each domain's stored result, null when none: what `--max-age`
   * compares. Read with a pattern rather than a full parse: enqueue asks this for
   * every line of a million-line file. The top-level checkedAt is the only key of that name.
   */
  async checkedAtMany(domains: readonly string[]): Promise<Array<number | null>> {
    if (domains.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const domain of domains) pipeline.get(this.#keys.result(domain));
    const replies = (await pipeline.exec()) ?? [];
    return domains.map((_, index) => {
      const [error, raw] = replies[index] ?? [null, null];
      if (error) throw error;
      if (typeof raw !== 'string') return null;
      const match = /"checkedAt":"([^"]+)"/.exec(raw);
      const at = match?.[1] ? Date.parse(match[1]) : Number.NaN;
      return Number.isFinite(at) ? at : null;
    });
  }
}
