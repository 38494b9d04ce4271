import type { CheckResult, HostResult } from '@mxv/schema';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fleetKeys } from '../src/redis-keys.js';
import { WatchFollower } from '../src/watch/watch-follower.js';
import { registerWatchGauges } from '../src/watch/watch-gauges.js';
import { WatchList } from '../src/watch/watch-list.js';
import type { WebhookQueue } from '../src/webhook/webhook-queue.js';
import { sampleResult } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 1);

function withCert(domain: string, notAfterMs: number, checkedAt = new Date(NOW).toISOString()): CheckResult {
  const result = sampleResult(domain, checkedAt);
  const host = result.hosts[0] as HostResult;
  const tls = {
    version: 'TLSv1.3',
    cipher: 'x',
    certValid: true,
    hostnameMatch: true,
    notAfter: new Date(notAfterMs).toISOString(),
    error: null,
  };
  return { ...result, hosts: [{ ...host, starttls: 'ok', tls }] };
}

describe('WatchFollower', () => {
  it('raises each expiry threshold once per certificate, and feeds the expiry gauge', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('f1'));
    const added: unknown[] = [];
    const queue = { add: async (...args: unknown[]) => added.push(args) } as unknown as WebhookQueue;
    let now = NOW;
    const follower = new WatchFollower(
      redis,
      keys,
      queue,
      { attempts: 3, backoffMs: 100 },
      1_000,
      pino({ level: 'silent' }),
      () => now,
    );
    await new WatchList(redis, keys).add(['w.test'], { everyMs: 60_000, webhook: null });

    const expiring = async (): Promise<string[]> =>
      (await redis.xrange(keys.events, '-', '+'))
        .map(([, fields]) => fields)
        .filter((fields) => fields[1] === 'expiring')
        .map((fields) => fields[fields.indexOf('days') + 1] as string);

    await follower.afterWrite(withCert('w.test', NOW + 40 * DAY), []);
    expect(await expiring()).toEqual([]);
    await follower.afterWrite(withCert('w.test', NOW + 20 * DAY), []);
    await follower.afterWrite(withCert('w.test', NOW + 20 * DAY), []);
    expect(await expiring()).toEqual(['30']);
    now = NOW + 14 * DAY;
    await follower.afterWrite(withCert('w.test', NOW + 20 * DAY), []);
    expect(await expiring()).toEqual(['30', '7']);
    now = NOW + 19.5 * DAY;
    await follower.afterWrite(withCert('w.test', NOW + 20 * DAY), []);
    await follower.afterWrite(withCert('w.test', NOW + 20 * DAY), []);
    expect(await expiring()).toEqual(['30', '7', '1']);

    const registry = new Registry();
    registerWatchGauges(
      registry,
      redis,
      keys,
      async () => 0,
      () => now,
    );
    const text = await registry.metrics();
    expect(text).toContain('mxv_watched_certificates_expiring{within="7d"} 1');
    expect(text).toContain('mxv_watched_domains 1');

    // Renewed: a new certificate starts from the top, and leaves the 30-day window.
    await follower.afterWrite(withCert('w.test', now + 90 * DAY), []);
    expect(await expiring()).toEqual(['30', '7', '1']);
    expect(await redis.zcount(keys.watchCertExpiry, '-inf', now + 30 * DAY)).toBe(0);

    // A domain nobody watches: nothing.
    await follower.afterWrite(withCert('other.test', now + 2 * DAY), [{ path: 'verdict', from: 'ok', to: 'unreachable' }]);
    expect(await redis.zscore(keys.watchCertExpiry, 'other.test')).toBeNull();
    expect(added).toEqual([]);
  });

  it('queues one delivery per change record for a watch with a webhook', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('f2'));
    const added: Array<[string, { url: string; body: string }, { jobId: string; attempts: number }]> = [];
    const queue = { add: async (...args: unknown[]) => added.push(args as (typeof added)[number]) } as unknown as WebhookQueue;
    const follower = new WatchFollower(redis, keys, queue, { attempts: 4, backoffMs: 100 }, 1_000, pino({ level: 'silent' }));
    await new WatchList(redis, keys).add(['h.test'], { everyMs: 60_000, webhook: 'https://hooks.example/x' });
    const result = sampleResult('h.test', '2026-06-01T00:00:00.000Z', { verdict: 'unreachable' });
    await follower.afterWrite(result, []);
    expect(added).toHaveLength(0);
    const changes = [{ path: 'verdict', from: 'ok', to: 'unreachable' }];
    await follower.afterWrite(result, changes);
    expect(added).toHaveLength(1);
    const [, data, opts] = added[0]!;
    expect(data.url).toBe('https://hooks.example/x');
    expect(JSON.parse(data.body)).toEqual({ type: 'changed', domain: 'h.test', at: result.checkedAt, changes });
    expect(opts).toMatchObject({ jobId: `h.test@${Date.parse(result.checkedAt)}`, attempts: 4 });
  });
});
