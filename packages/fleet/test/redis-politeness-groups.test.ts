import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeLoopbackPort, peakOverlap, peakPerWindow } from '@mxv/testkit';
import { Redis } from 'ioredis';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPolitenessStatus } from '../src/politeness-status.js';
import { fleetKeys, type FleetKeys } from '../src/redis-keys.js';
import { DEFAULT_POLITENESS, RedisPolitenessGate, type RedisPolitenessOptions } from '../src/redis-politeness-gate.js';
import { sampleProbe } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());
beforeEach(async () => server.flush());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UNBOUND = { connectionsPerSecond: 10_000, maxConcurrent: 10_000 };

function options(overrides: Partial<RedisPolitenessOptions>): RedisPolitenessOptions {
  return {
    ...DEFAULT_POLITENESS,
    connectionsPerSecond: 1000,
    maxConcurrentPerIp: 100,
    provider: UNBOUND,
    network: UNBOUND,
    leaseTtlMs: 10_000,
    jitterAllowanceMs: 0,
    ...overrides,
  };
}

/** Every key of the politeness scripts, as the gate names them for one connection's scopes. */
function politeKeysOf(keys: FleetKeys, ip: string, provider: string, network: string): string[] {
  return [
    keys.groupGrants(1),
    keys.backoffIndex,
    keys.groupBackoffIndex,
    ...(['recent', 'leases', 'backoff'] as const).flatMap((kind) => {
      const of = kind === 'recent' ? keys.politeRecent : kind === 'leases' ? keys.politeLeases : keys.backoff;
      return [of('address', ip), of('provider', provider), of('network', network)];
    }),
  ];
}

