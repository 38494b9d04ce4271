import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createMetricsRegistry,
  readFleetGauges,
  registerFleetGauges,
  ScrapeCache,
  startMetricsServer,
  type FleetGauges,
} from '../src/metrics/index.js';
import { createVerifyQueue, type VerifyQueue } from '../src/queue.js';
import { fleetKeys } from '../src/redis-keys.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
const queues: VerifyQueue[] = [];
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  for (const queue of queues) await queue.close();
  await server.stop();
});

describe('ScrapeCache', () => {
  it('serves one read to concurrent askers and within the TTL, reads again after it', async () => {
    let clock = 0;
    let release: (value: number) => void = () => undefined;
    let value = 0;
    const cache = new ScrapeCache(
      () =>
        new Promise<number>((resolve) => {
          release = resolve;
        }),
      1_000,
      () => clock,
    );
    const asked = [cache.get(), cache.get(), cache.get()];
    release(++value);
    expect(await Promise.all(asked)).toEqual([1, 1, 1]);
    expect(cache.reads).toBe(1);
    clock = 999;
    expect(await cache.get()).toBe(1);
    expect(cache.reads).toBe(1);
    clock = 1_000;
    const again = cache.get();
    release(++value);
    expect(await again).toBe(2);
    expect(cache.reads).toBe(2);
  });

  it('no asker waits past readTimeoutMs for a read that hangs (Redis gone); the one read goes on, single flight', async () => {
    let release: (value: string) => void = () => undefined;
    const cache = new ScrapeCache(
      () =>
        new Promise<string>((resolve) => {
          release = resolve;
        }),
      60_000,
      Date.now,
      50,
    );
    await expect(cache.get()).rejects.toThrow(/over 50 ms/);
    await expect(cache.get()).rejects.toThrow(/over 50 ms/);
    expect(cache.reads).toBe(1);
    release('back');
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(await cache.get()).toBe('back');
    expect(cache.reads).toBe(1);
  });

  it('does not keep a failed read: the next ask tries again', async () => {
    let fail = true;
    const cache = new ScrapeCache(async () => {
      if (fail) throw new Error('redis away');
      return 'ok';
    }, 60_000);
    await expect(cache.get()).rejects.toThrow('redis away');
    fail = false;
    expect(await cache.get()).toBe('ok');
    expect(cache.reads).toBe(2);
  });
});

describe('fleet gauges', () => {
  it('read queue depth, live workers, back-off and cache entries from Redis, once per TTL for many scrapers', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('gauges'));
    const queue = createVerifyQueue(redis, keys);
    queues.push(queue);
    await queue.addBulk([
      { name: 'check', data: {}, opts: { jobId: 'a.test' } },
      { name: 'check', data: {}, opts: { jobId: 'b.test' } },
    ]);
    // A VerifyJobRequest has no delay option: the delayed job is added to its shard (a BullMQ queue) directly.
    await queue.shardFor('c.test').add('check', {}, { jobId: 'c.test', delay: 60_000 });
    const now = Date.now();
    await redis
      .pipeline()
      .zadd(keys.workers, now - 1_000, 'w-live', now - 100_000, 'w-dead')
      .zadd(keys.backoffIndex, now + 60_000, '192.0.2.1', now + 60_000, '192.0.2.2', now - 1, '192.0.2.3')
      .zadd(keys.hostIndex, now + 60_000, 'h1', now - 1, 'h-expired')
      .zadd(keys.groupBackoffIndex, now + 60_000, 'provider:example.test', now - 1, 'network:192.0.2.0/24')
      .exec();

    let reads = 0;
    const registry = createMetricsRegistry({ defaultMetrics: false });
    registerFleetGauges(
      registry,
      () => {
        reads += 1;
        return readFleetGauges(redis, queue, keys, 15_000);
      },
      5_000,
    );
    const texts = await Promise.all(Array.from({ length: 5 }, () => registry.metrics()));
    expect(reads).toBe(1);
    const text = texts[0] ?? '';
    expect(text).toContain('mxv_queue_jobs{state="waiting"} 2');
    expect(text).toContain('mxv_queue_jobs{state="delayed"} 1');
    expect(text).toContain('mxv_queue_jobs{state="active"} 0');
    expect(text).toContain('mxv_workers_alive 1');
    expect(text).toContain(`mxv_worker_last_heartbeat_timestamp_seconds ${(now - 1_000) / 1000}`);
    expect(text).toContain('mxv_hosts_in_backoff 2');
    expect(text).toContain('mxv_host_cache_entries 1');
    expect(text).toContain('mxv_groups_in_backoff 1');
    // Read-only: a scrape trims nothing (mxv status does).
    expect(await redis.zcard(keys.backoffIndex)).toBe(3);
  });

  it('keeps the last values and counts the failure when Redis cannot be read', async () => {
    let fail = false;
    const state: FleetGauges = {
      queue: { waiting: 7, prioritized: 0, active: 1, delayed: 0, failed: 0 },
      workersAlive: 2,
      lastHeartbeatSeconds: 1,
      hostsInBackoff: 0,
      groupsInBackoff: 0,
      hostCacheEntries: 0,
    };
    const registry = createMetricsRegistry({ defaultMetrics: false });
    registerFleetGauges(
      registry,
      async () => {
        if (fail) throw new Error('connection lost');
        return state;
      },
      0,
    );
    expect(await registry.metrics()).toContain('mxv_queue_jobs{state="waiting"} 7');
    fail = true;
    const text = await registry.metrics();
    expect(text).toContain('mxv_queue_jobs{state="waiting"} 7');
    expect(text).toContain('mxv_workers_alive 2');
    expect(text).toContain('mxv_fleet_state_read_errors_total 1');
  });
});

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics server', () => {
  it('serves /metrics, /healthz and /readyz, and refuses anything else', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: true });
    let ready = false;
    const started = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, ready: () => ready });
    if (started.status !== 'ok') throw new Error(started.reason);
    const { port } = started.server;
    try {
      const metrics = await get(port, '/metrics');
      expect(metrics.status).toBe(200);
      expect(metrics.type).toContain('text/plain; version=0.0.4');
      expect(metrics.body).toContain('mxv_process_cpu_seconds_total');
      expect((await get(port, '/healthz')).status).toBe(200);
      expect((await get(port, '/readyz')).status).toBe(503);
      ready = true;
      expect((await get(port, '/readyz')).status).toBe(200);
      expect((await get(port, '/nope')).status).toBe(404);
      expect((await get(port, '/metrics', 'POST')).status).toBe(405);
    } finally {
      await started.server.close();
    }
  });

  it('reports a port that is taken as data, not a crash', async () => {
    const registry = createMetricsRegistry({ defaultMetrics: false });
    const first = await startMetricsServer({ registry, host: '127.0.0.1', port: 0, ready: () => true });
    if (first.status !== 'ok') throw new Error(first.reason);
    try {
      const second = await startMetricsServer({ registry, host: '127.0.0.1', port: first.server.port, ready: () => true });
      expect(second).toMatchObject({ status: 'failed', reason: expect.stringContaining('EADDRINUSE') });
    } finally {
      await first.server.close();
    }
  });
});
