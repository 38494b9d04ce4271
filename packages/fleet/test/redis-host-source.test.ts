import type { HostProbe, HostProber, HostTarget, ProbeCallOptions, ReconnectLeave } from '@mxv/probe';
import { Counter, Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { RedisHostSource, type RedisHostSourceOptions } from '../src/redis-host-source.js';
import { fleetKeys, type FleetKeys } from '../src/redis-keys.js';
import { DEFAULT_POLITENESS, RedisPolitenessGate } from '../src/redis-politeness-gate.js';
import { sampleProbe } from './support/sample-result.js';
import { startTestRedis, type TestRedis } from './support/redis-server.js';

let server: TestRedis;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => server.stop());
beforeEach(async () => server.flush());

class CountingProber implements HostProber {
  calls: HostTarget[] = [];
  constructor(
    readonly delayMs: number,
    readonly make: (target: HostTarget) => HostProbe = (target) => sampleProbe(target.ip, { probedAs: target.exchange }),
  ) {}
  async probe(target: HostTarget): Promise<HostProbe> {
    this.calls.push(target);
    await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return this.make(target);
  }
}

const HOST_OPTIONS: RedisHostSourceOptions = {
  hostTtlMs: 60_000,
  transientHostTtlMs: 2_000,
  lockTtlMs: 5_000,
  lockedRetryMs: 200,
};

/** One "worker process": its own connection, gate and source over the shared keys. */
function source(keys: FleetKeys, prober: HostProber, rate = 100, invalidEntries: Counter | null = null): RedisHostSource {
  const redis = server.client();
  const gate = new RedisPolitenessGate(redis, keys, {
    ...DEFAULT_POLITENESS,
    connectionsPerSecond: rate,
    maxConcurrentPerIp: 2,
    // Group limits out of the way: these tests are about the cache and the per-address gate.
    provider: { connectionsPerSecond: 10_000, maxConcurrent: 10_000 },
    network: { connectionsPerSecond: 10_000, maxConcurrent: 10_000 },
    leaseTtlMs: 5_000,
  });
  return new RedisHostSource(redis, keys, prober, gate, { ...HOST_OPTIONS, invalidEntries });
}

const target = (ip: string, exchange = 'mx1.example.test'): HostTarget => ({ ip, port: 25, tlsMode: 'starttls', exchange });