/** The hash tag Redis Cluster hashes (the first non-empty {...}), or the whole key. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('RedisPolitenessGate: provider and network groups', () => {
  it('puts every key a script touches under one hash tag (one Cluster slot), IPv6 and IDN included', () => {
    const keys = fleetKeys('fleet-a');
    const all = [
      ...politeKeysOf(keys, '198.51.100.7', 'google.com', '198.51.100.0/24'),
      ...politeKeysOf(keys, '2001:db8:1::25', 'xn--e1afmkfd.xn--p1ai', '2001:db8:1::/48'),
    ];
    expect(new Set(all.map(hashTag))).toEqual(new Set(['fleet-a-polite']));
    // Another prefix is another slot (several fleets on one Cluster do not share one).
    expect(hashTag(fleetKeys('fleet-b').politeRecent('address', '198.51.100.7'))).toBe('fleet-b-polite');
  });

  it("puts them in one slot by Redis Cluster's own hashing (CLUSTER KEYSLOT of a cluster-enabled redis-server)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mxv-keyslot-'));
    const port = await freeLoopbackPort();
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      {
        stdio: 'ignore',
      },
    );
    // No retries of its own: the loop below waits until the server answers.
    const node = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    // Refused connections while it starts reach connect() below; the event would only be logged.
    node.on('error', () => undefined);
    try {
      const deadline = Date.now() + 10_000;
      for (;;) {
        try {
          await node.connect();
          break;
        } catch (error) {
          if (Date.now() > deadline) throw error;
          await sleep(50);
        }
      }
      const keys = fleetKeys('mxv');
      const slotOf = async (key: string) => Number(await node.call('CLUSTER', 'KEYSLOT', key));
      const all = [
        ...politeKeysOf(keys, '198.51.100.7', 'google.com', '198.51.100.0/24'),
        ...politeKeysOf(keys, '2001:db8:1::25', 'xn--e1afmkfd.xn--p1ai', '2001:db8:1::/48'),
      ];
      const slots = new Set(await Promise.all(all.map(slotOf)));
      expect(slots.size).toBe(1);
      expect([...slots][0]).toBe(await slotOf('{mxv-polite}'));
    } finally {
      node.disconnect();
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses on the provider without taking the address token or the network token (atomic)', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('atomic'));
    const gate = new RedisPolitenessGate(redis, keys, options({ provider: { connectionsPerSecond: 1000, maxConcurrent: 1 } }));
    const first = await gate.acquire({ ip: '198.51.100.1', exchange: 'aspmx.l.big.example' });
    expect(first.status).toBe('granted');
    // Another address of the same provider, in another /24: its own address and network are free.
    const second = await gate.acquire({ ip: '203.0.113.9', exchange: 'alt1.aspmx.l.big.example' });
    expect(second).toMatchObject({
      status: 'wait',
      reason: 'politeness_provider_concurrency',
      limit: { scope: 'provider', kind: 'concurrency' },
    });
    // Nothing of the refused connection was written: no address slot, no lease, no network token.
    expect(await redis.exists(keys.politeRecent('address', '203.0.113.9'))).toBe(0);
    expect(await redis.exists(keys.politeLeases('address', '203.0.113.9'))).toBe(0);
    expect(await redis.exists(keys.politeRecent('network', '203.0.113.0/24'))).toBe(0);
    expect(await redis.exists(keys.politeLeases('network', '203.0.113.0/24'))).toBe(0);
    expect(await redis.zcard(keys.politeLeases('provider', 'big.example'))).toBe(1);
    const minute = keys.groupGrants(Math.floor(Date.now() / 60_000));
    expect(Number(await redis.zscore(minute, 'provider:big.example'))).toBe(1);
    expect(await redis.zscore(minute, 'network:203.0.113.0/24')).toBeNull();

    // Released: the provider's slot frees, and all three scopes are taken together.
    if (first.status === 'granted') first.release();
    await sleep(20);
    const third = await gate.acquire({ ip: '203.0.113.9', exchange: 'alt1.aspmx.l.big.example' });
    expect(third.status).toBe('granted');
    expect(await redis.zcard(keys.politeLeases('address', '203.0.113.9'))).toBe(1);
    expect(await redis.zcard(keys.politeLeases('network', '203.0.113.0/24'))).toBe(1);
    expect(await redis.zcard(keys.politeLeases('provider', 'big.example'))).toBe(1);
    if (third.status === 'granted') third.release();
    await sleep(20);
    expect(await redis.zcard(keys.politeLeases('provider', 'big.example'))).toBe(0);
    expect(await redis.zcard(keys.politeLeases('address', '203.0.113.9'))).toBe(0);
  });

  it('says which scope and which limit refused, and counts each refusal by them', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('reasons'));
    const registry = new Registry();
    const waits = new Counter({ name: 'waits_total', help: 'test', labelNames: ['scope', 'limit'], registers: [registry] });
    const gate = new RedisPolitenessGate(
      redis,
      keys,
      options({
        connectionsPerSecond: 1,
        provider: { connectionsPerSecond: 1, maxConcurrent: 100 },
        network: { connectionsPerSecond: 1000, maxConcurrent: 1 },
        waits,
      }),
    );
    expect((await gate.acquire({ ip: '192.0.2.1', exchange: 'mx.one.example' })).status).toBe('granted');
    // Same address, another provider, same /24: the address's rate and the network's cap both refuse;
    // the longer wait is the address's second-long rate interval.
    expect(await gate.acquire({ ip: '192.0.2.1', exchange: 'mx.two.example' })).toMatchObject({
      status: 'wait',
      reason: 'politeness_rate',
      limit: { scope: 'address', kind: 'rate' },
    });
    // Another address of provider one in another /24: the provider's rate.
    expect(await gate.acquire({ ip: '198.51.100.1', exchange: 'mx2.one.example' })).toMatchObject({
      status: 'wait',
      reason: 'politeness_provider_rate',
      limit: { scope: 'provider', kind: 'rate' },
    });
    // Another provider, another address, same /24: the network's cap.
    expect(await gate.acquire({ ip: '192.0.2.2', exchange: 'mx.two.example' })).toMatchObject({
      status: 'wait',
      reason: 'politeness_network_concurrency',
      limit: { scope: 'network', kind: 'concurrency' },
    });
    const counted = (await registry.getSingleMetric('waits_total')?.get())?.values ?? [];
    const count = (scope: string, limit: string) =>
      counted.find((v) => v.labels['scope'] === scope && v.labels['limit'] === limit)?.value ?? 0;
    expect([count('address', 'rate'), count('provider', 'rate'), count('network', 'concurrency')]).toEqual([1, 1, 1]);
  });

  /**
   * Three "workers" (each its own connection and gate) and 24 acquirers over eight
   * addresses of one provider, each address in its own /24; every grant is held
   * `holdMs`. The span is taken inside the grant: it starts after the grant and
   * ends before the release, so overlaps and windows are within what the gate allowed.
   */
  async function hammerProvider(prefix: string, holdMs: number, runMs: number) {
    const keys = fleetKeys(server.prefix(prefix));
    const gates = [0, 1, 2].map(
      () =>
        new RedisPolitenessGate(
          server.client(),
          keys,
          options({
            connectionsPerSecond: ADDRESS.rate,
            maxConcurrentPerIp: ADDRESS.open,
            provider: { connectionsPerSecond: PROVIDER.rate, maxConcurrent: PROVIDER.open },
            concurrencyRetryMs: 20,
          }),
        ),
    );
    const addresses = Array.from({ length: 8 }, (_, i) => `198.51.${100 + i}.25`);
    // start/end: taken inside the grant (after it, before the release), so overlaps are within what was granted;
    // grantedAt: the grant's time on Redis's clock, the instant the rate was decided at (no event-loop delay in it).
    const spans: Array<{ ip: string; start: number; end: number; grantedAt: number }> = [];
    const deadline = Date.now() + runMs;
    await Promise.all(
      Array.from({ length: 24 }, async (_, i) => {
        const gate = gates[i % gates.length] as RedisPolitenessGate;
        const ip = addresses[i % addresses.length] as string;
        while (Date.now() < deadline) {
          const decision = await gate.acquire({ ip, exchange: `mx${i % addresses.length}.mail.provider.example` });
          if (decision.status === 'wait') {
            await sleep(Math.min(decision.retryAfterMs, 25));
            continue;
          }
          const start = Date.now();
          await sleep(holdMs);
          spans.push({ ip, start, end: Date.now(), grantedAt: decision.grantedAtMs });
          decision.release();
        }
      }),
    );
    for (const ip of addresses) {
      const own = spans.filter((s) => s.ip === ip);
      expect(peakOverlap(own)).toBeLessThanOrEqual(ADDRESS.open);
      expect(
        peakPerWindow(
          own.map((s) => s.grantedAt),
          1000,
        ),
      ).toBeLessThanOrEqual(ADDRESS.rate);
    }
    return spans;
  }
  const ADDRESS = { rate: 4, open: 2 };
  const PROVIDER = { rate: 6, open: 3 };

  it("holds a provider's concurrency across its addresses, each address within its own", async () => {
    // Long holds: the provider's cap binds (6/s × 0.8 s would be 4.8 open), far below 8 addresses × 2.
    const spans = await hammerProvider('provider-open', 800, 2_600);
    expect(peakOverlap(spans)).toBe(PROVIDER.open);
  });

  it("holds a provider's rate across its addresses, each address within its own", async () => {
    // Short holds: the provider's rate binds, far below 8 addresses × 4 a second.
    const spans = await hammerProvider('provider-rate', 30, 2_200);
    expect(spans.length).toBeGreaterThan(PROVIDER.rate);
    expect(
      peakPerWindow(
        spans.map((s) => s.grantedAt),
        1000,
      ),
    ).toBeLessThanOrEqual(PROVIDER.rate);
  });

  it('gives an address literal exchange no provider group, but still its network group', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('literal'));
    const gate = new RedisPolitenessGate(redis, keys, options({ network: { connectionsPerSecond: 1000, maxConcurrent: 1 } }));
    const granted = await gate.acquire({ ip: '192.0.2.50', exchange: '[192.0.2.50]' });
    expect(granted.status).toBe('granted');
    const minute = keys.groupGrants(Math.floor(Date.now() / 60_000));
    expect(await redis.zrange(minute, 0, -1)).toEqual(['network:192.0.2.0/24']);
    expect(await gate.acquire({ ip: '192.0.2.51', exchange: '192.0.2.51' })).toMatchObject({
      status: 'wait',
      limit: { scope: 'network', kind: 'concurrency' },
    });
  });

  it('backs off the whole provider and network group after pressure on one address, and lists them', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('backoff'));
    // 4 grants a second to the provider: 4 per 1000 ms window (no jitter slack in these tests).
    const gate = new RedisPolitenessGate(
      redis,
      keys,
      options({
        provider: { connectionsPerSecond: 4, maxConcurrent: 100 },
        network: { connectionsPerSecond: 1000, maxConcurrent: 100 },
        backoffFactor: 4,
        backoffMs: 5_000,
      }),
    );
    const busy = { ip: '192.0.2.20', exchange: 'mx1.pushy.example' };
    const first = await gate.acquire(busy);
    if (first.status === 'granted') first.release();
    const sign = await gate.noteOutcome(busy, sampleProbe(busy.ip, { banner: { code: 421, text: 'too busy' } }));
    expect(sign).toEqual({ status: 'pressure', reason: 'greeting_421' });
    for (const [scope, id] of [
      ['address', '192.0.2.20'],
      ['provider', 'pushy.example'],
      ['network', '192.0.2.0/24'],
    ] as const) {
      expect(await redis.hget(keys.backoff(scope, id), 'factor'), `${scope} ${id}`).toBe('4');
      expect(await redis.pttl(keys.backoff(scope, id))).toBeGreaterThan(4_000);
    }
    expect(await redis.zrange(keys.backoffIndex, 0, -1)).toEqual(['192.0.2.20']);
    expect(await redis.zrange(keys.groupBackoffIndex, 0, -1)).toEqual(['network:192.0.2.0/24', 'provider:pushy.example']);

    // Another address of the same provider, in another /24: its provider's next grant was put off
    // by one slowed slot (1000 ms window × 4 / 4 grants).
    const other = { ip: '198.51.100.20', exchange: 'mx2.pushy.example' };
    const slowed = await gate.acquire(other);
    expect(slowed).toMatchObject({ status: 'wait', limit: { scope: 'provider', kind: 'rate' } });
    expect(slowed.status === 'wait' && slowed.retryAfterMs).toBeGreaterThan(500);
    expect(slowed.status === 'wait' && slowed.retryAfterMs).toBeLessThanOrEqual(1_000);
    await sleep((slowed.status === 'wait' ? slowed.retryAfterMs : 0) + 10);
    // From then on the provider allows its 4 grants per 4 s instead of per second: two more now, not a third.
    const held = [];
    for (const ip of ['198.51.100.20', '203.0.113.20', '203.0.113.21']) {
      const decision = await gate.acquire({ ip, exchange: 'mx2.pushy.example' });
      expect(decision.status, ip).toBe('granted');
      held.push(decision);
    }
    const fifth = await gate.acquire({ ip: '203.0.113.22', exchange: 'mx3.pushy.example' });
    expect(fifth).toMatchObject({ status: 'wait', limit: { scope: 'provider', kind: 'rate' } });
    // The oldest of the window (the first grant, about a second ago) leaves it after 4 s.
    expect(fifth.status === 'wait' && fifth.retryAfterMs).toBeGreaterThan(1_500);
    // An unrelated provider in an unrelated network is not slowed.
    expect((await gate.acquire({ ip: '203.0.114.1', exchange: 'mx.calm.example' })).status).toBe('granted');

    const status = await readPolitenessStatus(redis, keys);
    expect(status.groupsInBackoff).toBe(2);
    const pushy = status.busiestGroups.find((g) => g.group === 'pushy.example');
    expect(pushy).toMatchObject({ scope: 'provider', grants: 4, open: 3 });
    expect(Date.parse(pushy?.backedOffUntil ?? '')).toBeGreaterThan(Date.now() + 3_000);
    expect(status.busiestGroups[0]?.group).toBe('pushy.example');
    expect(status.busiestGroups.find((g) => g.group === 'calm.example')).toMatchObject({ grants: 1, backedOffUntil: null });
    for (const decision of held) if (decision.status === 'granted') decision.release();
  });

  it('lets the exchanges one domain needs of a provider start together, never more than its rate in a second', async () => {
    const keys = fleetKeys(server.prefix('burst'));
    const gate = new RedisPolitenessGate(
      server.client(),
      keys,
      options({ provider: { connectionsPerSecond: 3, maxConcurrent: 100 }, network: UNBOUND }),
    );
    // Three exchanges of one provider asked at the same moment (as one domain's hosts are): all start.
    const together = await Promise.all(
      ['alpha', 'beta', 'gamma'].map((name, i) =>
        gate.acquire({ ip: `198.51.${100 + i}.1`, exchange: `${name}.mx.wide.example` }),
      ),
    );
    expect(together.map((d) => d.status)).toEqual(['granted', 'granted', 'granted']);
    // The fourth in the same second waits for the first to leave the window.
    const fourth = await gate.acquire({ ip: '198.51.103.1', exchange: 'delta.mx.wide.example' });
    expect(fourth).toMatchObject({ status: 'wait', reason: 'politeness_provider_rate' });
    expect(fourth.status === 'wait' && fourth.retryAfterMs).toBeGreaterThan(500);
    expect(fourth.status === 'wait' && fourth.retryAfterMs).toBeLessThanOrEqual(1_000);
  });

  it('ranks the busiest groups by grants over this minute and the last, at most the shown count', async () => {
    const redis = server.client();
    const keys = fleetKeys(server.prefix('busiest'));
    const now = Date.now();
    const minute = Math.floor(now / 60_000);
    await redis
      .pipeline()
      .zadd(keys.groupGrants(minute), 5, 'provider:a.example', 1, 'provider:b.example', 9, 'network:192.0.2.0/24')
      .zadd(keys.groupGrants(minute - 1), 7, 'provider:b.example', 2, 'provider:c.example')
      // An old minute no longer counts; an unknown member (another version) is skipped.
      .zadd(keys.groupGrants(minute - 2), 100, 'provider:old.example')
      .zadd(keys.groupGrants(minute), 50, 'weird')
      .zadd(keys.politeLeases('provider', 'b.example'), now + 60_000, 't1', now + 60_000, 't2', now - 1, 'lapsed')
      .zadd(keys.groupBackoffIndex, now + 60_000, 'provider:a.example', now - 1, 'provider:c.example')
      .exec();
    const status = await readPolitenessStatus(redis, keys, now, 3);
    expect(status.busiestGroups).toEqual([
      { scope: 'network', group: '192.0.2.0/24', grants: 9, open: 0, backedOffUntil: null },
      { scope: 'provider', group: 'b.example', grants: 8, open: 2, backedOffUntil: null },
      { scope: 'provider', group: 'a.example', grants: 5, open: 0, backedOffUntil: new Date(now + 60_000).toISOString() },
    ]);
    // The ended back-off was trimmed from the index.
    expect(status.groupsInBackoff).toBe(1);
    expect(await redis.zcard(keys.groupBackoffIndex)).toBe(1);
  });
});
