import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FleetRedis } from '../src/redis-connection.js';
import { fleetKeys } from '../src/redis-keys.js';
import { ResultEventFeed, readRecentResultEvents, type ResultEvent } from '../src/result-event-feed.js';
import { ResultStore } from '../src/result-store.js';
import { sampleResult } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server?.stop());

const blockedReaders = async (): Promise<number> => {
  const list = await server.client().client('LIST');
  return String(list)
    .split('\n')
    .filter((line) => / cmd=xread\b/.test(line) && / flags=b\b/.test(line)).length;
};

describe('ResultEventFeed', () => {
  it('fans one blocking reader out to many listeners, each domain to its own', async () => {
    const keys = fleetKeys(server.prefix('feed1'));
    const store = new ResultStore(server.client(), keys);
    const feed = new ResultEventFeed(server.client(), keys, { blockMs: 200 });
    const got = new Map<string, ResultEvent[]>();
    const unsubscribes: Array<() => void> = [];
    for (let i = 0; i < 40; i++) {
      const domain = `d${i % 4}.test`;
      const sub = await feed.subscribe(domain, (event) => got.set(`${i}`, [...(got.get(`${i}`) ?? []), event]));
      if (sub.status !== 'ok') throw new Error(sub.status);
      unsubscribes.push(sub.unsubscribe);
    }
    expect(feed.listenerCount).toBe(40);
    // A write right after subscribe returns is never missed (the reader starts from the stream's last entry).
    for (let d = 0; d < 4; d++) await store.write(sampleResult(`d${d}.test`, new Date().toISOString()));
    const deadline = Date.now() + 3_000;
    while (got.size < 40 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (let i = 0; i < 40; i++) {
      const events = got.get(`${i}`) ?? [];
      expect(events.map((e) => e.domain)).toEqual([`d${i % 4}.test`]);
      expect(events[0]?.verdict).toBe('ok');
    }
    expect(await blockedReaders()).toBeLessThanOrEqual(1);
    for (const unsubscribe of unsubscribes) unsubscribe();
    expect(feed.listenerCount).toBe(0);
    // With nobody listening the reader stops after its current block.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await blockedReaders()).toBe(0);
    // And starts again for the next listener.
    const again: ResultEvent[] = [];
    const sub = await feed.subscribe('d1.test', (event) => again.push(event));
    await store.write(sampleResult('d1.test', new Date(Date.now() + 1_000).toISOString()));
    const until = Date.now() + 3_000;
    while (again.length === 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(again).toHaveLength(1);
    if (sub.status === 'ok') sub.unsubscribe();
    await feed.close();
    expect(await feed.subscribe('d1.test', () => undefined)).toEqual({ status: 'closed' });
  });

  it('refuses listeners past its bound', async () => {
    const feed = new ResultEventFeed(server.client(), fleetKeys(server.prefix('feed2')), { blockMs: 100, maxListeners: 2 });
    const a = await feed.subscribe('a.test', () => undefined);
    const b = await feed.subscribe('b.test', () => undefined);
    expect([a.status, b.status]).toEqual(['ok', 'ok']);
    expect(await feed.subscribe('c.test', () => undefined)).toEqual({ status: 'full' });
    if (a.status === 'ok') a.unsubscribe();
    expect((await feed.subscribe('c.test', () => undefined)).status).toBe('ok');
    await feed.close();
  });

  it('lists recent events newest first', async () => {
    const keys = fleetKeys(server.prefix('feed3'));
    const store = new ResultStore(server.client(), keys);
    await store.write(sampleResult('first.test', '2026-01-01T00:00:00.000Z'));
    await store.write(sampleResult('second.test', '2026-01-02T00:00:00.000Z', { verdict: 'unreachable' }));
    const recent = await readRecentResultEvents(server.client(), keys, 10);
    expect(recent.map((e) => [e.domain, e.verdict])).toEqual([
      ['second.test', 'unreachable'],
      ['first.test', 'ok'],
    ]);
  });

  it('skips stream entries it did not write (bad id, domain or checkedAt) and reports each', async () => {
    const keys = fleetKeys(server.prefix('feed-invalid'));
    const redis = server.client();
    const invalid: string[] = [];
    const feed = new ResultEventFeed(server.client(), keys, {
      blockMs: 200,
      onInvalidEvent: (_id, reason) => invalid.push(reason),
    });
    const got: ResultEvent[] = [];
    const sub = await feed.subscribe('x.test', (event) => got.push(event));
    if (sub.status !== 'ok') throw new Error(sub.status);
    const at = new Date().toISOString();
    await redis.xadd(keys.events, '*', 'domain', 'x.test', 'verdict', 'ok', 'checkedAt', 'not a time');
    await redis.xadd(keys.events, '*', 'domain', 'x.test\nevent: injected', 'verdict', 'ok', 'checkedAt', at);
    await redis.xadd(keys.events, '*', 'domain', 'x.test', 'verdict', 'ok', 'checkedAt', at);
    const deadline = Date.now() + 3_000;
    while (got.length < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    sub.unsubscribe();
    await feed.close();
    expect(got.map((event) => [event.domain, event.checkedAt])).toEqual([['x.test', at]]);
    expect(invalid).toEqual(['bad_checked_at', 'bad_domain']);
    // The lookup page's "recently checked" list skips them too.
    expect((await readRecentResultEvents(redis, keys, 10)).map((event) => event.domain)).toEqual(['x.test']);
  });
});

describe('ResultEventFeed while Redis is away', () => {
  it('subscribe gives up after startTimeoutMs as a timed-out command (the API answers 503) and frees its place', async () => {
    // The reader's connection has no command timeout: with Redis gone, its XREVRANGE waits for Redis to return.
    const hung = {
      xrevrange: () => new Promise(() => undefined),
      xread: () => new Promise(() => undefined),
      disconnect: () => undefined,
    } as unknown as FleetRedis;
    const feed = new ResultEventFeed(hung, fleetKeys('feed-away'), { startTimeoutMs: 50, maxListeners: 1 });
    const started = Date.now();
    await expect(feed.subscribe('a.test', () => undefined)).rejects.toThrow(/Command timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(feed.listenerCount).toBe(0);
    // The place is free again: the next subscriber is refused for the same reason, not as "full".
    await expect(feed.subscribe('b.test', () => undefined)).rejects.toThrow(/Command timed out/);
    expect(() => new ResultEventFeed(hung, fleetKeys('x'), { startTimeoutMs: 0 })).toThrow(/startTimeoutMs/);
    await feed.close();
  });
});