describe('RedisHostSource', () => {
  it('probes a host once when two workers want it at the same moment, then both reuse it', async () => {
    const keys = fleetKeys(server.prefix('h1'));
    const prober = new CountingProber(200);
    const a = source(keys, prober);
    const b = source(keys, prober);
    const [first, second] = await Promise.all([
      a.obtain(target('192.0.2.30')),
      b.obtain(target('192.0.2.30', 'mx2.example.test')),
    ]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual(['deferred', 'probed']);
    const deferred = [first, second].find((o) => o.status === 'deferred');
    expect(deferred).toMatchObject({ reason: 'host_probe_in_flight', retryAfterMs: 200 });
    const later = await b.obtain(target('192.0.2.30', 'mx2.example.test'));
    expect(later.status).toBe('cached');
    expect(later.status === 'cached' && later.probe.ip).toBe('192.0.2.30');
    expect(prober.calls).toHaveLength(1);

    const redis = server.client();
    expect(await redis.get(keys.hostLock('192.0.2.30', 25))).toBeNull();
    expect(await redis.pttl(keys.host('192.0.2.30', 25))).toBeGreaterThan(55_000);
    expect(await redis.get(keys.statHostMisses)).toBe('1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await redis.get(keys.statHostHits)).toBe('1');
    expect(await redis.zcard(keys.hostIndex)).toBe(1);
  });

  it('jobs in flight in one worker that share a host probe it once, and their hits, summed per turn, all count', async () => {
    const keys = fleetKeys(server.prefix('one-worker'));
    const prober = new CountingProber(50);
    const shared = source(keys, prober);
    // Issued in the same turn, as a worker's jobs in flight are.
    const first = await Promise.all(Array.from({ length: 12 }, () => shared.obtain(target('192.0.2.31'))));
    expect(first.filter((o) => o.status === 'probed')).toHaveLength(1);
    expect(first.filter((o) => o.status === 'deferred')).toHaveLength(11);
    expect(prober.calls).toHaveLength(1);
    const again = await Promise.all(Array.from({ length: 12 }, () => shared.obtain(target('192.0.2.31'))));
    expect(again.every((o) => o.status === 'cached')).toBe(true);
    expect(prober.calls).toHaveLength(1);
    const redis = server.client();
    await vi.waitFor(async () => expect(await redis.get(keys.statHostHits)).toBe('12'));
    expect(await redis.get(keys.statHostMisses)).toBe('1');
    expect(await redis.zcard(keys.hostIndex)).toBe(1);
    expect(await redis.get(keys.hostLock('192.0.2.31', 25))).toBeNull();
  });

  it('a watched re-check treats a probe older than its interval as a miss, and shares the fresh one', async () => {
    const keys = fleetKeys(server.prefix('fresh'));
    const prober = new CountingProber(1);
    const hosts = source(keys, prober);
    const old = sampleProbe('192.0.2.40', { probedAt: new Date(Date.now() - 3_600_000).toISOString() });
    await server.client().set(keys.host('192.0.2.40', 25), JSON.stringify(old), 'PX', 60_000);
    expect((await hosts.obtain(target('192.0.2.40'))).status).toBe('cached');
    expect((await hosts.obtain(target('192.0.2.40'), undefined, { maxAgeMs: 60_000 })).status).toBe('probed');
    expect(prober.calls).toHaveLength(1);
    // The fresh probe replaced the old one for everybody, watched or not.
    expect((await hosts.obtain(target('192.0.2.40'), undefined, { maxAgeMs: 60_000 })).status).toBe('cached');
    expect(prober.calls).toHaveLength(1);
  });

  it('many workers, many domains, few hosts: one probe per host', async () => {
    const keys = fleetKeys(server.prefix('h2'));
    const prober = new CountingProber(50);
    const sources = [0, 1, 2, 3].map(() => source(keys, prober, 1000));
    const ips = ['192.0.2.40', '192.0.2.41', '192.0.2.42'];
    // Each "domain" retries its host until it gets it, like a deferred job coming back.
    const domains = Array.from({ length: 60 }, async (_, i) => {
      const mine = sources[i % sources.length] as RedisHostSource;
      for (;;) {
        const got = await mine.obtain(target(ips[i % ips.length] as string));
        if (got.status !== 'deferred') return got.status;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });
    const outcomes = await Promise.all(domains);
    expect(outcomes.filter((s) => s === 'probed')).toHaveLength(3);
    expect(new Set(prober.calls.map((c) => c.ip))).toEqual(new Set(ips));
    expect(prober.calls).toHaveLength(3);
  });

  it('a gate "wait" releases the lock and defers with the politeness delay', async () => {
    const keys = fleetKeys(server.prefix('h3'));
    const prober = new CountingProber(1);
    const a = source(keys, prober, 1);
    expect((await a.obtain(target('192.0.2.50'))).status).toBe('probed');
    // Same address, other port: separate cache entry, same politeness budget (1/s), so it must wait.
    const other = await a.obtain({ ip: '192.0.2.50', port: 2525, tlsMode: 'starttls', exchange: 'mx.example.test' });
    expect(other).toMatchObject({ status: 'deferred', reason: 'politeness_rate' });
    expect(other.status === 'deferred' && other.retryAfterMs).toBeGreaterThan(500);
    const redis = server.client();
    expect(await redis.get(keys.hostLock('192.0.2.50', 2525))).toBeNull();
    expect(prober.calls).toHaveLength(1);
  });

  it('shares a transient failure only briefly, so a retry probes again', async () => {
    const keys = fleetKeys(server.prefix('h4'));
    const prober = new CountingProber(1, (t) =>
      sampleProbe(t.ip, { connect: 'timeout', banner: null, ehlo: null, error: 'connect_timeout' }),
    );
    const a = source(keys, prober);
    expect((await a.obtain(target('192.0.2.60'))).status).toBe('probed');
    const redis = server.client();
    const ttl = await redis.pttl(keys.host('192.0.2.60', 25));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(2_000);
  });

  it('never caches a probe cut short by its own job’s abort: the next asker probes afresh', async () => {
    const keys = fleetKeys(server.prefix('h-abort'));
    const abort = new AbortController();
    const prober = new CountingProber(1, (t) => {
      abort.abort();
      return sampleProbe(t.ip, { banner: null, ehlo: null, error: 'aborted' });
    });
    // A rate high enough that the second probe is not refused by the first one's grant.
    const a = source(keys, prober, 10_000);
    expect((await a.obtain(target('192.0.2.61'), abort.signal)).status).toBe('probed');
    expect(await server.client().exists(keys.host('192.0.2.61', 25))).toBe(0);
    const healthy = new CountingProber(1);
    const b = source(keys, healthy, 10_000);
    const next = await b.obtain(target('192.0.2.61'));
    expect(next.status).toBe('probed');
    expect(healthy.calls).toHaveLength(1);
  });

  it('a crashed holder blocks the host only until its lock lapses', async () => {
    const keys = fleetKeys(server.prefix('h5'));
    const redis = server.client();
    await redis.set(keys.hostLock('192.0.2.70', 25), 'dead-worker', 'PX', 150);
    const prober = new CountingProber(1);
    const a = source(keys, prober);
    expect((await a.obtain(target('192.0.2.70'))).status).toBe('deferred');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await a.obtain(target('192.0.2.70'))).status).toBe('probed');
  });

  it.each([
    ['garbage', 'not json at all'],
    ['an older shape', JSON.stringify({ ip: '192.0.2.80', port: 25, connected: true, greeting: '220 hi' })],
    ['another host', JSON.stringify(sampleProbe('192.0.2.99'))],
  ])('treats a cache entry of %s as a miss: probes again, overwrites it and counts it', async (_name, entry) => {
    const keys = fleetKeys('h6');
    const redis = server.client();
    await redis.set(keys.host('192.0.2.80', 25), entry, 'PX', 60_000);
    const invalid = new Counter({ name: 'test_invalid_entries_total', help: 'test', registers: [new Registry()] });
    const prober = new CountingProber(1);
    const a = source(keys, prober, 100, invalid);
    const first = await a.obtain(target('192.0.2.80'));
    expect(first.status).toBe('probed');
    expect(prober.calls).toHaveLength(1);
    expect((await invalid.get()).values[0]?.value).toBe(1);
    const stored: unknown = JSON.parse((await redis.get(keys.host('192.0.2.80', 25))) ?? 'null');
    expect(stored).toMatchObject({ ip: '192.0.2.80', port: 25, connect: 'ok', probedAs: 'mx1.example.test' });
    // The overwritten entry is a hit for the next domain: no second probe, nothing more counted.
    expect((await a.obtain(target('192.0.2.80'))).status).toBe('cached');
    expect(prober.calls).toHaveLength(1);
    expect((await invalid.get()).values[0]?.value).toBe(1);
  });

  it("a probe's second connection (a server without RFC 5746) passes the fleet gate like a first: refused within the address's interval, granted after it, its lease given back", async () => {
    const keys = fleetKeys(server.prefix('reconnect'));
    const redis = server.client();
    const leaves: Array<ReconnectLeave & { at: number }> = [];
    // What SmtpHostProber does for such a server: after its first connection, ask again until granted.
    const reconnecting: HostProber = {
      async probe(t: HostTarget, _signal?: AbortSignal, options?: ProbeCallOptions): Promise<HostProbe> {
        for (;;) {
          const leave = await options?.reconnect?.();
          if (leave === undefined) break;
          leaves.push({ ...leave, at: Date.now() });
          // While the second connection is open its lease is held: one, as for the first.
          if (leave.status === 'granted') {
            expect(await redis.zcard(keys.politeLeases('address', t.ip))).toBe(1);
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, leave.retryAfterMs));
        }
        return sampleProbe(t.ip, { probedAs: t.exchange });
      },
    };
    // 4 connections a second to one address: a window of 250 ms (plus the gate's jitter allowance).
    const started = Date.now();
    const obtained = await source(keys, reconnecting, 4).obtain(target('192.0.2.95'));
    expect(obtained.status).toBe('probed');
    expect(leaves[0]).toMatchObject({ status: 'wait' });
    expect(leaves.at(-1)).toMatchObject({ status: 'granted' });
    expect((leaves.at(-1)?.at ?? 0) - started).toBeGreaterThanOrEqual(240);
    expect(await redis.zcard(keys.politeLeases('address', '192.0.2.95'))).toBe(0);
    // Another worker, at once, for another port of the address: the second connection's grant holds it off.
    const other = await source(keys, new CountingProber(1), 4).obtain({ ...target('192.0.2.95'), port: 587 });
    expect(other).toMatchObject({ status: 'deferred', reason: 'politeness_rate' });
  });

  it('keeps its scripts working after SCRIPT FLUSH (lock release, gate)', async () => {
    const keys = fleetKeys('h7');
    const redis = server.client();
    const prober = new CountingProber(1);
    const a = source(keys, prober);
    expect((await a.obtain(target('192.0.2.90'))).status).toBe('probed');
    await redis.script('FLUSH');
    // Both the gate's ACQUIRE and the lock's RELEASE run again, by EVAL after NOSCRIPT.
    expect((await a.obtain(target('192.0.2.91'))).status).toBe('probed');
    expect(await redis.get(keys.hostLock('192.0.2.91', 25))).toBeNull();
    expect(prober.calls).toHaveLength(2);
  });
});
