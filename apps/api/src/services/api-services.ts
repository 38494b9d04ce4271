import {
  createMetricsRegistry,
  createRedisClient,
  duplicateRedis,
  type FleetRedis,
  createVerifyQueue,
  fleetKeys,
  registerAnonymousCheckMetrics,
  ResultEventFeed,
  ResultStore,
  type FleetKeys,
  type VerifyQueue,
} from '@mxv/fleet';
import type { Registry } from 'prom-client';
import type { ApiLimits, ApiOptions } from '../api-options.js';
import { ClientStreamSlots } from './client-stream-slots.js';
import { LiveCheckBudget } from './live-check-budget.js';
import { refusedValues } from './refused-values.js';
import { ResultCache } from './result-cache.js';
import { ResultAnswers } from './result-answers.js';

/** What the routes use, built once per app (Fastify's "services" layer: between the plugins and the routes). */
export interface ApiServices {
  redis: FleetRedis;
  keys: FleetKeys;
  store: ResultStore;
  queue: VerifyQueue;
  feed: ResultEventFeed;
  registry: Registry;
  token: string | null;
  limits: ApiLimits;
  /** Hot reads of GET /v1/domains/{domain}: stored bytes through a micro-cache. */
  answers: ResultAnswers;
  /** Live checks without a token: per-client and fleet-wide budgets in Redis. */
  liveChecks: LiveCheckBudget;
  /** Event streams per client address (the feed caps the total). */
  streamSlots: ClientStreamSlots;
  close(): Promise<void>;
}

export function createApiServices(options: ApiOptions, limits: ApiLimits): ApiServices {
  const keys = fleetKeys(options.prefix, options.shards);
  const owned: FleetRedis[] = [];
  let redis: FleetRedis;
  if (typeof options.redis === 'string') {
    // A bounded retry and a command timeout: while Redis is away, requests fail
    // fast with 503 instead of waiting in ioredis' offline queue.
    const created = createRedisClient(options.redis, {
      cluster: options.redisCluster === true,
      // Concurrent requests' GETs leave in one write: fewer syscalls on both sides under load
      // (on a Cluster, one write per master: ioredis groups them by node).
      redis: { maxRetriesPerRequest: 1, commandTimeout: limits.redisCommandTimeoutMs, enableAutoPipelining: true },
      clusterOptions: { enableAutoPipelining: true },
    });
    if (created.status === 'invalid') throw new Error(created.reason);
    redis = created.redis;
    redis.on('error', () => undefined);
    owned.push(redis);
  } else {
    redis = options.redis;
  }
  // XREAD BLOCK waits longer than any command timeout: the feed gets its own connection without one.
  const reader = duplicateRedis(redis, { commandTimeout: undefined, maxRetriesPerRequest: null });
  reader.on('error', () => undefined);
  // A caller's registry (mxv api) comes with the fleet's process metrics (mxv_ prefix) already.
  const registry = options.registry ?? createMetricsRegistry();
  const refused = refusedValues(registry, options.logger);
  const feed = new ResultEventFeed(reader, keys, {
    maxListeners: limits.maxEventStreams,
    // As long as any other Redis command of the API may take, then 503.
    startTimeoutMs: limits.redisCommandTimeoutMs,
    onInvalidEvent: refused.onInvalidEvent,
  });
  const queue = createVerifyQueue(redis, keys);
  // Failures reach the routes as rejected commands (503); the queue's own 'error' events would only be printed.
  queue.on('error', () => undefined);
  const store = new ResultStore(redis, keys, { onUnreadable: refused.onUnreadable });
  return {
    redis,
    keys,
    store,
    queue,
    feed,
    registry,
    token: options.token ?? null,
    limits,
    answers: new ResultAnswers(store, new ResultCache(limits.resultCacheMs, limits.resultCacheEntries)),
    liveChecks: new LiveCheckBudget(redis, keys, limits, registerAnonymousCheckMetrics(registry)),
    streamSlots: new ClientStreamSlots(limits.maxEventStreamsPerClient),
    async close() {
      await feed.close();
      await queue.close();
      for (const connection of owned) connection.disconnect();
    },
  };
}
