import { Gauge, type Registry } from 'prom-client';
import type { FleetRedis } from '../redis-connection.js';
import type { FleetKeys } from '../redis-keys.js';
import { EXPIRY_GAUGE_DAYS } from './watch-bounds.js';
import { ScrapeCache } from '../metrics/scrape-cache.js';
import { DEFAULT_FLEET_GAUGE_CACHE_MS, DEFAULT_FLEET_GAUGE_READ_TIMEOUT_MS } from '../metrics/fleet-gauges.js';

const DAY_MS = 86_400_000;

export interface WatchGauges {
  watched: number;
  expiring: Record<number, number>;
  deadLetters: number;
}

/**
 * Watch gauges, read from Redis when scraped (through a short cache, like the
 * fleet gauges): watched domains, watched certificates expiring within 7/14/30
 * days (no domain label: one series per window), webhook dead letters.
 */
export function registerWatchGauges(
  registry: Registry,
  redis: FleetRedis,
  keys: FleetKeys,
  readDeadLetters: () => Promise<number>,
  now: () => number = Date.now,
): void {
  const cache = new ScrapeCache(
    async (): Promise<WatchGauges> => {
      const at = now();
      const pipeline = redis.pipeline().hlen(keys.watchConfig);
      for (const days of EXPIRY_GAUGE_DAYS) pipeline.zcount(keys.watchCertExpiry, '-inf', at + days * DAY_MS);
      const replies = (await pipeline.exec()) ?? [];
      const value = (index: number): number => {
        const [error, reply] = replies[index] ?? [null, 0];
        if (error) throw error;
        return Number(reply);
      };
      const expiring: Record<number, number> = {};
      EXPIRY_GAUGE_DAYS.forEach((days, i) => (expiring[days] = value(i + 1)));
      return { watched: value(0), expiring, deadLetters: await readDeadLetters() };
    },
    DEFAULT_FLEET_GAUGE_CACHE_MS,
    now,
    DEFAULT_FLEET_GAUGE_READ_TIMEOUT_MS,
  );
  const current = async (): Promise<WatchGauges | null> => cache.get().catch(() => null);
  const registers = [registry];
  new Gauge({
    name: 'mxv_watched_domains',
    help: 'Domains on the watch list.',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.watched);
    },
  });
  new Gauge({
    name: 'mxv_watched_certificates_expiring',
    help: 'Watched domains whose earliest certificate ends within the window (expired ones included), by window: 7d, 14d, 30d.',
    labelNames: ['within'],
    registers,
    async collect() {
      const state = await current();
      if (state) for (const days of EXPIRY_GAUGE_DAYS) this.set({ within: `${days}d` }, state.expiring[days] ?? 0);
    },
  });
  new Gauge({
    name: 'mxv_webhook_dead_letters',
    help: 'Webhook deliveries that used up their attempts and wait for a replay (mxv watch replay).',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.deadLetters);
    },
  });
}
