import { Counter, Gauge, type Registry } from 'prom-client';
import type { FleetGauges } from './read-fleet-gauges.js';
import { QUEUE_GAUGE_STATES } from './read-fleet-gauges.js';
import { ScrapeCache } from './scrape-cache.js';

/** How long one read of the fleet's state serves scrapes: below any sensible scrape interval, above a burst of scrapers. */
export const DEFAULT_FLEET_GAUGE_CACHE_MS = 2_000;
/** Longest a scrape waits for that read: below Prometheus' default scrape timeout (10 s), so a scrape never hangs on Redis. */
export const DEFAULT_FLEET_GAUGE_READ_TIMEOUT_MS = 2_000;

export interface FleetGaugeHandle {
  cache: ScrapeCache<FleetGauges>;
}

/**
 * Fleet-wide gauges (queue depth, live workers, hosts in back-off, cached
 * hosts), read from Redis when Prometheus scrapes, through a short cache. Every
 * process that serves /metrics may register them; they describe the shared
 * fleet, so dashboards take `max` over instances rather than `sum`. A failed
 * read keeps the last values and counts the failure, so one Redis hiccup does
 * not turn a whole scrape into an error.
 */
export function registerFleetGauges(
  registry: Registry,
  read: () => Promise<FleetGauges>,
  cacheMs: number = DEFAULT_FLEET_GAUGE_CACHE_MS,
): FleetGaugeHandle {
  // Registered after the gauges, so a scrape shows the failure of its own read.
  const readErrors = new Counter({
    name: 'mxv_fleet_state_read_errors_total',
    help: 'Reads of the fleet state from Redis that failed (the fleet gauges kept their previous values).',
    registers: [],
  });
  const cache = new ScrapeCache(
    async () => {
      try {
        return await read();
      } catch (error) {
        readErrors.inc();
        throw error;
      }
    },
    cacheMs,
    Date.now,
    DEFAULT_FLEET_GAUGE_READ_TIMEOUT_MS,
  );
  const registers = [registry];
  const current = async (): Promise<FleetGauges | null> => {
    try {
      return await cache.get();
    } catch {
      return null;
    }
  };
  new Gauge({
    name: 'mxv_queue_jobs',
    help: 'Jobs in the verify queue by state (waiting, prioritized, active, delayed, failed), read from BullMQ.',
    labelNames: ['state'],
    registers,
    async collect() {
      const state = await current();
      if (state) for (const name of QUEUE_GAUGE_STATES) this.set({ state: name }, state.queue[name]);
    },
  });
  new Gauge({
    name: 'mxv_workers_alive',
    help: 'Workers whose heartbeat is recent (within three heartbeat periods).',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.workersAlive);
    },
  });
  new Gauge({
    name: 'mxv_worker_last_heartbeat_timestamp_seconds',
    help: "Time of the newest worker heartbeat (0 when no worker has one): time() minus it is the fleet's heartbeat age.",
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.lastHeartbeatSeconds);
    },
  });
  new Gauge({
    name: 'mxv_hosts_in_backoff',
    help: 'Destination addresses currently slowed down because they pushed back (4xx greeting, 421, reset).',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.hostsInBackoff);
    },
  });
  new Gauge({
    name: 'mxv_groups_in_backoff',
    help: 'Provider and network groups currently slowed down because one of their addresses pushed back.',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.groupsInBackoff);
    },
  });
  new Gauge({
    name: 'mxv_host_cache_entries',
    help: 'Host probes currently cached fleet-wide.',
    registers,
    async collect() {
      const state = await current();
      if (state) this.set(state.hostCacheEntries);
    },
  });
  readErrors.inc(0);
  registry.registerMetric(readErrors);
  return { cache };
}

/** This process's own load: jobs running now against the configured concurrency (saturation). */
export function registerWorkerGauges(registry: Registry, describe: () => { inFlight: number; concurrency: number }): void {
  const registers = [registry];
  new Gauge({
    name: 'mxv_worker_jobs_in_flight',
    help: 'Jobs this worker is running now.',
    registers,
    collect() {
      this.set(describe().inFlight);
    },
  });
  new Gauge({
    name: 'mxv_worker_concurrency',
    help: 'Jobs this worker may run at once (--concurrency).',
    registers,
    collect() {
      this.set(describe().concurrency);
    },
  });
}
