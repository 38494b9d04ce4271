import type { FleetRedis } from '../redis-connection.js';
import { z } from 'zod';
import type { FleetKeys } from '../redis-keys.js';

/**
 * One watch as stored in the config hash: short keys, since a million watches
 * each pay for them (README "Redis key layout", bench/watch).
 */
export const watchConfigSchema = z.object({
  /** Interval, ms. */
  e: z.number().int().min(1),
  /** Webhook URL, when changes are to be POSTed. */
  w: z.string().optional(),
});
export type WatchConfig = z.infer<typeof watchConfigSchema>;

export interface WatchEntry {
  domain: string;
  everyMs: number;
  webhook: string | null;
  /** Next due time (ms), null when the watch is being claimed right now or was just removed. */
  dueAt: number | null;
}

export interface WatchAddSummary {
  /** New watches (first check due at once). */
  added: number;
  /** Existing watches whose interval or webhook were replaced (their next due time is kept). */
  updated: number;
}

/** Domains per pipeline. */
const WATCH_CHUNK = 1_000;

/**
 * The watch list: a config hash (domain -> interval, webhook) and a sorted set
 * of due times. No BullMQ object per watch: the tick (WatchTick) moves due
 * domains into the verify queue, so a million watches cost two hash/zset
 * entries each and one scheduler loop in total.
 */
export class WatchList {
  readonly #redis: FleetRedis;
  readonly #keys: FleetKeys;

  constructor(redis: FleetRedis, keys: FleetKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** `domains` must be normalized. A new watch is due now; an existing one keeps its due time. */
  async add(
    domains: Iterable<string>,
    watch: { everyMs: number; webhook: string | null },
    now: number = Date.now(),
  ): Promise<WatchAddSummary> {
    const config = JSON.stringify(watch.webhook === null ? { e: watch.everyMs } : { e: watch.everyMs, w: watch.webhook });
    const summary: WatchAddSummary = { added: 0, updated: 0 };
    for (const chunk of chunks(domains)) {
      const pipeline = this.#redis.pipeline();
      for (const domain of chunk) {
        pipeline.hset(this.#keys.watchConfig, domain, config);
        pipeline.zadd(this.#keys.watchDue, 'NX', now, domain);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < chunk.length; i++) {
        const [error, created] = replies[i * 2] ?? [null, 0];
        if (error) throw error;
        if (created === 1) summary.added += 1;
        else summary.updated += 1;
      }
    }
    return summary;
  }

  /** Removes watches (and their expiry bookkeeping); returns how many existed. A check already queued still runs once. */
  async remove(domains: Iterable<string>): Promise<number> {
    let removed = 0;
    for (const chunk of chunks(domains)) {
      const pipeline = this.#redis.pipeline();
      for (const domain of chunk) {
        pipeline.hdel(this.#keys.watchConfig, domain);
        pipeline.zrem(this.#keys.watchDue, domain);
        pipeline.zrem(this.#keys.watchCertExpiry, domain);
        pipeline.hdel(this.#keys.watchExpiryRaised, domain);
      }
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < chunk.length; i++) {
        const [error, deleted] = replies[i * 4] ?? [null, 0];
        if (error) throw error;
        if (deleted === 1) removed += 1;
      }
    }
    return removed;
  }

  async get(domain: string): Promise<WatchConfig | null> {
    return parseConfig(await this.#redis.hget(this.#keys.watchConfig, domain));
  }

  async count(): Promise<number> {
    return this.#redis.hlen(this.#keys.watchConfig);
  }

  /** Every watch, streamed in HSCAN order (constant memory whatever the list's size). */
  async *list(): AsyncGenerator<WatchEntry> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(this.#keys.watchConfig, cursor, 'COUNT', WATCH_CHUNK);
      cursor = next;
      const pairs: Array<[string, WatchConfig]> = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const config = parseConfig(flat[i + 1] ?? null);
        if (config) pairs.push([flat[i] as string, config]);
      }
      if (pairs.length === 0) continue;
      const due = await this.#redis.zmscore(this.#keys.watchDue, ...pairs.map(([domain]) => domain));
      for (let i = 0; i < pairs.length; i++) {
        const [domain, config] = pairs[i] as [string, WatchConfig];
        const at = due[i];
        yield {
          domain,
          everyMs: config.e,
          webhook: config.w ?? null,
          dueAt: at === null || at === undefined ? null : Number(at),
        };
      }
    } while (cursor !== '0');
  }
}

export function parseConfig(raw: string | null): WatchConfig | null {
  if (raw === null) return null;
  try {
    const parsed = watchConfigSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function* chunks(domains: Iterable<string>): Generator<string[]> {
  let chunk: string[] = [];
  for (const domain of domains) {
    chunk.push(domain);
    if (chunk.length >= WATCH_CHUNK) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}
