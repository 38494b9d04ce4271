import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fleetKeys } from '../src/redis-keys.js';
import { ResultStore } from '../src/result-store.js';
import { sampleResult } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());
beforeEach(async () => server.flush());

describe('ResultStore', () => {
  it('keeps the newest result whatever the order of writes (at-least-once delivery)', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t1'));
    const store = new ResultStore(redis, keys);
    const newer = sampleResult('a.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' });
    const older = sampleResult('a.test', '2026-01-01T00:00:00.000Z');
    expect(await store.write(newer)).toEqual({ status: 'written' });
    expect(await store.write(older)).toEqual({ status: 'kept_newer' });
    // A redelivery of the same run is a no-op, not a second event.
    expect(await store.write(newer)).toEqual({ status: 'kept_newer' });
    const got = await store.get('a.test');
    expect(got.status).toBe('found');
    expect(got.status === 'found' && got.result.verdict).toBe('unreachable');
    expect(await redis.xlen(keys.events)).toBe(1);
    const [[, fields] = ['', []]] = await redis.xrange(keys.events, '-', '+');
    expect(fields).toEqual(['domain', 'a.test', 'verdict', 'unreachable', 'checkedAt', '2026-01-02T00:00:00.000Z']);
    const newest = sampleResult('a.test', '2026-01-03T00:00:00.000Z', { attempts: 2 });
    expect(await store.write(newest)).toEqual({ status: 'written' });
    const again = await store.get('a.test');
    expect(again.status === 'found' && again.result.attempts).toBe(2);
  });

  it('stores under the domain hash tag with the configured TTL', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t2'));
    const store = new ResultStore(redis, keys, { resultTtlMs: 60_000 });
    await store.write(sampleResult('b.test', '2026-01-01T00:00:00.000Z'));
    expect(keys.result('b.test')).toBe(`${server.prefix('t2')}:result:{b.test}`);
    const ttl = await redis.pttl(`${server.prefix('t2')}:result:{b.test}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('reads many at once, in order, and says which are missing', async () => {
    const redis = server.client();
    const store = new ResultStore(redis, fleetKeys(server.prefix('t3')));
    await store.write(sampleResult('c.test', '2026-01-01T00:00:00.000Z'));
    const many = await store.getMany(['x.test', 'c.test']);
    expect(many.map((entry) => entry.status)).toEqual(['not_found', 'found']);
    expect(many[0]).toEqual({ status: 'not_found', domain: 'x.test' });
    expect(await store.checkedAtMany(['c.test', 'x.test'])).toEqual([Date.parse('2026-01-01T00:00:00.000Z'), null]);
  });

  it('counts written results per minute for mxv status', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('t4'));
    const store = new ResultStore(redis, keys);
    const now = Date.parse('2026-05-05T10:00:30.000Z');
    await store.write(sampleResult('d.test', '2026-01-01T00:00:00.000Z'), now);
    await store.write(sampleResult('e.test', '2026-01-01T00:00:00.000Z'), now);
    expect(await redis.get(keys.statCompleted(Math.floor(now / 60_000)))).toBe('2');
  });
});
